"""Page metadata the HTML normalizer reads itself: JSON-LD objects, <meta> tags, headings.

trafilatura's metadata is a good default, but measured on real news pages it keeps site-name
suffixes in titles, misses JSON-LD authors and drops the time zone of dates; these readers give
`html.py` the raw candidates to choose from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from copy import deepcopy

from lxml import html as lxml_html

ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "blogposting",
    "liveblogposting",
    "socialmediaposting",
    "report",
    "scholarlyarticle",
    "techarticle",
}
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean_text(value: object) -> str:
    """Whitespace collapsed and HTML entities already decoded; "" for non-strings."""
    if not isinstance(value, str):
        return ""
    if "&" in value and ";" in value:
        # JSON-LD and meta values are sometimes double-escaped ("&amp;#8217;")
        value = lxml_html.fromstring(f"<p>{value}</p>").text_content() if "<" not in value else value
    return _SPACE.sub(" ", value).strip()


def _walk_jsonld(node: object, depth: int = 0) -> Iterator[dict]:
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk_jsonld(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if isinstance(node.get(key), (list, dict)):
                yield from _walk_jsonld(node[key], depth + 1)


def read_jsonld(tree: lxml_html.HtmlElement) -> list[dict]:
    """Every JSON-LD object of the page, @graph members flattened; broken blocks are skipped."""
    objects: list[dict] = []
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]')[:30]:
        raw = (script.text or "").strip()
        if not raw:
            continue
        raw = _CONTROL.sub(" ", raw.removeprefix("<!--").removesuffix("-->").strip())
        raw = raw.removeprefix("//<![CDATA[").removesuffix("//]]>").strip().rstrip(";")
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        objects.extend(_walk_jsonld(data))
    return objects


def jsonld_types(obj: dict) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1].lower() for k in kinds if isinstance(k, str)}


def article_objects(objects: list[dict]) -> list[dict]:
    """JSON-LD objects typed as an article, in page order."""
    return [obj for obj in objects if jsonld_types(obj) & ARTICLE_TYPES]


def read_meta(tree: lxml_html.HtmlElement) -> dict[str, list[str]]:
    """<meta> values keyed by lowercased name / property / itemprop / http-equiv."""
    meta: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        content = element.get("content")
        if content is None or not content.strip():
            continue
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            key = element.get(attribute)
            if key:
                meta.setdefault(key.strip().lower(), []).append(content.strip())
    return meta


def first_meta(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        for value in meta.get(key, ()):
            text = clean_text(value)
            if text:
                return text
    return None


def heading_texts(tree: lxml_html.HtmlElement, tag: str = "h1", limit: int = 5) -> list[str]:
    texts = []
    for element in tree.iter(tag):
        text = clean_text(element.text_content())
        if text:
            texts.append(text)
        if len(texts) >= limit:
            break
    return texts


def names_of(value: object, depth: int = 0) -> list[str]:
    """Names in a JSON-LD author/publisher value: a string, {"name": ...}, or a list of those."""
    if depth > 3 or value is None:
        return []
    if isinstance(value, str):
        return [clean_text(value)] if clean_text(value) else []
    if isinstance(value, list):
        return [name for item in value for name in names_of(item, depth + 1)]
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            return names_of(name, depth + 1)
        text = clean_text(name)
        if not text and (value.get("givenName") or value.get("familyName")):
            text = clean_text(f"{value.get('givenName', '')} {value.get('familyName', '')}")
        return [text] if text else []
    return []


# elements that repeat the page's place in the site rather than its headline
_NOT_A_HEADLINE = (
    'ancestor-or-self::*[contains(translate(@class, "BREADCUMB", "breadcumb"), "breadcrumb")'
    ' or self::a or self::nav or self::meta]'
)


def displayed_headline(tree: lxml_html.HtmlElement) -> str | None:
    """The headline the page shows above the article: the first element marked up as the
    headline (microdata itemprop="headline"), else the first <h1>; neither counts inside a
    link (a teaser of another article) or a breadcrumb trail (where the last item is often an
    <h1> repeating the SEO title)."""
    for path in ('//*[@itemprop="headline"]', "//h1"):
        for element in tree.xpath(path)[:10]:
            if element.xpath(_NOT_A_HEADLINE):
                continue
            text = clean_text(_spaced_text(element))
            if text:
                return text
    return None


_PART_TAGS = {"span", "div", "p", "small", "em", "strong"}


def _spaced_text(element: lxml_html.HtmlElement) -> str:
    """The element's text with its parts kept apart: a kicker printed in its own <span> before the
    headline ("<span>National demo</span>July 9 ...") is a separate phrase, not glued to the first word."""
    text = element.text or ""
    for child in element:
        if not isinstance(child.tag, str):
            text += child.tail or ""
            continue
        part, tail = child.text_content(), child.tail or ""
        text += part
        following = tail or " "
        # only between a part and a word: "Kicker</span>: Headline" keeps its colon where it was
        if child.tag.lower() in _PART_TAGS and text[-1:].strip() and (following[:1].isalnum() or following[:1] in "\"'„“«¿¡"):
            text += " "
        text += tail
    return text


_BLOCK_TAGS = {"div", "p", "li", "ul", "ol", "br", "section", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "tr", "td"}


def parts_text(element: lxml_html.HtmlElement, separator: str = "; ") -> str:
    """The element's text with `separator` after each block inside it: a byline printed as
    "<div>By A and B</div><div>Associated Press</div>" reads "By A and B; Associated Press; "."""
    copy = deepcopy(element)
    for child in copy.iterdescendants():
        if isinstance(child.tag, str) and child.tag.lower() in _BLOCK_TAGS:
            child.tail = separator + (child.tail or "")
    return copy.text_content()
