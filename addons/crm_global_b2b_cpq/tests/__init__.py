from . import test_quote_currency
from . import test_cpq_in_deal_currency
from . import test_deal_amount
from . import test_ledger_deal_currency
from . import test_install_alignment
from . import test_quote_tour
