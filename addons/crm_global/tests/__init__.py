from . import test_time_zone
from . import test_contact_window
from . import test_slot_finder
from . import test_booking
from . import test_booking_concurrency
from . import test_invitation_tz
from . import test_deal_currency
from . import test_revaluation
