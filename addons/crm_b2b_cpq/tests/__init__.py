from . import test_quote_versions
from . import test_pricing
from . import test_approval
from . import test_configuration
