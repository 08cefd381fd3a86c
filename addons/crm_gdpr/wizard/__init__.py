from . import crm_gdpr_consent_record
