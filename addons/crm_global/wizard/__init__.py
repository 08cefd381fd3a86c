from . import crm_slot_finder_wizard
from . import crm_slot_finder_wizard_line
