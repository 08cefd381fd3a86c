from . import tz
