from . import crm_gdpr_subject
from . import crm_gdpr_footprint
from . import crm_gdpr_eraser
from . import mailing_mailing
from . import mailing_trace
from . import mail_mail
