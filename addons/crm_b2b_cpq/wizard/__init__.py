from . import cpq_approval_reject_wizard
from . import cpq_version_diff_wizard
from . import portal_share
