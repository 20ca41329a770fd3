"""Comparing names, choosing a publication time and a language among a page's candidates
(titles: html_title, authors: bylines)."""

from __future__ import annotations

import re
import unicodedata
import warnings
from datetime import datetime, timedelta, timezone

from dateutil import parser as dateutil_parser

from tasks.normalize.html_meta import clean_text

_LANG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]{2,8})*$")
_ZONE_NAMES = {
    name: timezone(timedelta(hours=hours))
    for name, hours in {
        "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 1, "CET": 1, "MEZ": 1, "WEST": 1, "CEST": 2,
        "MESZ": 2, "EET": 2, "EEST": 3, "MSK": 3, "IST": 5.5, "SGT": 8, "HKT": 8, "JST": 9, "KST": 9,
        "AEST": 10, "AEDT": 11, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
        "PST": -8, "PDT": -7,
    }.items()
}


def fold(text: str | None) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip().casefold()


def site_like(part: str, site_names: list[str]) -> bool:
    """True when `part` is a site's name: equal, or one contains the other as whole words with little
    to spare ("Daily Mail Online" vs "Mail Online"). One ordinary word of a longer name does not
    count ("Report" is not "The Daily Report"), nor does "n-tv.de" inside "ntv.de"."""
    folded = fold(part).strip(" .")
    if not folded:
        return False
    for site in site_names:
        name = fold(site)
        if not name:
            continue
        if folded == name or folded == _THE.sub("", name):
            return True
        # containment only for names that cannot be an ordinary word: several words or a host
        if (" " in name or "." in name) and _has_words(folded, name) and (len(folded) <= len(name) + 12 or len(folded.split()) <= 5):
            return True
        if len(folded) >= 3 and (" " in folded or "." in folded) and _has_words(name, folded):
            return True
    return False


def is_site_name(text: str, site_names: list[str]) -> bool:
    """`text` is exactly one of the site's names (a leading "The" aside): not a title that mentions it."""
    folded = fold(text).strip(" .")
    return bool(folded) and any(folded in (fold(site), _THE.sub("", fold(site))) for site in site_names)


# a leading article is not part of what a title suffix calls the site ("Guardian" for "The Guardian")
_THE = re.compile(r"^(?:the|der|die|das|le|la|les|el|il|lo|de|het|o|a)\s+")


def _has_words(text: str, words: str) -> bool:
    """`words` occurs in `text` with no letter or digit touching either end."""
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text) is not None


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO-like or common written timestamp; None for anything unparseable or implausible."""
    text = clean_text(value)
    if not text or len(text) > 60:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", text) else text)
    except ValueError:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = dateutil_parser.parse(text, fuzzy=False, tzinfos=_ZONE_NAMES)
        except (ValueError, OverflowError, TypeError, dateutil_parser.ParserError):
            return None
    if not 1995 <= parsed.year <= datetime.now().year + 1:
        return None
    return parsed


def choose_published(candidates: list[str | None], fallbacks: list[str | None] = ()) -> tuple[datetime, str] | None:
    """The first parseable candidate and its text; a date without a zone borrows the zone of
    another date on the same page (e.g. the modified time) when the two are within a day of each
    other, and otherwise stays naive (the publisher's wall time, zone unknown)."""
    parsed = [(p, c) for p, c in ((parse_datetime(c), c) for c in candidates) if p is not None]
    if not parsed:
        return None
    chosen, raw = parsed[0]
    raw = clean_text(raw)
    if chosen.tzinfo is None:
        others = [p for p, _ in parsed[1:]] + [p for p in (parse_datetime(c) for c in fallbacks) if p is not None]
        for other in others:
            if other.tzinfo is not None and abs(other.replace(tzinfo=None) - chosen) <= timedelta(days=1):
                return chosen.replace(tzinfo=other.tzinfo), raw
    return chosen, raw


def language_code(value: str | None) -> str | None:
    """"en-US" / "de_DE" / "deu"-like declared codes -> a lowercase primary subtag, else None."""
    match = _LANG.match((value or "").strip())
    if not match:
        return None
    code = match.group(1).lower()
    return code if len(code) == 2 else None
