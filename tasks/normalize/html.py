"""HTML news page -> ParsedArticle: trafilatura for the main text, own readers for the metadata.

The body is trafilatura's main-text extraction (paragraphs, section headings and list items, one
per paragraph, joined by blank lines; see html_body). Title, authors, date, canonical URL, site name and language
come from JSON-LD, <meta> tags and headings first (see html_fields / html_meta for why), with
trafilatura and htmldate as fallbacks.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html
from trafilatura.utils import load_html

from tasks.normalize.html_body import extract_body, related_links
from tasks.normalize.html_bylines import read_byline
from tasks.normalize.html_dates import find_published
from tasks.normalize.html_fields import language_code
from tasks.normalize.html_title import page_title
from tasks.normalize.html_meta import (
    article_objects,
    clean_text,
    first_meta,
    heading_texts,
    jsonld_types,
    names_of,
    read_jsonld,
    read_meta,
)
from tasks.records import Link, ParsedArticle, RejectError
from tasks.enrich.language import CERTAIN, detect_language

# individual languages a detector may report under their macrolanguage code
_MACRO = {"nb": "no", "nn": "no"}
MAX_HTML_CHARS = 20_000_000
MIN_BODY_CHARS = 40


def parse_html(text: str, uri: str | None = None) -> ParsedArticle:
    """Extract one article from an HTML page; `uri` (where the page came from) resolves links.

    Raises RejectError("no-article-text") when the page has no main text, and
    RejectError("unparseable-html") when the markup cannot be read at all.
    """
    if not text or not text.strip():
        raise RejectError("no-article-text", "the HTML document is empty")
    if len(text) > MAX_HTML_CHARS:
        raise RejectError("html-too-large", f"{len(text)} characters, limit {MAX_HTML_CHARS}")
    try:
        return _parse(text, uri)
    except RejectError:
        raise
    except (RecursionError, MemoryError, ValueError, TypeError, etree.LxmlError) as exc:
        raise RejectError("unparseable-html", f"{type(exc).__name__}: {exc}"[:300]) from exc


def _parse(text: str, uri: str | None) -> ParsedArticle:
    tree = load_html(text)
    if tree is None:
        raise RejectError("unparseable-html", "lxml found no document tree")
    meta = read_meta(tree)
    objects = read_jsonld(tree)
    articles = article_objects(objects)
    article_ld = articles[0] if articles else {}
    canonical_url = _canonical_url(tree, meta, uri)
    site_name = _site_name(meta, objects, article_ld)
    site_names = _site_names(site_name, canonical_url or uri)
    headings = heading_texts(tree)
    title_choice = page_title(tree, meta, article_ld, site_names)
    title = title_choice.title
    summaries = [clean_text(article_ld.get("description")), first_meta(meta, "og:description", "description")]
    main = extract_body(tree, uri, [title, *headings], summaries)
    body = main.text
    # a byline or date line in the text counts only when the page's markup names no person or agency
    byline = read_byline(tree, meta, article_ld, site_names)
    authors = byline.people or ([] if byline.agencies else main.authors) or byline.organisations
    text_date = (main.published_at, main.published_raw) if main.published_at is not None else None
    published_at, published_raw, published_day = find_published(tree, meta, article_ld, canonical_url or uri, text_date, text) or (None, None, None)
    declared_language = _declared_language(tree, meta, article_ld)
    links = related_links(tree, canonical_url or uri)
    if len(body) < MIN_BODY_CHARS:
        raise RejectError("no-article-text", f"main text has {len(body)} characters (< {MIN_BODY_CHARS})")
    language, language_source = _language(declared_language, body)
    if canonical_url:
        links = (Link(canonical_url, None, "canonical"), *links)
    return ParsedArticle(
        format="html",
        body=body,
        title=title,
        authors=tuple(authors),
        agencies=tuple(byline.agencies),
        published_at=published_at,
        published_raw=published_raw,
        published_day=published_day,
        language=language,
        canonical_url=canonical_url,
        site_name=site_name,
        links=links,
        extra={
            "language_declared": declared_language,
            "language_source": language_source,
            "dateline": main.dateline,
            "title_rule": title_choice.rule,
        },
    )


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def _site_names(site_name: str | None, url: str | None) -> list[str]:
    """Names a title suffix may use: the declared site name, the host, the host's main label."""
    names = [site_name] if site_name else []
    host = _host(url)
    if host:
        labels = host.split(".")
        second_level = len(labels) >= 3 and labels[-2] in {"co", "com", "org", "net", "gov", "ac", "ne", "or"}
        main = labels[-3] if second_level else labels[-2] if len(labels) >= 2 else labels[0]
        names += [host, main] if len(main) >= 2 else [host]
    return names


def _canonical_url(tree: lxml_html.HtmlElement, meta: dict, uri: str | None) -> str | None:
    hrefs = tree.xpath('//link[contains(concat(" ", translate(@rel, "CANONICAL", "canonical"), " "), " canonical ")]/@href')
    for href in [*hrefs, first_meta(meta, "og:url")]:
        href = (href or "").strip()
        if not href:
            continue
        url = urljoin(uri, href) if uri else href
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname:
            return url
    return None


def _site_name(meta: dict, objects: list[dict], article_ld: dict) -> str | None:
    name = first_meta(meta, "og:site_name", "application-name", "al:ios:app_name")
    if name:
        return name
    publishers = names_of(article_ld.get("publisher"))
    if publishers:
        return publishers[0]
    for obj in objects:
        if jsonld_types(obj) & {"newsmediaorganization", "organization", "website"}:
            names = names_of(obj)
            if names:
                return names[0]
    return None


def _language(declared: str | None, body: str) -> tuple[str, str]:
    """The declared language unless the text clearly says otherwise: site templates often declare
    "en" on every page, whatever the article's language (seen on Zulu, Xhosa, Swahili sites)."""
    detected, probability = detect_language(body)
    if declared is None:
        return detected, "detected"
    same = _MACRO.get(declared, declared) == _MACRO.get(detected, detected)
    if not same and len(body) >= 300 and probability >= CERTAIN:
        return detected, "detected-over-declared"
    return declared, "declared"


def _declared_language(tree: lxml_html.HtmlElement, meta: dict, article_ld: dict) -> str | None:
    in_language = article_ld.get("inLanguage")
    for value in (
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        first_meta(meta, "content-language", "language", "dc.language", "og:locale"),
        in_language if isinstance(in_language, str) else None,
    ):
        code = language_code(value)
        if code:
            return code
    return None
