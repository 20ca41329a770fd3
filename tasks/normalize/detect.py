"""Which rendition a document is, judged from its content (never its file extension)."""

from __future__ import annotations

import json
import re

_HTML_START = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
# XML that is not a web page: feeds, sitemaps, data exports (never an article by itself).
_XML_START = re.compile(r"^\s*(?:<\?xml\b|<!DOCTYPE\s+(?!html\b)|<(?:rss|feed|rdf:RDF|urlset|sitemapindex)\b)", re.I)
_HTML_ROOT = re.compile(r"<html\b", re.I)
_HTML_TAGS = re.compile(r"</?(?:p|div|span|article|section|a|h[1-6]|br|meta|title|script|li|ul|img)\b[^>]*>", re.I)
# (pattern, characters one of which a match must contain): a line-anchored pattern costs a scan
# of the whole text, a substring test a fraction of that, so texts without the character skip it
_MD_SIGNALS = [
    (re.compile(r"^#{1,6}\s+\S", re.M), ("#",)),  # ATX headings
    (re.compile(r"\[[^\]]+\]\([^)\s]*\)"), ("](",)),  # [text](url)
    (re.compile(r"^\s*(\*\*|__)[^*_\n]+\1\s*$", re.M), ("**", "__")),  # a bold-only line
    (re.compile(r"<https?://[^>\s]+>"), ("<http",)),  # autolinks
    (re.compile(r"^\s*[-*+]\s+\S", re.M), ("-", "*", "+")),  # bullet lists
    (re.compile(r"^>\s", re.M), (">",)),  # block quotes
]


def detect_format(text: str) -> str:
    """One of: html, json, jsonl, xml, markdown, plaintext."""
    head = text.lstrip()[:4096]
    if head[:1] in "{[":
        kind = _json_kind(text)
        if kind:
            return kind
    if _HTML_START.match(head):
        return "html"
    # before counting tags: a feed's CDATA content is full of HTML tags, yet the file is a feed
    if _XML_START.match(head) and not _HTML_ROOT.search(head):
        return "xml"
    if len(_HTML_TAGS.findall(head)) >= 5:
        return "html"
    sample = text[:200_000]
    signals = 0
    for pattern, needles in _MD_SIGNALS:
        signals += any(needle in sample for needle in needles) and pattern.search(sample) is not None
        if signals == 2:
            return "markdown"
    return "plaintext"


def _json_kind(text: str) -> str | None:
    try:
        json.loads(text)
        return "json"
    except RecursionError:
        return "json"  # nested too deep to read: the JSON reader says so in a reject
    except ValueError:
        pass
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if lines and all(ln.lstrip().startswith("{") for ln in lines[:20]):
        return "jsonl"
    return None
