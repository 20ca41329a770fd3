"""Feed source: RSS 0.9x/1.0/2.0 and Atom (feedparser), JSON Feed (json), from a URL or a file.

An item that carries the full article (content:encoded, Atom content, JSON Feed content_html)
becomes a small HTML document of its own, so the HTML normalizer reads title, canonical URL
and date the same way as for a fetched page. Any other item's link is fetched. Items whose
URL is in `state.seen_urls` are skipped, so a rerun costs one (usually 304) feed request.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

import feedparser
from xml.sax import SAXParseException

from tasks.records import RawDocument, Reject, RejectError
from tasks.sources.base import (
    STAGE,
    Item,
    SourceState,
    document_id,
    fetch_document,
    fetch_resource,
    is_remote,
    read_local,
    reject_of,
)
from tasks.sources.fetch import FEED_TYPES, Fetcher
from tasks.sources.items import PERMANENT, Found, feed_item_document, html_to_text
from tasks.sources.netguard import redact_url
from tasks.sources.xmlsafe import screen_xml
from tasks.normalize.dates import parse_iso_datetime

# Items with less text than this are teasers: the linked page is fetched instead.
MIN_CONTENT_CHARS = 500


@dataclass(frozen=True)
class FeedItem:
    """What the source needs from one feed entry, whatever the feed format."""

    link: str | None
    title: str | None = None
    content_html: str | None = None  # full content only, never the summary
    published: datetime | None = None
    author: str | None = None
    item_id: str | None = None
    summary_html: str | None = None  # summary / description (a teaser), kept for the feed-item fallback

    def found(self) -> Found:
        """The item for the lifecycle (tasks/sources/items.py): key, link and its own text."""
        return Found(url=self.link, key=self.item_id, title=self.title,
                     text=html_to_text(self.content_html) or html_to_text(self.summary_html),
                     published_at=self.published, author=self.author)


@dataclass(frozen=True)
class FeedRead:
    """A parsed feed: its items, and the parser's reason when it could read only part of it."""

    items: list[FeedItem]
    problem: str | None = None


def iter_feed(
    location: str, *, fetcher: Fetcher | None, state: SourceState, source: str = "feed",
    min_content_chars: int = MIN_CONTENT_CHARS,
) -> Iterator[Item]:
    """Documents from the feed at `location` (URL or path); rejects for what fails."""
    try:
        loaded = _load(location, fetcher=fetcher, state=state, source=source)
        if loaded is None:  # 304: the feed has not changed since the last run
            state.skipped["feed-not-modified"] += 1
            return
        content, base_url, fetched_at = loaded
        read = read_feed(content, base_url=base_url)
    except RejectError as exc:
        yield reject_of(location, exc)
        return
    yield from iter_read_feed(read, location, fetcher=fetcher, state=state, source=source, fetched_at=fetched_at,
                              min_content_chars=min_content_chars)


def iter_feed_bytes(content: bytes, uri: str, *, source: str, fetched_at: datetime, fetcher: Fetcher | None = None,
                    state: SourceState | None = None) -> Iterator[Item]:
    """A feed that arrived as bytes (a folder's file, a WARC record): its items, as `iter_feed` reads them."""
    try:
        read = read_feed(content, base_url=uri)
    except RejectError as exc:
        yield reject_of(uri, exc)
        return
    yield from iter_read_feed(read, uri, fetcher=fetcher, state=state or SourceState(), source=source, fetched_at=fetched_at)


