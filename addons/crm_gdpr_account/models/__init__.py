from . import crm_gdpr_footprint
from . import crm_gdpr_legal_hold
from . import crm_gdpr_eraser
from . import crm_gdpr_scanner
from . import crm_gdpr_retention_rule
