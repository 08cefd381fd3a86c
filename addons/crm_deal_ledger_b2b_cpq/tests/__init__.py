from . import test_ledger_cpq
