"""WARC source: HTML responses from WARC files (plain or per-record gzip), streamed with warcio.

Only `response` records whose HTTP payload is a 2xx HTML page become documents (a feed's
records: its items, as in a folder); everything
else (requests, metadata, revisits, images, redirects) is skipped and counted in
`state.skipped` by reason. A damaged file never crashes the run: a truncated record, a bad
digest or an unreadable stretch becomes a `warc-corrupt` reject and reading goes on where
warcio can (the next record, or the next file).
"""

from __future__ import annotations

import glob
import zlib
from collections.abc import Iterator
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from tasks.records import RawDocument, Reject
from tasks.sources.base import Item, SourceState
from tasks.sources.feedkind import feed_kind
from tasks.sources.fetch import Fetcher
from tasks.sources.netguard import redact_url
from tasks.normalize.dates import parse_iso_datetime

STAGE = "ingest"  # WARC records are read, not fetched
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# feeds are read as feeds (by content: a feed served as text/xml counts too)
FEED_MEDIA = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json",
                        "application/xml", "text/xml", "application/json"})
MAX_RECORD_BYTES = 20 * 1024 * 1024

# Errors warcio and the decompressors raise on damaged input.
_DAMAGE = (ArchiveLoadFailed, zlib.error, EOFError, ValueError, OSError, IndexError, KeyError)


def iter_warc(
    location: str, *, fetcher: Fetcher | None = None, state: SourceState, source: str = "warc",
    max_record_bytes: int = MAX_RECORD_BYTES,
) -> Iterator[Item]:
    """Documents from the WARC file(s) at `location` (a path or a glob). `fetcher` is unused."""
    paths = sorted(glob.glob(location)) if glob.has_magic(location) else [location]
    if not paths:
        yield Reject(location, STAGE, "not-found", f"no file matches {location!r}")
    for path in paths:
        yield from _iter_file(Path(path), state=state, source=source, max_record_bytes=max_record_bytes)


def _iter_file(path: Path, *, state: SourceState, source: str, max_record_bytes: int) -> Iterator[Item]:
    try:
        size = path.stat().st_size
        handle = path.open("rb")
    except OSError as exc:
        yield Reject(str(path), STAGE, "not-found", f"{path}: {exc.strerror or exc}")
        return
    with handle:
        records = ArchiveIterator(handle, check_digests=True)
        try:
            for record in records:
                item = _record_item(record, records, path, state, source, max_record_bytes)
                if isinstance(item, list):
                    yield from item
                elif item is not None:
                    yield item
        except _DAMAGE as exc:
            # warcio cannot find the next record boundary after this: the rest of the file is lost.
            offset = getattr(records, "offset", None)
            yield Reject(str(path), STAGE, "warc-corrupt", f"at offset {offset}: {type(exc).__name__}: {exc}")
            return
        if records.err_count:
            # warcio only warns (on stderr) when a record's length does not match its content.
            yield Reject(
                str(path), STAGE, "warc-corrupt",
                f"{records.err_count} record(s) with a wrong Content-Length or not a WARC file",
            )
            return
        # warcio can end quietly at a record cut off inside its gzip member: compare with file size.
        end = getattr(records, "offset", size)
        if end < size:
            yield Reject(
                str(path), STAGE, "warc-corrupt",
                f"{size - end} bytes at offset {end} are not a complete record (truncated file?)",
            )


def _record_item(
    record: ArcWarcRecord, records: ArchiveIterator, path: Path, state: SourceState, source: str,
    max_bytes: int,
) -> Item | list[Item] | None:
    if record.rec_type is None:
        # What warcio makes of a record cut off inside its headers (or of random bytes).
        return Reject(str(path), STAGE, "warc-corrupt", f"unreadable record at offset {records.offset}")
    if record.rec_type != "response":
        state.skipped[f"warc-{record.rec_type}"] += 1
        return None
    headers = record.rec_headers
    uri = headers.get_header("WARC-Target-URI") or f"{path}#{headers.get_header('WARC-Record-ID')}"
    http = record.http_headers
    if http is None:  # e.g. a dns: response
        state.skipped["warc-not-http"] += 1
        return None
    status = http.get_statuscode() or ""
    if not status.startswith("2"):
        state.skipped[f"http-{status or 'unknown'}"] += 1
        return None
    content_type = http.get_header("Content-Type")
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if content_type and media not in HTML_TYPES and media not in FEED_MEDIA:
        state.skipped["not-html"] += 1
        return None
    content = record.content_stream().read(max_bytes + 1)
    missing = getattr(record.raw_stream, "limit", 0) if len(content) <= max_bytes else 0
    # Only now: asking warcio for the offset makes it skip the rest of the record.
    where = f"{path} offset {records.get_record_offset()}"
    if len(content) > max_bytes:
        return Reject(redact_url(uri), STAGE, "too-large", f"{where}: payload over {max_bytes} bytes")
    if missing:
        return Reject(
            redact_url(uri), STAGE, "warc-corrupt",
            f"{where}: record truncated, {missing} of {record.length} bytes missing",
        )
    if record.digest_checker.passed is False:
        problems = "; ".join(record.digest_checker.problems)
        return Reject(redact_url(uri), STAGE, "warc-corrupt", f"{where}: {problems}")
    fetched_at = parse_iso_datetime(record.rec_headers.get_header("WARC-Date"))
    if feed_kind(content) in ("rss", "atom", "jsonfeed"):
        # a crawled feed: its items (the feed's own text; a WARC run fetches nothing)
        from tasks.sources.feed import iter_feed_bytes

        return list(iter_feed_bytes(content, uri, source=source, fetched_at=fetched_at))
    if media in FEED_MEDIA or (not content_type and not _looks_like_html(content)):
        state.skipped["not-html"] += 1
        return None
    return RawDocument(
        source=source, uri=uri, content=content, media_type=content_type,
        fetched_at=fetched_at,
    )


def _looks_like_html(content: bytes) -> bool:
    head = content[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head
