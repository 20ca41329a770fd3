"""Text folding for matching: two renditions of one body fold to the same tokens."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_WWW = re.compile(r"www\.", re.I)
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_MARK_CHARS = "*_`#>|~"
_HYPHEN_BREAK = re.compile(r"(\w)-\s*\n\s*(\w)")  # a word hyphenated across a line break
_HYPHEN_HINT = re.compile(r"-\s*\n")
_FOLD_PAIRS = (
    ("‘", "'"), ("’", "'"), ("‚", "'"), ("‛", "'"), ("′", "'"), ("`", "'"), ("´", "'"),
    ("“", '"'), ("”", '"'), ("„", '"'), ("‟", '"'), ("″", '"'), ("«", '"'), ("»", '"'),
    ("‐", "-"), ("‑", "-"), ("‒", "-"), ("–", "-"), ("—", "-"), ("―", "-"), ("−", "-"),
    ("\u00ad", ""),  # soft hyphen
)
_TOKEN = re.compile(r"\w+", re.UNICODE)
_NON_WORD = re.compile(r"\W", re.UNICODE)
_ASCII = bytes(range(128))
# ASCII bytes that are not word characters become spaces; bytes of multi-byte characters stay
_SPACE_ASCII_NON_WORD = bytes(c if c >= 128 or chr(c).isalnum() or c == ord("_") else ord(" ") for c in range(256))


def _fold_marks(body: str) -> str:
    """Everything fold_text does except casefolding and collapsing whitespace.

    Written as substring tests and str.replace rather than one str.translate and always-run
    regexes: the same output at a third of the cost (fingerprinting is dedup's hot loop).
    """
    text = body
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        for char, folded in _FOLD_PAIRS:
            if char in text:
                text = text.replace(char, folded)
    elif "`" in text:
        text = text.replace("`", "'")
    if "://" in text or (_may_hold_www(text) and _WWW.search(text)):
        text = _URL.sub(" ", text)
    if "](" in text:
        text = _MD_LINK.sub(r"\1", text)
    for char in _MD_MARK_CHARS:  # each mark becomes a space; the whitespace collapse merges runs
        if char in text:
            text = text.replace(char, " ")
    if "\n" in text and _HYPHEN_HINT.search(text):
        text = _HYPHEN_BREAK.sub(r"\1\2", text)
    return text


def _may_hold_www(text: str) -> bool:
    """A cheap necessary condition for `_WWW` (only w and W match w case-insensitively): four
    substring scans instead of a case-insensitive regex scan of the whole text."""
    return "ww" in text or "wW" in text or "Ww" in text or "WW" in text


def fold_text(body: str) -> str:
    """NFKC, casefold, quotes/dashes folded, URLs and markdown marks removed, whitespace collapsed."""
    return " ".join(_fold_marks(body).casefold().split())


def tokens(body: str) -> list[str]:
    """Word tokens of the folded body; punctuation carries no identity."""
    return _TOKEN.findall(_fold_marks(body).casefold())  # whitespace never sits inside a \w+ token


def token_bytes(body: str) -> list[bytes]:
    """`tokens(body)`, UTF-8 encoded, in half the time: the regex becomes a byte translation and split.

    Non-ASCII characters that are not word characters (°, £, combining marks...) are first
    replaced by spaces, so every byte of a multi-byte character left belongs to a word.
    """
    text = _fold_marks(body).casefold()
    raw = text.encode("utf-8")
    if len(raw) != len(text):  # not ASCII
        others = set(_NON_WORD.findall(raw.translate(None, _ASCII).decode("utf-8")))
        if others:
            for char in others:
                text = text.replace(char, " ")
            raw = text.encode("utf-8")
    return raw.translate(_SPACE_ASCII_NON_WORD).split()


def body_hash(body: str) -> str:
    """Exact-copy key: the same words in the same order, whatever the typography or wrapping."""
    return tokens_hash(token_bytes(body))


def tokens_hash(words: list[bytes]) -> str:
    """`body_hash` from a body's `token_bytes` (for callers that need the tokens anyway)."""
    return hashlib.sha256(b" ".join(words)).hexdigest()[:32]
