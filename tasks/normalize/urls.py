"""Canonical URL normalization, so copies of one page agree on its address."""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit, urlunsplit

import courlan

_URL_RE = re.compile(r"https?://[^\s<>\"'\)\]]+", re.IGNORECASE)


@functools.lru_cache(maxsize=16_384)  # one canonical URL is normalized 2-3 times per article, and copies share it
def normalize_url(url: str | None) -> str | None:
    """https, lowercase host without `www.`, no tracking parameters, no fragment, no trailing slash.

    Returns None for anything that is not an absolute http(s) URL.
    """
    if not url:
        return None
    url = url.strip().strip("<>").strip()
    if not _URL_RE.fullmatch(url):
        return None
    try:
        cleaned = courlan.normalize_url(url, strict=True)
    except Exception:  # courlan raises on malformed netlocs; an unusable URL is not an error of ours
        return None
    parts = urlsplit(cleaned)
    host = (parts.hostname or "").lower()
    if not host or "." not in host:
        return None
    host = host.removeprefix("www.")
    try:
        port = parts.port
    except ValueError:  # "host::" - a port that is not a number: no usable address
        return None
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or ""
    return urlunsplit(("https", host, path, parts.query, ""))


def domain_of(url: str | None) -> str | None:
    """Registered host of a URL without `www.` (e.g. themoscowtimes.com)."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None


def find_urls(text: str) -> list[str]:
    """Every http(s) URL in a text, trailing punctuation trimmed."""
    return [m.group(0).rstrip(".,;:") for m in _URL_RE.finditer(text)]


def is_url_line(line: str) -> bool:
    """A line that holds nothing but URLs (an injected link block)."""
    if "://" not in line:  # every URL _URL_RE accepts has one: most lines are spared the split
        return False
    stripped = line.strip().strip("<>")
    return bool(stripped) and all(_URL_RE.fullmatch(tok.strip("<>")) for tok in stripped.split())
