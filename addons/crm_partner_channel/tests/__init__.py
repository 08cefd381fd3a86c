from . import test_security
from . import test_routing
from . import test_offers
from . import test_concurrency
from . import test_registration
from . import test_portal
from . import test_scorecard
from . import test_tour
