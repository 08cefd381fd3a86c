from odoo.tools import SQL

from . import models
from . import report
from .report.crm_deal_ledger_line import LEDGER_STORE


def uninstall_hook(env):
    """The store of the report's entries is a plain table (see crm.deal.ledger.line)."""
    env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(LEDGER_STORE)))
