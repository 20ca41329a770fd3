"""Publication dates from the short date lines that renditions carry."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone

from dateutil import parser as dateutil_parser

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE_PATTERNS = [
    # 2017-12-11, 2017-12-11T10:05:00+03:00
    re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"),
    # December 11, 2017 / Dec. 11 2017 (optionally with a time)
    re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}(?:,?\s+\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?)?", re.I),
    # 11 December 2017
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}\b", re.I),
    # 11.12.2017 (day first, the European habit)
    re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b"),
]
_DATE_LINE_MAX = 80


def find_date(text: str) -> datetime | None:
    """The first date in a short text, as a datetime (UTC when the text names no zone)."""
    found = find_date_text(text)
    return found[0] if found else None


def find_date_text(text: str) -> tuple[datetime, str] | None:
    """The first date in a short text and the words it was read from."""
    for pattern in _DATE_PATTERNS:
        match = pattern.search(text)
        if match:
            parsed = parse_date(match.group(0))
            if parsed:
                return parsed, match.group(0)
    return None


_MONTH_NUMBER = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")  # then seconds, fraction, zone: fromisoformat
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_MONTH_DAY_YEAR = re.compile(rf"({_MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", re.I)
_DAY_MONTH_YEAR = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})\.?,?\s+(\d{{4}})", re.I)


def _plain_date(value: str) -> datetime | None:
    """The date-only forms `_DATE_PATTERNS` find, parsed without dateutil (~40x cheaper); None for
    anything else (times, zones, unknown words), which dateutil then reads."""
    try:
        if _ISO_TIME.match(value):
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        if match := _ISO_DAY.fullmatch(value):
            return datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)), tzinfo=timezone.utc)
        if match := _MONTH_DAY_YEAR.fullmatch(value):
            month, day, year = match.group(1), match.group(2), match.group(3)
        elif match := _DAY_MONTH_YEAR.fullmatch(value):
            day, month, year = match.group(1), match.group(2), match.group(3)
        elif match := _DOTTED.fullmatch(value):
            return datetime(int(match.group(3)), int(match.group(2)), int(match.group(1)), tzinfo=timezone.utc)
        else:
            return None
        return datetime(int(year), _MONTH_NUMBER[month[:3].lower()], int(day), tzinfo=timezone.utc)
    except ValueError:
        return None  # no such day: dateutil decides (and refuses it too)


def parse_date(value: str) -> datetime | None:
    """Parse one date string; day-first for dotted dates; None when it is not a plausible date."""
    value = value.strip()
    parsed = _plain_date(value)
    if parsed is None:
        try:
            parsed = dateutil_parser.parse(value, dayfirst=bool(_DOTTED.fullmatch(value)), fuzzy=False)
        except (ValueError, OverflowError):
            return None
    if not 1990 <= parsed.year <= 2100:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def is_date_line(line: str) -> bool:
    """A short line that is mostly a date ("December 11, 2017", "Published 11.12.2017")."""
    line = line.strip()
    if not line or len(line) > _DATE_LINE_MAX:
        return False
    for pattern in _DATE_PATTERNS:
        match = pattern.search(line)
        if match and len(match.group(0)) >= 0.5 * len(line.strip("*_ ")):
            return True
    return False


def parse_iso_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 / W3C datetime (feeds, sitemaps, JSON); naive values are taken as UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def to_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


# a zone written as UTC itself ("Z", "+00:00", "GMT"): parsers that default to UTC cannot tell it
# from no zone at all, the raw text can
_NAMES_UTC = re.compile(r"\dZ\b|[+-]00'?:?00\b|\b(?:UTC|GMT)\b", re.I)
_HAS_TIME = re.compile(r"\d:\d\d|T\d\d|^D:\d{10}")


def has_time(raw: str) -> bool:
    """Whether a date text gives a time of day, not only the day."""
    return bool(_HAS_TIME.search(raw.strip()))


def written_date(raw: str | None, value: datetime | None, local_day: str | None = None) -> tuple[str | None, int | None]:
    """(published_local, published_offset_minutes): a date as the publisher wrote it.

    The wall time in ISO 8601 with its UTC offset when the source named one ("2017-12-11T10:05:00+03:00",
    offset 180), without an offset when it named none ("2017-12-11T10:05:00", None), and a bare
    day when it gave no time ("2017-12-11"), or `local_day` when the page tells only the publisher's
    day of a time written in UTC (tasks/normalize/html_dates.py). `value` is what a parser read from `raw`: naive or in
    UTC when no zone was named (UTC counts as named only when `raw` says so), else in the
    publisher's zone (also one borrowed from another date of the same page).
    """
    if value is None:
        return None, None
    if local_day is not None:
        return local_day, None
    offset = value.utcoffset()
    zoned = offset is not None and (offset != timedelta(0) or raw is None or bool(_NAMES_UTC.search(raw)))
    wall = value.replace(tzinfo=None)
    if raw is not None and wall.time() == time(0) and not has_time(raw):
        return wall.date().isoformat(), None
    if not zoned:
        return wall.isoformat(), None
    return value.isoformat(), int(offset.total_seconds() // 60)
