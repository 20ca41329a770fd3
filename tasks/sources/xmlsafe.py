"""Screen untrusted XML (feeds, sitemaps) with defusedxml before anything else parses it.

Entity declarations are what billion-laughs and external-entity (XXE) attacks need, and no
legitimate feed or sitemap declares entities, so any declaration rejects the document. The
check happens while parsing, before any expansion: memory stays bounded by the input size.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from tasks.records import RejectError

# Also catches declarations in documents too broken for the strict parser to reach them.
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)


def parse_xml(content: bytes, *, uri: str) -> Element:
    """Parse `content` strictly; RejectError("xml-unsafe") for entities, ("xml-malformed") otherwise."""
    if _ENTITY_DECL.search(content):
        raise RejectError("xml-unsafe", f"{uri} declares XML entities (billion-laughs / XXE risk)")
    try:
        return safe_et.fromstring(content)
    except DefusedXmlException as exc:
        raise RejectError("xml-unsafe", f"{uri}: {type(exc).__name__}") from None
    except ParseError as exc:
        raise RejectError("xml-malformed", f"{uri}: {exc}") from None


def screen_xml(content: bytes, *, uri: str) -> None:
    """Reject hostile XML; let merely malformed XML through for a lenient parser (feedparser)."""
    try:
        parse_xml(content, uri=uri)
    except RejectError as exc:
        if exc.reason != "xml-malformed":
            raise
