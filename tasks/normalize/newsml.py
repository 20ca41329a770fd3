"""IPTC NewsML-G2 text items (newsItem, or each newsItem of a newsMessage): headline, byline,
firstCreated / versionCreated, located, subjects, language from itemMeta and contentMeta; the
body from contentSet's inlineXML (XHTML or NITF) or inlineData (plain text).

Parsed with the project's safe XML settings (tasks/sources/xmlsafe.py): any entity declaration
is refused before expansion, so a billion-laughs item costs no more memory than its bytes.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from tasks.normalize.dates import parse_iso_datetime
from tasks.normalize.markup import block_paragraphs, local_name, plain_paragraphs
from tasks.normalize.renditions import finish_text_article
from tasks.normalize.textmeta import TextMeta, split_names
from tasks.records import Link, ParsedArticle, RejectError
from tasks.sources.xmlsafe import parse_xml

_BY = re.compile(r"^\s*by\s+", re.I)
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def parse_newsml(content: bytes, uri: str | None = None) -> list[ParsedArticle | RejectError]:
    """One article per text newsItem; a non-text item (a picture, a package) is a RejectError in
    the list. RejectError for unsafe or malformed XML and for a document with no newsItem."""
    root = parse_xml(content, uri=uri or "NewsML-G2 document")
    items = [root] if local_name(root.tag) == "newsitem" else [el for el in root.iter() if local_name(el.tag) == "newsitem"]
    if not items:
        raise RejectError("not-an-article", f"a NewsML-G2 {local_name(root.tag)} with no newsItem")
    out: list[ParsedArticle | RejectError] = []
    for item in items:
        try:
            out.append(parse_news_item(item))
        except RejectError as exc:
            out.append(exc)
    return out


def parse_news_item(item: Element) -> ParsedArticle:
    item_meta, content_meta = _child(item, "itemMeta"), _child(item, "contentMeta")
    item_class = (_child(item_meta, "itemClass").get("qcode") or "") if _child(item_meta, "itemClass") is not None else ""
    paragraphs, links = _body(_child(item, "contentSet"))
    if not paragraphs:
        what = f"a {item_class} item" if item_class and item_class != "ninat:text" else "a newsItem"
        raise RejectError("no-article-text", f"{what} without inlineXML or inlineData text (guid {item.get('guid')!r})")
    headline = _text(_child(content_meta, "headline"))
    if headline and paragraphs[0].casefold() == headline.casefold():
        paragraphs = paragraphs[1:]  # the XHTML's <h1>
    by = _text(_child(content_meta, "by"))
    authors = split_names(_BY.sub("", by)) if by else [
        _text(_child(c, "name")) or c.get("literal") or "" for c in _children(content_meta, "creator")
    ]
    first_at = (item_meta, "firstCreated") if _date(item_meta, "firstCreated") else (content_meta, "contentCreated")
    first, version = _date(*first_at), _date(item_meta, "versionCreated")
    raw = _text(_child(*first_at)) if first else _text(_child(item_meta, "versionCreated")) if version else None
    located = _child(content_meta, "located")
    place = (_text(_child(located, "name")) or located.get("literal")) if located is not None else None
    subjects = [_text(_child(s, "name")) or s.get("qcode") or s.get("literal") for s in _children(content_meta, "subject")]
    language = _child(content_meta, "language")
    meta = TextMeta(title=headline or None, published_at=first or version, published_raw=raw, authors=[a for a in authors if a])
    for link in _children(item_meta, "link"):
        if link.get("href"):
            links.append(Link(url=link.get("href"), text=link.get("title"), kind="related"))
    article = finish_text_article("newsml-g2", paragraphs, meta, links)
    dateline = article.extra.get("dateline") or _text(_child(content_meta, "dateline")) or None
    return ParsedArticle(
        format="newsml-g2",
        body=article.body,
        title=article.title,
        authors=tuple(dict.fromkeys(article.authors)),
        published_at=article.published_at,
        published_raw=article.published_raw,
        language=(language.get("tag") if language is not None else None) or item.get(_XML_LANG),
        links=article.links,
        site_name=_provider(item_meta),
        extra={**article.extra, "dateline": dateline, "located": place, "subjects": [s for s in subjects if s],
               "version_created": version.isoformat() if version else None, "guid": item.get("guid")},
    )


def _body(content_set: Element | None) -> tuple[list[str], list[Link]]:
    """The first text rendition: inlineXML (XHTML, NITF) or inlineData."""
    if content_set is None:
        return [], []
    for part in content_set:
        kind = local_name(part.tag)
        if kind == "inlinexml":
            paragraphs, links = block_paragraphs(part)
            if paragraphs:
                return paragraphs, links
        elif kind == "inlinedata" and (part.get("contenttype") or "text/plain").startswith("text/plain"):
            paragraphs = plain_paragraphs("".join(part.itertext()))
            if paragraphs:
                return paragraphs, []
    return [], []


def _provider(item_meta: Element | None) -> str | None:
    provider = _child(item_meta, "provider")
    if provider is None:
        return None
    return _text(_child(provider, "name")) or provider.get("literal") or None


def _children(parent: Element | None, name: str) -> list[Element]:
    name = name.lower()
    return [] if parent is None else [el for el in parent if local_name(el.tag) == name]


def _child(parent: Element | None, name: str) -> Element | None:
    found = _children(parent, name)
    return found[0] if found else None


def _text(element: Element | None) -> str:
    return "" if element is None else " ".join("".join(element.itertext()).split())


def _date(parent: Element | None, name: str):
    return parse_iso_datetime(_text(_child(parent, name)) or None)
