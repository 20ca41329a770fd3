"""The item lifecycle: every feed item, sitemap entry or listed URL a source names is a row.

    pending  → fetched   its page (or, failing that, its feed text) gave a document
             → failed    a transient failure: attempts + 1, next try after an exponential backoff
             → rejected  permanent (or too many attempts / too old), with the last reason

Pending and failed items are worked on every poll whether or not their feed changed, so a page
that failed once is retried after its feed answers 304, and max_items leftovers wait as pending.
An item whose page cannot be had keeps the feed's own text: `feed_item_document` turns title +
summary into a document the normalizer reads as a `feed-item` article (marked partial).

Pure: rows are dicts shaped like warehouse ITEMS rows minus `load_id`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from tasks.normalize.urls import normalize_url
from tasks.records import RawDocument

PENDING, FETCHED, FAILED, REJECTED = "pending", "fetched", "failed", "rejected"
STATES = (PENDING, FETCHED, FAILED, REJECTED)
FEED_ITEM_MEDIA_TYPE = "application/vnd.newsflow.feed-item+json"
FEED_ITEM_MARK = "newsflow/feed-item"

# Failures a later try may not fix: no retry, the feed text (if any) is used at once.
PERMANENT = frozenset({
    "robots-disallowed", "content-type", "private-address", "unsupported-scheme", "bad-url",
    "redirect-loop", "too-many-redirects", "too-large", "content-encoding",
    "http-400", "http-401", "http-402", "http-403", "http-405", "http-406", "http-410", "http-451", "http-501",
})


@dataclass(frozen=True)
class ItemPolicy:
    """How long an item is tried before its feed text (or a reject) stands in for its page."""

    max_attempts: int = 5
    max_age: float = 3 * 86400.0  # seconds since first seen
    retry_base: float = 60.0  # attempt n waits retry_base * 2**(n-1)
    retry_max: float = 6 * 3600.0
    min_feed_words: int = 4  # fewer words of feed text: a reject, not a feed-item article


@dataclass(frozen=True)
class Found:
    """An item as its source lists it (feed item, sitemap entry, listed URL)."""

    url: str | None
    key: str | None = None  # guid / id; else the normalized URL is the key
    title: str | None = None
    text: str | None = None  # summary / description / content, as plain text
    published_at: datetime | None = None
    author: str | None = None

    @property
    def item_key(self) -> str | None:
        return (self.key or "").strip() or (normalize_url(self.url) if self.url else None)


def discover(source: str, known: Mapping[str, dict], found: Iterable[Found], now: datetime,
             stored: Container[str] = frozenset()) -> list[dict]:
    """Rows for items not known yet (state pending); a known item's feed text is refreshed when it
    is still waiting (pending/failed), so a later fallback uses the newest text. `known`: rows of
    at least the waiting items; `stored`: keys of items known without their row (done with)."""
    rows: list[dict] = []
    seen: set[str] = set()
    for item in found:
        key = item.item_key
        if key is None or key in seen:
            continue
        seen.add(key)
        old = known.get(key)
        if old is None:
            if key in stored:
                continue
            rows.append({
                "source": source, "item_key": key, "url": item.url, "state": PENDING, "attempts": 0,
                "next_try_at": None, "first_seen_at": now, "updated_at": now, "reason": None, "detail": None,
                "document_id": None, "partial": False, "title": item.title, "feed_text": item.text,
                "published_at": item.published_at, "author": item.author,
            })
        elif old["state"] in (PENDING, FAILED) and (item.text, item.title) != (old.get("feed_text"), old.get("title")):
            rows.append({**old, "title": item.title or old.get("title"), "feed_text": item.text or old.get("feed_text"), "updated_at": now})
    return rows


def is_due(row: Mapping, now: datetime) -> bool:
    """Pending items always; failed ones once their backoff has passed."""
    if row["state"] == PENDING:
        return True
    return row["state"] == FAILED and (row.get("next_try_at") is None or row["next_try_at"] <= now)


def fetched(row: Mapping, document_id: str | None, now: datetime, *, partial: bool = False, reason: str | None = None,
            detail: str | None = None) -> dict:
    """The item gave a document (`partial`: its feed text, because of `reason`)."""
    return {**row, "state": FETCHED, "document_id": document_id, "partial": partial, "reason": reason,
            "detail": detail, "next_try_at": None, "updated_at": now,
            "attempts": row.get("attempts", 0) + (0 if partial else 1)}  # a fallback's failures were counted


def failed(row: Mapping, reason: str, detail: str, now: datetime, policy: ItemPolicy) -> tuple[dict, bool]:
    """(row, given_up): a transient failure schedules the next try; a permanent one, too many
    attempts or too old an item gives up (the caller then uses the feed text or rejects)."""
    attempts = row.get("attempts", 0) + 1
    age = (now - row["first_seen_at"]).total_seconds() if row.get("first_seen_at") else 0.0
    give_up = reason in PERMANENT or attempts >= policy.max_attempts or age >= policy.max_age
    delay = min(policy.retry_base * 2 ** (attempts - 1), policy.retry_max)
    out = {**row, "state": FAILED, "attempts": attempts, "reason": reason, "detail": detail, "updated_at": now,
           "next_try_at": None if give_up else now + timedelta(seconds=delay)}
    return out, give_up


def rejected(row: Mapping, now: datetime) -> dict:
    """Given up with no usable feed text: the last reason stands."""
    return {**row, "state": REJECTED, "next_try_at": None, "updated_at": now}


def feed_words(row: Mapping) -> int:
    return len(" ".join(filter(None, (row.get("title"), row.get("feed_text")))).split())


def feed_item_document(row: Mapping, source: str, now: datetime) -> RawDocument:
    """The item's own title + text as a document the normalizer reads as a `feed-item` article.
    Its bytes do not depend on why the page failed, so the same text is stored once."""
    record = {
        "@type": FEED_ITEM_MARK, "url": row.get("url"), "title": row.get("title"), "text": row.get("feed_text") or "",
        "published_at": row["published_at"].isoformat() if row.get("published_at") else None, "author": row.get("author"),
    }
    content = json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8")
    uri = row.get("url") or f"feed-item:{source}:{row['item_key']}"
    return RawDocument(source=source, uri=uri, content=content, media_type=FEED_ITEM_MEDIA_TYPE, fetched_at=now)


def html_to_text(markup: str | None) -> str | None:
    """Visible text of an HTML fragment (a feed's summary or content), paragraphs kept."""
    if not markup:
        return None
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", markup)
    text = re.sub(r"(?i)</?(p|div|br|li|h[1-6]|blockquote)\b[^>]*>", "\n\n", text)
    text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p) or None


def state_counts(rows: Iterable[Mapping]) -> dict[str, int]:
    counts = dict.fromkeys(STATES, 0)
    for row in rows:
        counts[row["state"]] = counts.get(row["state"], 0) + 1
    return counts
