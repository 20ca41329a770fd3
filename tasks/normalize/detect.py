"""Which rendition a document is, judged from its content (never its file extension)."""

from __future__ import annotations

import io
import json
import re
import zipfile

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


# RFC 5322 header fields that mail always carries and articles never open with
_MAIL_FIELDS = {"from", "date", "subject", "to", "message-id", "mime-version", "content-type", "received", "return-path", "reply-to", "sender"}
_HEADER_LINE = re.compile(r"([!-9;-~]+):")
_MBOX_FROM = re.compile(r"From \S+ ")
# a NewsML-G2 item or message: its root element (any prefix), or a DOCTYPE naming it
_NEWSML_ROOT = re.compile(r"<(?:!DOCTYPE\s+)?(?:[\w.-]+:)?(?:newsItem|newsMessage)\b")
_PDF_MAGIC_WITHIN = 1024  # the PDF spec lets "%PDF-" start anywhere in the first 1024 bytes


def detect_binary_format(content: bytes) -> str | None:
    """'pdf' or 'docx' for the binary renditions read as such, else None (then decoded as text)."""
    if b"%PDF-" in content[:_PDF_MAGIC_WITHIN]:
        return "pdf"
    if content.startswith(b"PK\x03\x04") and _is_docx(content):
        return "docx"
    return None


def _is_docx(content: bytes) -> bool:
    """A zip whose directory names the main part of a WordprocessingML document."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False


def detect_format(text: str) -> str:
    """One of: html, json, jsonl, xml, newsml-g2, email, mbox, markdown, plaintext.

    (ninjs items are JSON: the JSON reader tells them from other records, one by one.)
    """
    head = text.lstrip()[:4096]
    if head[:1] in "{[":
        kind = _json_kind(text)
        if kind:
            return kind
    if _HTML_START.match(head):
        return "html"
    mail = _mail_kind(text)
    if mail:
        return mail
    if _XML_START.match(head):
        # the root may follow a long DOCTYPE (a billion-laughs one is ~1 KB), and an item's XHTML
        # body holds <html>: NewsML-G2 is looked for first, and further
        if _NEWSML_ROOT.search(text, 0, 65_536):
            return "newsml-g2"
        # before counting tags: a feed's CDATA content is full of HTML tags, yet the file is a feed
        if not _HTML_ROOT.search(head):
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


def _mail_kind(text: str) -> str | None:
    """'email' for one RFC 5322 message, 'mbox' for a mailbox ("From " line, then a message).

    The first block must be header fields only (continuation lines allowed), From: among them and
    two more fields only mail has: an article that opens with "Date: ..." stays an article.
    """
    start = text[:20_000].lstrip("\n")
    if not _HEADER_LINE.match(start) and not _MBOX_FROM.match(start):
        return None  # the common case: an article's first word is no field name
    kind = "email"
    if _MBOX_FROM.match(start):
        kind, start = "mbox", start.partition("\n")[2]
    names = set()
    for line in start[:16_384].split("\n"):
        if not line.strip():
            break
        if line[:1] in " \t":
            continue
        field = _HEADER_LINE.match(line)
        if not field:
            return None
        names.add(field.group(1).lower())
    return kind if "from" in names and len(names & _MAIL_FIELDS) >= 3 else None


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
