from . import common
from . import test_consent_receipts
from . import test_consent_api
from . import test_double_optin
from . import test_preference_page
from . import test_mailing_enforcement
from . import test_activity_warning
from . import test_requests
