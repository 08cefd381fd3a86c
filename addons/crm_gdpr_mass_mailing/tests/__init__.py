from . import test_mailing_enforcement
from . import test_mailing_send_time
from . import test_mailing_footprint
from . import test_retention_mailing_contacts
from . import test_performance_budgets
