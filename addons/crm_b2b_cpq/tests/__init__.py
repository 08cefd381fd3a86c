from . import test_quote_versions
