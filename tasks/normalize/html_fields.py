"""Choosing one author list, publication time and language among a page's candidates (titles: html_title)."""

from __future__ import annotations

import re
import unicodedata
import warnings
from datetime import datetime, timedelta, timezone

from dateutil import parser as dateutil_parser

from tasks.normalize.html_meta import clean_text

_BY = re.compile(
    r"^\s*(?:written\s+by|posted\s+by|reported\s+by|text|by|von|par|por|av|af|door|от|автор|autor|autorin|author|reporter)\s*[:\s]\s*",
    re.IGNORECASE,
)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|\||&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\bog\b|\boch\b|\ben\b)\s*", re.IGNORECASE)
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
# URLs, e-mails, times and dates, photo credits "(Image: ...)", profile slugs "jane-doe"
_NOT_A_NAME = re.compile(r"https?://|www\.|@|\d|^[\W_]+$|^\(|:|^[a-z]+(?:-[a-z]+)+$")


def looks_like_person(name: str) -> bool:
    """Two to four words, each starting with a capital (or a non-Latin script): "Dr. Max Kolter"."""
    words = name.split()
    return 2 <= len(words) <= 4 and all(not w[0].isalpha() or w[0].isupper() or not w[0].isascii() for w in words)


def is_site_name(name: str, site_names: list[str]) -> bool:
    return site_like(name, site_names)


def fold(text: str | None) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip().casefold()


def site_like(part: str, site_names: list[str]) -> bool:
    """True when `part` is a site's name: equal, or one contains the other with little to spare
    ("Daily Mail Online" vs "Mail Online", "n-tv.de" vs "ntv.de" does not count)."""
    folded = fold(part).strip(" .")
    if not folded:
        return False
    for site in site_names:
        name = fold(site)
        if not name:
            continue
        if folded == name:
            return True
        # containment only for names that cannot be an ordinary word: several words or a host
        if (" " in name or "." in name) and name in folded and (len(folded) <= len(name) + 12 or len(folded.split()) <= 5):
            return True
        if len(folded) >= 3 and folded in name:
            return True
    return False


def clean_author(name: str) -> str:
    name = _BY.sub("", clean_text(name))
    name = re.sub(r"\s*\([^)]{1,12}\)\s*$", "", name)  # "Oliver Maksan (oma)": an editor's initials
    return name.strip(" ,;:|-–—·")


def split_authors(raw: list[str]) -> list[str]:
    """Clean names, split "A and B" / "A, B", drop things that are not names; keep order, no dupes."""
    names: list[str] = []
    seen: set[str] = set()
    for value in raw:
        value = clean_author(value)
        if not value:
            continue
        parts = _AUTHOR_SPLIT.split(value) if len(value.split()) > 3 or _has_joiner(value) else [value]
        for part in parts:
            part = clean_author(part)
            key = fold(part)
            if not part or key in seen or _NOT_A_NAME.search(part) or len(part) > 60 or len(part.split()) > 5:
                continue
            seen.add(key)
            names.append(part)
    return names


def _has_joiner(value: str) -> bool:
    return bool(re.search(r",|;|&|\|| and | und | et | y | e | og | och | en ", value, re.IGNORECASE))


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
