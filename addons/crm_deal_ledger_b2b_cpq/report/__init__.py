from . import crm_deal_ledger_line
