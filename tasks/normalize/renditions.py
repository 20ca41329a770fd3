"""The shared tail of the text renditions: paragraphs in, ParsedArticle out."""

from __future__ import annotations

from tasks.normalize.textblocks import extract_url_blocks, rejoin_split_sentences
from tasks.normalize.textmeta import (
    TextMeta,
    classify_link,
    take_footer_urls,
    take_header_lines,
    take_related_lines,
    take_wire_credits,
)
from tasks.normalize.urls import domain_of
from tasks.records import Link, ParsedArticle, RejectError


def finish_text_article(fmt: str, paragraphs: list[str], meta: TextMeta, links: list[Link]) -> ParsedArticle:
    """Pull metadata lines and injected URL blocks out of the paragraphs and build the article."""
    paragraphs = take_footer_urls(paragraphs, meta)
    paragraphs = take_wire_credits(paragraphs, meta)
    paragraphs = take_header_lines(paragraphs, meta)
    paragraphs = take_related_lines(paragraphs, meta)
    paragraphs, block_urls = extract_url_blocks(paragraphs)
    paragraphs = rejoin_split_sentences([p.strip() for p in paragraphs if p.strip()])
    body = "\n\n".join(paragraphs)
    if not body.strip():
        raise RejectError("no-article-text", f"{fmt} rendition has metadata lines but no body paragraphs")
    own = domain_of(meta.canonical_url)
    all_links = list(links)
    for url in block_urls:
        all_links.append(Link(url=url, text=None, kind=classify_link(url, meta.related_titles, own)))
    if meta.canonical_url:
        all_links.append(Link(url=meta.canonical_url, text=meta.title, kind="canonical"))
    return ParsedArticle(
        format=fmt,
        body=body,
        title=meta.title,
        authors=tuple(meta.authors),
        published_at=meta.published_at,
        published_raw=meta.published_raw if meta.published_at else None,
        canonical_url=meta.canonical_url,
        links=tuple(_unique(all_links)),
        extra={"captions": meta.captions, "related_titles": meta.related_titles, "dateline": meta.dateline},
    )


def _unique(links: list[Link]) -> list[Link]:
    seen: set[tuple[str, str]] = set()
    out = []
    for link in links:
        if (link.url, link.kind) not in seen:
            seen.add((link.url, link.kind))
            out.append(link)
    return out
