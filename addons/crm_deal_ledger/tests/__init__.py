from . import test_invoice_opportunity
from . import test_ledger_reconciliation
from . import test_ledger_access
from . import test_ledger_report
from . import test_ledger_tour
from . import test_ledger_to_invoice
from . import test_ledger_views
from . import test_performance_budgets
