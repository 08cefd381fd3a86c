from . import test_quote_currency
