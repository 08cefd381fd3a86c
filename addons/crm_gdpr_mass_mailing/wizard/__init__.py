from . import mail_compose_message
from . import mailing_mailing_test
