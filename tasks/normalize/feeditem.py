"""A feed item's own text as an article (format `feed-item`, partial): what the source keeps
when the item's page cannot be had (tasks/sources/items.py writes these documents)."""

from __future__ import annotations

from tasks.normalize.dates import parse_date
from tasks.normalize.urls import normalize_url
from tasks.records import Link, ParsedArticle, RejectError

MARK = "newsflow/feed-item"  # the record's "@type"


def is_feed_item(record: object) -> bool:
    return isinstance(record, dict) and record.get("@type") == MARK


def parse_feed_item(record: dict) -> ParsedArticle:
    """Title + summary text of one feed item; any length with a few words is kept."""
    title = record.get("title") if isinstance(record.get("title"), str) else None
    text = record.get("text") if isinstance(record.get("text"), str) else ""
    body = "\n\n".join(" ".join(p.split()) for p in text.split("\n\n") if p.strip()) or (title or "")
    if not body.strip():
        raise RejectError("feed-item-empty", "the feed item has neither text nor title")
    canonical = normalize_url(record.get("url")) if isinstance(record.get("url"), str) else None
    published = record.get("published_at")
    author = record.get("author")
    return ParsedArticle(
        format="feed-item",
        body=body,
        title=" ".join(title.split()) if title else None,
        authors=(author,) if isinstance(author, str) and author.strip() else (),
        published_at=parse_date(published) if isinstance(published, str) else None,
        published_raw=published if isinstance(published, str) and parse_date(published) else None,
        canonical_url=canonical,
        links=(Link(url=canonical, text=title, kind="canonical"),) if canonical else (),
        extra={"partial": True},
    )
