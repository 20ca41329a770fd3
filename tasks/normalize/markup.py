"""Paragraphs and links of a body that arrives as markup inside another format: the XHTML or NITF
of a NewsML-G2 item, a ninjs body_html, a newsletter's HTML part. (A whole web page goes to
html.py instead: there the main text has to be found among navigation, here it is given.)"""

from __future__ import annotations

from tasks.normalize.urls import normalize_url
from tasks.records import Link

# elements that start and end a paragraph (XHTML and NITF names)
_BLOCK = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "table", "tr", "td", "th", "article", "section", "header", "footer", "aside", "figure", "figcaption",
    "hr", "body", "hl1", "hl2", "block", "body.content", "nitf", "html", "center",
}
# elements whose text is never body text (NITF's body.head repeats headline, byline and dateline)
_SKIP = {"script", "style", "head", "title", "noscript", "template", "body.head", "body.end", "media", "object", "svg"}


def local_name(tag) -> str | None:
    """'p' for 'p', '{http://www.w3.org/1999/xhtml}p' and 'xhtml:p'; None for comments and PIs."""
    if not isinstance(tag, str):
        return None
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def block_paragraphs(root) -> tuple[list[str], list[Link]]:
    """(paragraphs, links) of an element tree (ElementTree or lxml): text split at block
    elements, whitespace folded, <br> a space. Walked with a stack: no depth can overflow it."""
    parts: list[str] = []
    links: list[Link] = []
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        element, closing = stack.pop()
        tag = local_name(element.tag)
        if closing:
            if tag in _BLOCK:
                parts.append("\n\n")
            if element.tail and element is not root:
                parts.append(element.tail)
            continue
        if tag is None or tag in _SKIP:
            if element.tail and element is not root:
                parts.append(element.tail)
            continue
        if tag in _BLOCK:
            parts.append("\n\n")
        elif tag == "br":
            parts.append(" ")
        elif tag == "a" and element.get("href"):
            url = normalize_url(element.get("href"))
            if url:
                text = " ".join("".join(element.itertext()).split())
                links.append(Link(url=element.get("href").strip(), text=text or None, kind="inline"))
        if element.text:
            parts.append(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(list(element)))
    paragraphs = [" ".join(chunk.split()) for chunk in "".join(parts).split("\n\n")]
    return [p for p in paragraphs if p], links


def html_paragraphs(fragment: str) -> tuple[list[str], list[Link]]:
    """block_paragraphs of an HTML string (a fragment or a whole document)."""
    from lxml import etree
    from lxml import html as lxml_html

    if not fragment.strip():
        return [], []
    try:
        root = lxml_html.document_fromstring(fragment)
    except (etree.ParserError, ValueError):
        return [], []
    return block_paragraphs(root)


def plain_paragraphs(text: str) -> list[str]:
    """Paragraphs of a plain-text body: blank-line separated, else one per line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    chunks = text.split("\n\n") if "\n\n" in text.strip() else text.split("\n")
    return [" ".join(chunk.split()) for chunk in chunks if chunk.strip()]
