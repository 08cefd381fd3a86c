from . import crm_channel_scorecard
from . import crm_lead
from . import product_template
from . import res_company
from . import res_config_settings
from . import res_partner_grade
from . import sale_order
