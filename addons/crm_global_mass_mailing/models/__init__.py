from . import crm_mailing_schedule
from . import mailing_mailing
