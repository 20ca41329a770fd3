"""Time buckets that fit a chart's span, and integer axis ticks for counts.

A chart over three weeks shows days; over a year, weeks; over a few years, months; over more,
years: bars stay wide enough to see, and a line is drawn only between neighbouring buckets
(a gap of empty buckets breaks it, see `segments`).
"""

from __future__ import annotations

from datetime import date, timedelta
from math import ceil

# (unit, longest span in days it is used for); weeks begin on Sunday, as Vega's week unit does
BUCKETS = (("day", 62), ("week", 2 * 366), ("month", 12 * 366), ("year", None))
VEGA_TIME_UNIT = {"day": "utcyearmonthdate", "week": "utcyearweek", "month": "utcyearmonth", "year": "utcyear"}
AXIS_FORMAT = {"day": "%b %d, %Y", "week": "%b %d, %Y", "month": "%b %Y", "year": "%Y"}


def pick_bucket(days: list[str]) -> str:
    """The unit that fits the span of `days` (ISO dates): day, week, month or year."""
    if not days:
        return "day"
    parsed = [date.fromisoformat(d[:10]) for d in days]
    span = (max(parsed) - min(parsed)).days
    return next(unit for unit, longest in BUCKETS if longest is None or span <= longest)


def bucket_start(day: str, unit: str) -> str:
    """The first day (ISO) of the bucket `day` falls in."""
    d = date.fromisoformat(day[:10])
    if unit == "week":
        d -= timedelta(days=(d.weekday() + 1) % 7)  # back to Sunday
    elif unit == "month":
        d = d.replace(day=1)
    elif unit == "year":
        d = d.replace(month=1, day=1)
    return d.isoformat()


def next_bucket(start: str, unit: str) -> str:
    """The start of the bucket after the one starting on `start`."""
    d = date.fromisoformat(start)
    if unit == "day":
        return (d + timedelta(days=1)).isoformat()
    if unit == "week":
        return (d + timedelta(days=7)).isoformat()
    if unit == "month":
        return (d.replace(year=d.year + 1, month=1) if d.month == 12 else d.replace(month=d.month + 1)).isoformat()
    return d.replace(year=d.year + 1).isoformat()


def segments(starts: list[str], unit: str) -> list[int]:
    """For sorted bucket starts of one series: a segment number per bucket, a new one after a gap."""
    out, segment = [], 0
    for i, start in enumerate(starts):
        if i and next_bucket(starts[i - 1], unit) != start:
            segment += 1
        out.append(segment)
    return out


def integer_ticks(maximum: float, most: int = 8) -> list[int]:
    """Whole-number tick values from 0 to at least `maximum`, at most `most` + 1 of them."""
    top = max(1, ceil(maximum))
    step = 1
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        step = candidate
        if ceil(top / candidate) <= most:
            break
    else:
        step = ceil(top / most)
    return list(range(0, ceil(top / step) * step + 1, step))


def previous_bucket(start: str, unit: str) -> str:
    """The start of the bucket before the one starting on `start`."""
    d = date.fromisoformat(start)
    if unit == "day":
        return (d - timedelta(days=1)).isoformat()
    if unit == "week":
        return (d - timedelta(days=7)).isoformat()
    if unit == "month":
        return (d.replace(year=d.year - 1, month=12) if d.month == 1 else d.replace(month=d.month - 1)).isoformat()
    return d.replace(year=d.year - 1).isoformat()


def padded_domain(starts: list[str], unit: str, least: int = 7) -> tuple[str, str]:
    """(first day, day after the last bucket) of an axis showing at least `least` buckets: one
    day of data is a bar among empty days, not a bar as wide as the chart."""
    first, end = min(starts), next_bucket(max(starts), unit)
    count, probe = 0, first
    while probe != end:
        probe, count = next_bucket(probe, unit), count + 1
    while count < least:  # widen both sides in turn
        first, count = previous_bucket(first, unit), count + 1
        if count < least:
            end, count = next_bucket(end, unit), count + 1
    return first, end
