"""Run one configured source: kind + location + limits + what earlier runs learnt → one batch.

    collected = collect_source(spec, state, allow_private_networks=False)
    collected.documents, collected.rejects, collected.fetch_log

Pure apart from the I/O the source itself does: it is given its state and its switches (the
caller reads config and environment). Fetch failures are already rejects; what still raises
here is I/O the source could not turn into a reject (a disk error).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

from tasks.records import RawDocument, Reject
from tasks.sources.base import Item, SourceState, fetch_document
from tasks.sources.feed import iter_feed
from tasks.sources.feedkind import feed_kind
from tasks.sources.fetch import FEED_TYPES, HTML_TYPES, Fetcher, FetchPolicy
from tasks.sources.files import iter_files
from tasks.sources.registry import split_items
from tasks.sources.sitemap import iter_sitemap
from tasks.sources.urls import iter_urls
from tasks.sources.warc import iter_warc
from warehouse.schemas import FETCH_LOG

# A single page given on the command line may also be a feed; the fetch accepts both and the
# content decides (see `iter_page`).
PAGE_TYPES = tuple(dict.fromkeys(HTML_TYPES + FEED_TYPES))
FEED_KINDS = ("rss", "atom", "jsonfeed")  # recognised by content whatever the Content-Type says


@dataclass(frozen=True)
class SourceSpec:
    """Everything a source run needs, resolved: no config file or environment behind it."""

    name: str
    kind: str  # folder / feed / sitemap / urls / warc / page
    location: str
    policy: FetchPolicy = field(default_factory=FetchPolicy)
    max_items: int | None = None
    since: datetime | None = None  # sitemaps: the recency window's start


@dataclass
class Collected:
    documents: list[RawDocument]
    rejects: list[Reject]
    fetch_log: list[dict]  # FETCH_LOG rows minus load_id
    skipped: dict[str, int]  # reason -> count (seen, not-modified, non-html, ...)


def collect_source(spec: SourceSpec, state: SourceState, *, fetcher: Fetcher | None = None) -> Collected:
    """Drain the source into documents, rejects and fetch_log rows. `state` is not modified."""
    state = copy.deepcopy(state)  # a retried attempt starts from what earlier runs knew, not half a run
    state.fetch_log = []
    own = fetcher is None and spec.kind not in ("folder", "warc")
    fetcher = Fetcher(spec.policy) if own else fetcher
    try:
        items = iter_items(spec, state, fetcher)
        if spec.max_items is not None:
            items = itertools.islice(items, spec.max_items)
        documents, rejects = split_items(items)
    finally:
        if own and fetcher is not None:
            fetcher.close()
    return Collected(documents, rejects, state.fetch_log, dict(state.skipped))


def iter_items(spec: SourceSpec, state: SourceState, fetcher: Fetcher | None) -> Iterator[Item]:
    """The source kind's iterator for `spec`."""
    kind, location, source = spec.kind, spec.location, spec.name
    if kind == "folder":
        return iter_files([location], source=source)
    if kind == "feed":
        return iter_feed(location, fetcher=fetcher, state=state, source=source)
    if kind == "sitemap":
        return iter_sitemap(location, fetcher=fetcher, state=state, source=source, since=spec.since)
    if kind == "urls":
        return iter_urls(location, fetcher=fetcher, state=state, source=source)
    if kind == "warc":
        return iter_warc(location, state=state, source=source)
    if kind == "page":
        return iter_page(location, fetcher=fetcher, state=state, source=source)
    raise ValueError(f"unknown source kind {kind!r}")


def iter_page(location: str, *, fetcher: Fetcher | None, state: SourceState, source: str) -> Iterator[Item]:
    """One web page (conditional GET on later runs). A feed served at that URL is read as a feed."""
    assert fetcher is not None, "a page needs a fetcher"
    result = fetch_document(location, fetcher=fetcher, state=state, source=source, accept=PAGE_TYPES)
    if isinstance(result, RawDocument) and (is_feed_media_type(result.media_type) or feed_kind(result.content) in FEED_KINDS):
        # Forget the page-style fetch and let the feed source read it (one extra GET, once per
        # change of the feed): its items, not the feed XML, are the documents.
        state.fetch_log.pop()
        state.seen_urls.discard(location)
        state.validators.pop(location, None)
        yield from iter_feed(location, fetcher=fetcher, state=state, source=source)
    elif result is not None:
        yield result


def is_feed_media_type(media_type: str | None) -> bool:
    media = (media_type or "").split(";", 1)[0].strip().lower()
    return media in ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")


def fetch_log_table(rows: list[dict], load_id: str) -> pa.Table:
    """fetch_log rows of one run as the warehouse table."""
    return pa.Table.from_pylist([{**row, "load_id": load_id} for row in rows], schema=FETCH_LOG.schema)
