from . import account_move
from . import sale_order
from . import crm_lead
from . import crm_lead_demo
