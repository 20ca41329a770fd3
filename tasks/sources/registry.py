"""Remote and archive source kinds by name, for config and the flow.

    docs, rejects = split_items(SOURCE_KINDS["feed"](url, fetcher=fetcher, state=state))

(The folder source, `tasks.sources.files.iter_files`, takes a list of paths instead.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tasks import progress
from tasks.records import RawDocument, Reject
from tasks.sources.base import Item, SourceIterator
from tasks.sources.feed import iter_feed
from tasks.sources.sitemap import iter_sitemap
from tasks.sources.urls import iter_urls
from tasks.sources.warc import iter_warc

SOURCE_KINDS: Mapping[str, SourceIterator] = {
    "feed": iter_feed,
    "sitemap": iter_sitemap,
    "urls": iter_urls,
    "warc": iter_warc,
}


def split_items(items: Iterable[Item]) -> tuple[list[RawDocument], list[Reject]]:
    """Drain a source into (documents, rejects), e.g. to build one batch per source run."""
    docs: list[RawDocument] = []
    rejects: list[Reject] = []
    for item in items:
        (docs if isinstance(item, RawDocument) else rejects).append(item)  # type: ignore[arg-type]
        progress.advance("ingest", 1, len(item.content) if isinstance(item, RawDocument) else 0)
        progress.check_stop()  # between fetches: a run asked to stop does not fetch the next page
    return docs, rejects
