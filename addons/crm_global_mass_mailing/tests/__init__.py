from . import test_local_time
from . import test_local_time_sending
from . import test_cron_concurrency
