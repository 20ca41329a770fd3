from datetime import datetime, timezone
from itertools import product

import pytest
from dateutil import parser as dateutil_parser

from tasks.normalize.dates import _plain_date, find_date, parse_date

MONTHS = ["January", "Feb", "mar.", "Sept.", "sep", "DECEMBER", "May", "jun"]
DAYS = ["1", "09", "11", "21st", "2nd", "3rd", "28th", "31"]
YEARS = ["1999", "2017", "2024"]


def _dateutil(value: str, dayfirst: bool = False) -> datetime | None:
    try:
        return dateutil_parser.parse(value, dayfirst=dayfirst).replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError):
        return None


@pytest.mark.parametrize("template", ["{m} {d}, {y}", "{m} {d} {y}", "{d} {m} {y}", "{d} {m}, {y}"])
def test_plain_dates_read_as_dateutil_reads_them(template):
    for month, day, year in product(MONTHS, DAYS, YEARS):
        value = template.format(m=month, d=day, y=year)
        assert _plain_date(value) == _dateutil(value), value


def test_iso_and_dotted_days_read_as_dateutil_reads_them():
    for y, m, d in product(YEARS, range(1, 13), (1, 9, 12, 28, 30, 31)):
        assert _plain_date(f"{y}-{m:02d}-{d:02d}") == _dateutil(f"{y}-{m:02d}-{d:02d}")
        assert _plain_date(f"{d}.{m}.{y}") == _dateutil(f"{d}.{m}.{y}", dayfirst=True)


def test_iso_datetimes_read_as_dateutil_reads_them():
    for value in ("2017-12-11T10:05:00+03:00", "2017-12-11T10:05:00Z", "2017-12-11 10:05", "2017-12-11T10:05:00.123456-05:30",
                  "2024-02-29T23:59:59+0100", "2024-01-01T00:00:00.5Z"):
        fast = _plain_date(value)
        assert fast is not None and fast == _dateutil_keeping_zone(value), value


def _dateutil_keeping_zone(value: str) -> datetime:
    parsed = dateutil_parser.parse(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def test_other_forms_are_left_to_dateutil():
    for value in ("December 11, 2017, 10:05 am", "2017/12/11", "2017-W50-1", "Smarch 11, 2017"):
        assert _plain_date(value) is None
    assert parse_date("2017-12-11T10:05:00+03:00").utcoffset().total_seconds() == 3 * 3600
    assert parse_date("2017-12-11T10:05:00 Moscow time") is None  # neither reader accepts it
    assert parse_date("December 11, 2017, 10:05 am") == datetime(2017, 12, 11, 10, 5, tzinfo=timezone.utc)


def test_impossible_and_implausible_dates():
    assert parse_date("February 30, 2017") is None
    assert parse_date("31.02.2017") is None
    assert parse_date("January 1, 1870") is None
    assert find_date("Published 11.12.2017 in Moscow") == datetime(2017, 12, 11, tzinfo=timezone.utc)
