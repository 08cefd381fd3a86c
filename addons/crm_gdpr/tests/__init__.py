from . import common
from . import test_consent_receipts
from . import test_consent_api
