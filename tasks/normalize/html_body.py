"""The body of an HTML page: trafilatura's main text, cleaned the way text renditions are.

One precision-mode extraction of the already parsed tree, a second (default mode) only when cheap
signals say precision kept a fragment; then the headline, a wire dateline ("WASHINGTON (Reuters) -")
and agency credit lines come off, with the same functions the text renditions use, so an HTML
copy and a text copy of one story end up with the same body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import trafilatura
from lxml import html as lxml_html

from tasks.normalize.html_fields import fold
from tasks.normalize.html_meta import clean_text
from tasks.normalize.textmeta import TextMeta, take_header_lines, take_wire_credits
from tasks.records import Link

PRECISION_MIN_SHARE = 0.3
FRAGMENT_CHARS = 200
# Boxes that sit inside article containers but are not the article: captions, related links,
# share bars, newsletter sign-ups. Matched on class/id words, never on a site's name.
_NOISE_XPATH = "//figcaption | //*[contains(concat(' ', normalize-space(@class), ' '), ' caption ')]"
_RELATED = re.compile(r"(^|[\s_-])(related|read-?more|more-?stories|recommended|also-?read)", re.IGNORECASE)
# one-line teasers for other stories and photo credits that extractors leave between paragraphs
_READ_ALSO = re.compile(
    r"^(?:read (?:also|more)|see also|also read|related|lesen sie auch|mehr zum thema|lire aussi|à lire aussi|"
    r"leia também|lea también|leggi anche|les også|läs också|læs også|lees ook|czytaj też|czytaj także)\s*:",
    re.IGNORECASE,
)
_PHOTO_CREDIT = re.compile(r"^(?:photo|foto|bild|image|picture|credit|kuva|quelle|source|kilde|fonte|fuente)s?\s*:\s*[^.!?]{1,60}$", re.IGNORECASE)


@dataclass
class Body:
    """Main text plus what came off its edges: dateline, byline/date lines, wire-credit reporters."""

    text: str
    dateline: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: object = None
    published_raw: str | None = None


def extract_body(
    tree: lxml_html.HtmlElement, uri: str | None, headlines: list[str | None], summaries: list[str | None] = ()
) -> Body:
    """Main text of the page, headline dropped, header lines and wire credits taken off; a printed
    lead paragraph (one of `summaries`, the page's description) put back in front when the
    extractor left it out."""
    text = drop_headline(main_text(tree, uri), headlines)
    text = with_lead(tree, text, summaries)
    meta = TextMeta()
    paragraphs = take_wire_credits(text.split("\n\n"), meta)
    paragraphs = [p for p in take_header_lines(paragraphs, meta) if p.strip() and not _is_furniture(p)]
    return Body("\n\n".join(paragraphs), meta.dateline, meta.authors, meta.published_at, meta.published_raw)


def with_lead(tree: lxml_html.HtmlElement, body: str, summaries: list[str | None]) -> str:
    """The standfirst above the article text belongs to it, but extractors often skip it because
    it sits outside the text container. It is put back only when the page prints it in an
    element of its own (a meta description alone is not article text)."""
    folded_body = fold(body)
    for summary in summaries:
        summary = clean_text(summary)
        if len(summary) < 40 or fold(summary)[:60] in folded_body:
            continue
        if _printed_as_element(tree, summary):
            return f"{summary}\n\n{body}" if body else summary
    return body


def _printed_as_element(tree: lxml_html.HtmlElement, text: str) -> bool:
    target = fold(text)
    for node in tree.xpath("//body//text()[contains(., $start)]", start=text[:30])[:5]:
        element = node.getparent()
        for _ in range(3):
            if element is None or element.tag in ("script", "style", "meta", "title"):
                break
            if fold(clean_text(element.text_content())) == target:
                return True
            element = element.getparent()
    return False


def _is_furniture(paragraph: str) -> bool:
    return len(paragraph) < 300 and bool(_READ_ALSO.match(paragraph) or _PHOTO_CREDIT.match(paragraph))


def main_text(tree: lxml_html.HtmlElement, uri: str | None) -> str:
    """trafilatura in precision mode, unless that kept only a fragment of the page's text.

    Measured on both eval sets, precision mode drops share bars, "more stories" lists and
    newsletter boxes that the default keeps; on a few pages it keeps only a fragment, and then
    the default extraction is the better body. Whether it did is judged from the page's <p> text
    first, so the second extraction (as costly as the first) runs on ~4% of pages only.
    """
    options = dict(url=uri, include_comments=False, include_images=False, include_tables=True, prune_xpath=_NOISE_XPATH)
    precise = trafilatura.bare_extraction(tree, favor_precision=True, **options)
    precise_text = body_text(precise.text if precise is not None else "")
    if len(precise_text) >= FRAGMENT_CHARS and len(precise_text) >= PRECISION_MIN_SHARE * paragraph_chars(tree):
        return precise_text
    default = trafilatura.bare_extraction(tree, **options)
    default_text = body_text(default.text if default is not None else "")
    if default_text and len(precise_text) < PRECISION_MIN_SHARE * len(default_text):
        return default_text
    return precise_text


def paragraph_chars(tree: lxml_html.HtmlElement) -> int:
    """Characters of text inside <p> elements: a cheap bound on how much prose the page holds."""
    return sum(len(text) for text in tree.xpath("//p//text()"))


def drop_headline(body: str, headlines: list[str | None]) -> str:
    """The body starts after the headline: an <h1> the extractor kept as first paragraph goes."""
    first, _, rest = body.partition("\n\n")
    if rest and fold(first) in {fold(h) for h in headlines if h}:
        return rest
    return body


def body_text(text: str) -> str:
    paragraphs = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return "\n\n".join(p for p in paragraphs if p)


def related_links(tree: lxml_html.HtmlElement, base: str | None) -> tuple[Link, ...]:
    """Links in related-stories boxes (kept as data, never as body text)."""
    links: list[Link] = []
    seen: set[str] = set()
    for box in tree.xpath("//*[@class or @id]")[:20000]:
        marker = f"{box.get('class', '')} {box.get('id', '')}"
        if not _RELATED.search(marker):
            continue
        for anchor in box.iter("a"):
            href = (anchor.get("href") or "").strip()
            url = urljoin(base, href) if base else href
            if not url.startswith(("http://", "https://")) or url in seen:
                continue
            seen.add(url)
            links.append(Link(url, clean_text(anchor.text_content()) or None, "related"))
            if len(links) >= 50:
                return tuple(links)
    return tuple(links)
