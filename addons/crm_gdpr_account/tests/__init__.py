from . import common
from . import test_erasure
from . import test_erasure_everything
from . import test_retention_anonymous
from . import test_access_archive
