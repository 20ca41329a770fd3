"""What a body is, judged from its content: RSS 0.9x/1.0/2.0, Atom, JSON Feed, OPML, or none of them.

Used wherever bytes arrive (a folder's file, a WARC response, a page URL) so a feed is read as a
feed whatever its name or Content-Type; and `parse_opml` lists an OPML file's feeds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from tasks.records import RejectError
from tasks.sources.xmlsafe import parse_xml

# the root element, after a BOM, an XML declaration, comments, processing instructions, a DOCTYPE
_PROLOG = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<([A-Za-z_][\w.:-]*)", re.S)
_ROOTS = {b"rss": "rss", b"feed": "atom", b"rdf:rdf": "rss", b"opml": "opml"}


def feed_kind(content: bytes) -> str | None:
    """'rss', 'atom', 'jsonfeed', 'opml' or None."""
    head = content[:4096]
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        if b"jsonfeed.org" not in head:
            return None
        try:
            data = json.loads(content.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return "jsonfeed"  # says it is one: the feed reader reports what is wrong with it
        return "jsonfeed" if isinstance(data, dict) and "jsonfeed.org" in str(data.get("version", "")) else None
    match = _PROLOG.match(head)
    if not match:
        return None
    root = match.group(1).lower()
    kind = _ROOTS.get(root)
    if kind == "atom" and b"http://www.w3.org/2005/Atom" not in head and b"purl.org/atom" not in head:
        return None  # a <feed> of some other vocabulary
    if root == b"rdf:rdf" and b"purl.org/rss" not in head and b"netscape.com/publish/formats/rss" not in head:
        return None
    return kind


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str | None = None


def parse_opml(content: bytes, *, uri: str) -> list[OpmlFeed]:
    """Every outline with an xmlUrl (nested folders included), in document order, each URL once."""
    root = parse_xml(content, uri=uri)  # RejectError: xml-unsafe / xml-malformed
    if root.tag.lower() != "opml":
        raise RejectError("not-opml", f"{uri}: the root element is <{root.tag}>, not <opml>")
    feeds: list[OpmlFeed] = []
    seen: set[str] = set()
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url and url not in seen:
            seen.add(url)
            feeds.append(OpmlFeed(url, outline.get("title") or outline.get("text")))
    return feeds
