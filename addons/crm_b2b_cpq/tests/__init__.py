from . import test_quote_versions
from . import test_pricing
from . import test_approval
from . import test_configuration
from . import test_expiry
from . import test_committee
from . import test_portal
from . import test_report
