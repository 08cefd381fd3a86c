from . import test_partner_sharing
from . import test_partner_sharing_portal
from . import test_partner_sharing_chatter
