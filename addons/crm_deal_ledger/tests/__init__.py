from . import test_invoice_opportunity
