"""Choosing one title, author list, publication time and language among a page's candidates."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from dateutil import parser as dateutil_parser

from tasks.normalize.html_meta import clean_text

_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " // ", " » ", " « ", ": ")
_BY = re.compile(
    r"^\s*(?:written\s+by|posted\s+by|reported\s+by|text:?|by|von|par|por|di|da|av|af|door|de|от|автор:?)\s*[:\s]\s*",
    re.IGNORECASE,
)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|\||&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\bog\b|\boch\b|\ben\b)\s*", re.IGNORECASE)
_LANG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]{2,8})*$")
_NOT_A_NAME = re.compile(r"https?://|www\.|@|\d{3,}|^[\W\d_]+$")


def fold(text: str | None) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip().casefold()


def _site_like(part: str, site_names: list[str]) -> bool:
    folded = fold(part)
    if not folded:
        return False
    for site in site_names:
        name = fold(site)
        if name and (folded == name or folded in name or name in folded):
            return True
    return False


def title_variants(title: str, site_names: list[str]) -> list[tuple[str, bool]]:
    """The title itself, then the title with a leading or trailing part cut off; the flag says
    whether the cut part is a known site name (otherwise it is only a short trailing phrase)."""
    variants = [(title, True)]
    for sep in _SEPARATORS:
        if sep not in title:
            continue
        head, _, tail = title.rpartition(sep)
        if head and _site_like(tail, site_names):
            variants.append((head.strip(), True))
        elif head and sep != ": " and len(tail.split()) <= 4 < len(head.split()):
            variants.append((head.strip(), False))
        first, _, rest = title.partition(sep)
        if rest and _site_like(first, site_names):
            variants.append((rest.strip(), True))
    return variants


def choose_title(candidates: list[str | None], headings: list[str], site_names: list[str]) -> str | None:
    """Prefer the headline variant a page's <h1> confirms; otherwise the first candidate with a
    known site name cut off.

    `candidates` come in trust order (og:title, JSON-LD headline, twitter:title, <title>, ...).
    """
    cleaned = [clean_text(c) for c in candidates if c and clean_text(c)]
    if not cleaned:
        return headings[0] if headings else None
    folded_headings = {fold(h) for h in headings}
    for candidate in cleaned:
        for variant, _ in title_variants(candidate, site_names):
            if fold(variant) in folded_headings:
                return variant
    for heading in headings:
        # an <h1> that is the start of the <title> ("Headline | Site")
        if len(heading) > 15 and any(fold(c).startswith(fold(heading)) for c in cleaned):
            return heading
    trusted = [variant for variant, known_site in title_variants(cleaned[0], site_names)[1:] if known_site]
    return trusted[0] if trusted else cleaned[0]


def clean_author(name: str) -> str:
    name = _BY.sub("", clean_text(name))
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
            parsed = dateutil_parser.parse(text, fuzzy=False)
        except (ValueError, OverflowError, TypeError):
            return None
    if not 1995 <= parsed.year <= datetime.now().year + 1:
        return None
    return parsed


def choose_published(candidates: list[str | None], fallbacks: list[str | None] = ()) -> datetime | None:
    """The first parseable candidate; a date without a zone borrows the zone of another date on
    the same page (e.g. the modified time) when the two are within a day of each other."""
    parsed = [p for p in (parse_datetime(c) for c in candidates) if p is not None]
    if not parsed:
        return None
    chosen = parsed[0]
    if chosen.tzinfo is None:
        others = parsed[1:] + [p for p in (parse_datetime(c) for c in fallbacks) if p is not None]
        for other in others:
            if other.tzinfo is not None and abs(other.replace(tzinfo=None) - chosen) <= timedelta(days=1):
                return chosen.replace(tzinfo=other.tzinfo)
    return chosen


def language_code(value: str | None) -> str | None:
    """"en-US" / "de_DE" / "deu"-like declared codes -> a lowercase primary subtag, else None."""
    match = _LANG.match((value or "").strip())
    if not match:
        return None
    code = match.group(1).lower()
    return code if len(code) == 2 else None
