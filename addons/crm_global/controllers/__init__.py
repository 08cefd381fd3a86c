from . import booking
