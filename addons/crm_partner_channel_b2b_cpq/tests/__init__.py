from . import test_quote_model
from . import test_quote_portal
from . import test_quote_tour
