"""Time-zone arithmetic at the edges: everything is stored in UTC (naive, as Odoo does); local
wall times are only built or read here.

A local time that does not exist (the hour skipped when clocks go forward, e.g. 02:30 in Paris on
29 March 2026) is moved forward by the length of the gap: 02:30 becomes 03:30 CEST, the instant a
clock that did not jump would show. A local time that happens twice (when clocks go back, e.g.
02:30 in Paris on 25 October 2026) is taken at its first occurrence (still summer time, 00:30
UTC). Both rules work for any gap, including Lord Howe's 30 minutes.
"""

from datetime import datetime, time, timedelta

import pytz


def zone(tz_name):
    return pytz.timezone(tz_name or "UTC")


def localize(naive_local, tz_name):
    """Aware datetime for a local wall time, with the gap and overlap rules above."""
    tz = zone(tz_name)
    try:
        return tz.localize(naive_local, is_dst=None)
    except pytz.NonExistentTimeError:
        return tz.normalize(tz.localize(naive_local, is_dst=False))
    except pytz.AmbiguousTimeError:
        return tz.localize(naive_local, is_dst=True)


def local_to_utc(naive_local, tz_name):
    """Naive UTC datetime (as stored by Odoo) for a local wall time."""
    return localize(naive_local, tz_name).astimezone(pytz.utc).replace(tzinfo=None)


def utc_to_local(naive_utc, tz_name):
    """Aware local datetime for a naive UTC datetime."""
    return pytz.utc.localize(naive_utc).astimezone(zone(tz_name))


def float_to_time(hours):
    """9.5 -> 09:30; 24.0 -> 23:59:59.999999 (end of day)."""
    if hours >= 24:
        return time.max
    minutes = round(hours * 60)
    return time(minutes // 60, minutes % 60)


def local_day_interval(day, hour_from, hour_to, tz_name):
    """(start, stop) aware UTC datetimes of hours [hour_from, hour_to) on a local day."""
    start = localize(datetime.combine(day, float_to_time(hour_from)), tz_name)
    if hour_to >= 24:
        stop = localize(datetime.combine(day + timedelta(days=1), time()), tz_name)
    else:
        stop = localize(datetime.combine(day, float_to_time(hour_to)), tz_name)
    return start.astimezone(pytz.utc), stop.astimezone(pytz.utc)


def utc_offset_label(aware):
    """'UTC+05:45' for an aware datetime."""
    offset = aware.utcoffset() or timedelta()
    sign = "-" if offset < timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
