"""Text folding for matching: two renditions of one body fold to the same tokens."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"[*_`#>|~]+")
_FOLD = str.maketrans(
    {
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
        "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
        "\u00ad": None,  # soft hyphen
    }
)
_TOKEN = re.compile(r"\w+", re.UNICODE)


def fold_text(body: str) -> str:
    """NFKC, casefold, quotes/dashes folded, URLs and markdown marks removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", body).translate(_FOLD)
    text = _URL.sub(" ", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_MARKS.sub(" ", text)
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)  # a word hyphenated across a line break
    return " ".join(text.casefold().split())


def tokens(body: str) -> list[str]:
    """Word tokens of the folded body; punctuation carries no identity."""
    return _TOKEN.findall(fold_text(body))


def body_hash(body: str) -> str:
    """Exact-copy key: the same words in the same order, whatever the typography or wrapping."""
    return hashlib.sha256(" ".join(tokens(body)).encode("utf-8")).hexdigest()[:32]
