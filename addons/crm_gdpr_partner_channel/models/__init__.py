from . import crm_gdpr_consent
from . import crm_gdpr_subject
from . import crm_lead
