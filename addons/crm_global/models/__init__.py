from . import res_company
from . import res_config_settings
from . import res_currency
from . import res_currency_rate
from . import res_country_state
from . import res_partner
from . import crm_lead
from . import crm_pipeline_value_change