def iter_read_feed(read: FeedRead, location: str, *, fetcher: Fetcher | None, state: SourceState, source: str,
                   fetched_at: datetime, min_content_chars: int = MIN_CONTENT_CHARS) -> Iterator[Item]:
    """Documents and rejects of a parsed feed's items (see `iter_feed`)."""
    if read.problem:
        # keep what was read, say what was not; forget the validators so the next run reads it whole
        yield Reject(redact_url(location), STAGE if is_remote(location) else "ingest", "feed-malformed", read.problem)
        forget_validators(state, location)
    for item in read.items:
        if item.link and item.link in state.seen_urls:
            state.skipped["seen"] += 1
            continue
        if item.content_html and text_length(item.content_html) >= min_content_chars:
            yield _embedded_document(item, location, source, fetched_at, state)
        elif item.link and fetcher is not None:
            result = fetch_document(item.link, fetcher=fetcher, state=state, source=source)
            if isinstance(result, Reject) and result.reason in PERMANENT and _has_words(item):
                yield result
                yield _feed_item_document(item, source, fetched_at)
            elif result is not None:
                yield result
        elif _has_words(item):
            # no page to fetch (a feed file in a folder, an item without link): its own text
            yield _feed_item_document(item, source, fetched_at)
        elif item.link:
            yield Reject(redact_url(item.link), STAGE, "no-fetcher", "item needs its page fetched (its feed text is too short)")
        else:
            yield Reject(
                redact_url(location), STAGE, "feed-item-unusable",
                f"item {item.item_id or item.title!r} has no link and no full content",
            )


def forget_validators(state: SourceState, location: str) -> None:
    state.validators.pop(location, None)
    for row in state.fetch_log:
        if row["url"] == location:
            row["etag"] = row["last_modified"] = None


def _has_words(item: FeedItem, minimum: int = 4) -> bool:
    found = item.found()
    return len(" ".join(filter(None, (found.title, found.text))).split()) >= minimum


def _feed_item_document(item: FeedItem, source: str, fetched_at: datetime) -> RawDocument:
    found = item.found()
    row = {"url": found.url, "title": found.title, "feed_text": found.text, "published_at": found.published_at,
           "author": found.author, "item_key": found.item_key or document_id((found.title or "").encode())[:16]}
    return feed_item_document(row, source, fetched_at)


def read_feed(content: bytes, *, base_url: str) -> FeedRead:
    """`parse_feed` that keeps a partly readable feed: its items plus the parser's reason."""
    if content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return FeedRead(_parse_json_feed(content, base_url=base_url))
    screen_xml(content, uri=redact_url(base_url))
    parsed = feedparser.parse(content, response_headers={"content-location": base_url})
    if not parsed.get("version") and not parsed.entries:
        why = parsed.get("bozo_exception") or "no feed elements"
        raise RejectError("feed-unparseable", f"{redact_url(base_url)}: {why}")
    problem = None
    exc = parsed.get("bozo_exception")
    if parsed.get("bozo") and isinstance(exc, SAXParseException):  # the XML broke off: not a missing header
        where = ""
        if hasattr(exc, "getLineNumber"):
            where = f" at line {exc.getLineNumber()}, column {exc.getColumnNumber()}"
        problem = f"{redact_url(base_url)}: read {len(parsed.entries)} items, then {exc}{where}"
    return FeedRead([_item_from_entry(entry) for entry in parsed.entries], problem)


def parse_feed(content: bytes, *, base_url: str) -> list[FeedItem]:
    """Items of an RSS, Atom or JSON feed; RejectError(xml-unsafe / feed-unparseable)."""
    return read_feed(content, base_url=base_url).items


def text_length(markup: str) -> int:
    """Characters of visible text in an HTML fragment (tags dropped, entities decoded)."""
    text = html.unescape(re.sub(r"<[^>]*>", " ", markup))
    return len(" ".join(text.split()))


def item_document_html(item: FeedItem) -> str:
    """A standalone HTML page for an item with full content, with the metadata in <head>."""
    esc = html.escape
    head = ['<meta charset="utf-8">']
    if item.title:
        head.append(f"<title>{esc(item.title)}</title>")
    if item.link:
        head.append(f'<link rel="canonical" href="{esc(item.link)}">')
    if item.published:
        head.append(f'<meta property="article:published_time" content="{item.published.isoformat()}">')
    if item.author:
        head.append(f'<meta name="author" content="{esc(item.author)}">')
    heading = f"<h1>{esc(item.title)}</h1>\n" if item.title else ""
    return (
        "<!DOCTYPE html>\n<html><head>\n" + "\n".join(head) + "\n</head>\n"
        f"<body><article>\n{heading}{item.content_html}\n</article></body></html>\n"
    )


