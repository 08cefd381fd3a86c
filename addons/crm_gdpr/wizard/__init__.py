from . import crm_gdpr_consent_record
from . import mail_compose_message
from . import mail_activity_schedule
from . import crm_gdpr_identity_check
