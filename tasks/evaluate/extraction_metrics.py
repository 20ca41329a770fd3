"""Per-page comparisons used by the extraction evaluation (pure functions, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import date, datetime

_TOKEN = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
SHINGLE_SIZE = 4


def shingles(text: str | None, size: int = SHINGLE_SIZE) -> Counter:
    """Multiset of `size`-token shingles of the lowercased `\\w+` tokens (ScrapingHub metric).

    A text shorter than `size` tokens is one shingle of all its tokens, so short bodies still count.
    """
    tokens = _TOKEN.findall((text or "").lower())
    if len(tokens) < size:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def body_scores(extracted: str | None, expected: str | None) -> tuple[float, float, float]:
    """Precision, recall and F1 of the shingle multisets of an extracted vs an expected body."""
    got, want = shingles(extracted), shingles(expected)
    if not got and not want:
        return 1.0, 1.0, 1.0
    overlap = sum((got & want).values())
    precision = overlap / sum(got.values()) if got else 0.0
    recall = overlap / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def normalize_title(title: str | None) -> str:
    """NFKC, whitespace collapsed, casefolded: the form titles are compared in."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", title or "")).strip().casefold()


def title_matches(extracted: str | None, expected: str | None) -> bool:
    return bool(expected) and normalize_title(extracted) == normalize_title(expected)


def parse_expected_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def date_matches(extracted: datetime | date | str | None, expected: datetime) -> bool:
    """Same calendar day, read in the expected timestamp's own zone.

    A tz-aware extracted datetime is converted into that zone first; a naive one or a bare date
    (plain trafilatura returns "YYYY-MM-DD") is taken as already being local to the page.
    """
    if extracted is None:
        return False
    if isinstance(extracted, str):
        try:
            extracted = datetime.fromisoformat(extracted)
        except ValueError:
            return False
    if isinstance(extracted, datetime):
        if extracted.tzinfo is not None and expected.tzinfo is not None:
            extracted = extracted.astimezone(expected.tzinfo)
        extracted = extracted.date()
    return extracted == expected.date()


def normalize_name(name: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", name)).strip().casefold()


def author_f1(extracted: list[str] | tuple[str, ...], expected: list[str]) -> float:
    """F1 of the normalized author-name sets; two empty sets agree."""
    got = {normalize_name(n) for n in extracted if n and n.strip()}
    want = {normalize_name(n) for n in expected if n and n.strip()}
    if not got and not want:
        return 1.0
    if not got or not want:
        return 0.0
    overlap = len(got & want)
    if not overlap:
        return 0.0
    precision, recall = overlap / len(got), overlap / len(want)
    return 2 * precision * recall / (precision + recall)


def split_authors(value: str | None) -> list[str]:
    """Plain trafilatura joins several authors with "; "."""
    return [part.strip() for part in (value or "").split(";") if part.strip()]


# Norwegian Bokmål / Nynorsk count as Norwegian: language identifiers report only "no"
_SAME_LANGUAGE = {"nb": "no", "nn": "no"}


def primary_language(code: str | None) -> str | None:
    """"en-US" / "en_GB" / "EN" -> "en"; "nb" -> "no"."""
    if not code:
        return None
    primary = re.split(r"[-_]", code.strip(), maxsplit=1)[0].lower()
    return _SAME_LANGUAGE.get(primary, primary) or None