def _embedded_document(
    item: FeedItem, location: str, source: str, fetched_at: datetime, state: SourceState
) -> RawDocument:
    content = item_document_html(item).encode("utf-8")
    uri = item.link or f"{location}#{item.item_id or document_id(content)[:16]}"
    # No HTTP request of its own, so no status; document_id marks the URL seen next time.
    state.record(source, uri, status=None, fetched_at=fetched_at, document_id=document_id(content))
    return RawDocument(
        source=source, uri=uri, content=content, media_type="text/html; charset=utf-8",
        fetched_at=fetched_at,
    )


def _load(
    location: str, *, fetcher: Fetcher | None, state: SourceState, source: str
) -> tuple[bytes, str, datetime] | None:
    if is_remote(location):
        if fetcher is None:
            raise RejectError("no-fetcher", "a remote feed needs a fetcher")
        result = fetch_resource(location, fetcher=fetcher, state=state, source=source, accept=FEED_TYPES)
        if result.not_modified:
            return None
        return result.content, result.final_url, result.fetched_at
    path = Path(location.removeprefix("file://"))
    return read_local(path), path.resolve().as_uri(), datetime.now(UTC)


def _item_from_entry(entry: feedparser.FeedParserDict) -> FeedItem:
    link = entry.get("link") or None
    item_id = entry.get("id") or None
    if not link and item_id and item_id.startswith(("http://", "https://")):
        link = item_id  # RSS guid isPermaLink / Atom id used as the article URL
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = datetime(*stamp[:6], tzinfo=UTC) if stamp else None
    return FeedItem(
        link=link.strip() if link else None,
        title=entry.get("title") or None,
        content_html=_entry_content(entry),
        published=published,
        author=entry.get("author") or None,
        item_id=item_id,
        summary_html=entry.get("summary") or None,
    )


def _entry_content(entry: feedparser.FeedParserDict) -> str | None:
    # content:encoded and Atom <content> land in entry.content; the longest one is the article.
    bodies = [c.get("value") or "" for c in entry.get("content") or []]
    return max(bodies, key=len) if any(bodies) else None


def _parse_json_feed(content: bytes, *, base_url: str) -> list[FeedItem]:
    try:
        feed = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RejectError("feed-unparseable", f"{redact_url(base_url)}: bad JSON: {exc}") from None
    if not isinstance(feed, dict) or "jsonfeed.org" not in str(feed.get("version", "")):
        raise RejectError("feed-unparseable", f"{redact_url(base_url)}: JSON but not a JSON Feed")
    items = feed.get("items")
    if not isinstance(items, list):
        raise RejectError("feed-unparseable", f"{redact_url(base_url)}: JSON Feed without items")
    base = feed.get("home_page_url") if isinstance(feed.get("home_page_url"), str) else base_url
    return [_item_from_json(item, base) for item in items if isinstance(item, dict)]


def _item_from_json(item: dict, base: str) -> FeedItem:
    def text(key: str) -> str | None:
        value = item.get(key)
        return value if isinstance(value, str) and value.strip() else None

    link = text("url") or text("external_url")
    content = text("content_html")
    if content is None and text("content_text"):
        paragraphs = (text("content_text") or "").split("\n\n")
        content = "\n".join(f"<p>{html.escape(p.strip())}</p>" for p in paragraphs if p.strip())
    authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
    names = [a.get("name") for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
    return FeedItem(
        link=urljoin(base, link) if link else None,
        title=text("title"),
        content_html=content,
        published=parse_iso_datetime(text("date_published") or text("date_modified")),
        author=", ".join(names) or None,
        item_id=str(item["id"]) if item.get("id") is not None else None,
        summary_html=html.escape(text("summary")) if text("summary") else None,
    )

