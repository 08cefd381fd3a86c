"""Time-zone arithmetic at the edges: everything is stored in UTC (naive, as Odoo does); local
wall times are only built or read here.

A local time that does not exist (the hour skipped when clocks go forward, e.g. 02:30 in Paris on
29 March 2026) is moved forward by the length of the gap: 02:30 becomes 03:30 CEST, the instant a
clock that did not jump would show. A local time that happens twice (when clocks go back, e.g.
02:30 in Paris on 25 October 2026) is taken at its first occurrence (still summer time, 00:30
UTC). Both rules work for any gap, including Lord Howe's 30 minutes.
"""

import bisect
import functools
import logging
from datetime import datetime, time, timedelta

import pytz

_logger = logging.getLogger(__name__)


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


# ----------------------------------------------------------------------------------------------
# Names and clocks of zones
# ----------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _links():
    """{old or alias name: target} from the link lines of the tz database pytz ships."""
    links = {}
    try:
        with pytz.open_resource("tzdata.zi") as data:
            for raw in data:
                line = raw.decode().split()
                if len(line) == 3 and line[0] == "L":
                    links[line[2]] = line[1]
    except OSError:
        _logger.warning("No tzdata.zi in pytz: deprecated zone names are kept as they are")
    return links


def resolve_link(name):
    """The zone a (possibly deprecated) name is a link to: Asia/Calcutta -> Asia/Kolkata."""
    links = _links()
    for _step in range(8):
        if name not in links:
            break
        name = links[name]
    return name


def canonical_zone(name, country_code=None):
    """The IANA name to show for a zone: the name the country's zone table uses when the
    country is known (America/Buenos_Aires -> America/Argentina/Buenos_Aires), else the target
    of a deprecated name (Asia/Calcutta -> Asia/Kolkata, Asia/Katmandu -> Asia/Kathmandu)."""
    if not name:
        return name
    country_zones = pytz.country_timezones.get(country_code, []) if country_code else []
    if name in country_zones:
        return name
    target = resolve_link(name)
    for zone in country_zones:
        if resolve_link(zone) == target:
            return zone
    if name in pytz.common_timezones_set:
        return name
    return target if target in pytz.all_timezones_set else name


@functools.lru_cache(maxsize=1024)
def _clock(name, since):
    """What a zone's clock does from `since` on: its offset then and each later change."""
    tz = zone(name)
    transitions = getattr(tz, "_utc_transition_times", None)
    if not transitions:
        return (tz.utcoffset(since),)
    infos = tz._transition_info
    index = max(bisect.bisect_right(transitions, since) - 1, 0)
    changes = tuple(
        (when, info[0])
        for when, info in zip(transitions[index + 1 :], infos[index + 1 :], strict=True)
    )
    return (infos[index][0], *changes)


def one_clock(zones, since=None):
    """The first of `zones` when they all keep one clock from `since` (default: the start of
    last year) on, e.g. Germany's Europe/Berlin and Europe/Busingen, or Argentina's twelve
    zones; None when they differ or there is none."""
    zones = [name for name in zones if name]
    if not zones:
        return None
    since = since or datetime(datetime.now().year - 1, 1, 1)
    first = _clock(zones[0], since)
    if all(_clock(name, since) == first for name in zones[1:]):
        return zones[0]
    return None
