"""Shared shapes of the source layer: the source protocol, per-source state, fetch-log rows.

Every source kind is a function

    iter_<kind>(location, *, fetcher, state, ...) -> Iterator[RawDocument | Reject]

that yields documents and rejects as it goes (a bad item never stops the source) and records
each HTTP fetch in `state.fetch_log` as a dict shaped like warehouse FETCH_LOG rows minus
`load_id`. `state` carries what earlier runs learnt (conditional-GET validators, URLs already
turned into documents) so a rerun fetches only what is new; a poll cycle builds it from what the
warehouse's fetch_log says (tasks/sources/poll.py) and writes `state.fetch_log` back.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from tasks.records import RawDocument, Reject, RejectError
from tasks.sources.fetch import HTML_TYPES, Fetcher, FetchResult, Validators
from tasks.sources.netguard import redact_url

STAGE = "fetch"  # rejects.stage of what failed over the network
LOCAL_STAGE = "ingest"  # ... and of what failed reading a local file (as the folder source does)

# Local source files larger than this are refused rather than read into memory.
MAX_LOCAL_FILE_BYTES = 200 * 1024 * 1024

Item = RawDocument | Reject


@dataclass
class SourceState:
    """What a source remembers between runs; mutated in place while a source runs."""

    validators: dict[str, Validators] = field(default_factory=dict)
    seen_urls: set[str] = field(default_factory=set)
    fetch_log: list[dict] = field(default_factory=list)  # rows written during this run
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> count, not rejects

    @classmethod
    def from_fetch_log(cls, rows: Iterable[Mapping]) -> SourceState:
        """Rebuild state from fetch_log rows: latest validators per URL, URLs that gave documents."""
        state = cls()
        for row in sorted(rows, key=lambda r: _sort_key(r.get("fetched_at"))):
            url, status = row["url"], row.get("status")
            if row.get("document_id"):
                state.seen_urls.add(url)
            if status == 304 or (status is not None and 200 <= status < 300):
                # The newest answer decides; failed attempts say nothing about the resource.
                if row.get("etag") or row.get("last_modified"):
                    state.validators[url] = (row.get("etag"), row.get("last_modified"))
                else:
                    state.validators.pop(url, None)
        return state

    def record(
        self, source: str, url: str, *, status: int | None, fetched_at: datetime | None,
        etag: str | None = None, last_modified: str | None = None, document_id: str | None = None,
    ) -> dict:
        """Append a fetch_log row and remember its validators / document for later fetches."""
        row = {
            "source": source, "url": url, "etag": etag, "last_modified": last_modified,
            "status": status, "fetched_at": fetched_at, "document_id": document_id,
        }
        self.fetch_log.append(row)
        if etag or last_modified:
            self.validators[url] = (etag, last_modified)
        if document_id:
            self.seen_urls.add(url)
        return row


class SourceIterator(Protocol):
    """The one protocol every source kind implements."""

    def __call__(
        self, location: str, *, fetcher: Fetcher | None, state: SourceState
    ) -> Iterator[Item]: ...


def document_id(content: bytes) -> str:
    """The warehouse's id of a document: sha256 hex of its bytes."""
    return hashlib.sha256(content).hexdigest()


def is_remote(location: str) -> bool:
    """True when `location` is an http(s) URL rather than a local path."""
    return location.lower().startswith(("http://", "https://"))


def read_local(path: str | Path, *, limit: int = MAX_LOCAL_FILE_BYTES) -> bytes:
    """Read a local source file, refusing one larger than `limit` (RejectError)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > limit:
            raise RejectError("too-large", f"{p} is {size} bytes (cap {limit})")
        return p.read_bytes()
    except FileNotFoundError:
        raise RejectError("not-found", f"{p} does not exist") from None
    except IsADirectoryError:
        raise RejectError("not-a-file", f"{p} is a directory") from None
    except PermissionError:
        raise RejectError("unreadable", f"{p}: permission denied") from None


def fetch_resource(
    url: str, *, fetcher: Fetcher, state: SourceState, source: str, accept: tuple[str, ...],
    conditional: bool = True,
) -> FetchResult:
    """GET `url` (conditional on `state`'s validators unless told not), logged in `state`.

    Raises RejectError on failure.
    """
    validators = state.validators.get(url) if conditional else None
    try:
        result = fetcher.fetch(url, accept=accept, validators=validators)
    except RejectError as exc:
        # Failed attempts are logged too (status None when no response came back).
        state.record(source, url, status=getattr(exc, "status", None), fetched_at=datetime.now(UTC))
        raise
    state.record(
        source, url, status=result.status, fetched_at=result.fetched_at,
        etag=result.etag, last_modified=result.last_modified,
    )
    return result


def fetch_document(
    url: str, *, fetcher: Fetcher, state: SourceState, source: str,
    accept: tuple[str, ...] = HTML_TYPES,
) -> RawDocument | Reject | None:
    """Fetch one page as a RawDocument; None when unchanged (304); a Reject when it fails.

    The document's uri is the URL after redirects; the fetch_log row keeps the requested URL,
    because that is what the next run asks for (and sends validators for).
    """
    try:
        result = fetcher.fetch(url, accept=accept, validators=state.validators.get(url))
    except RejectError as exc:
        state.record(source, url, status=getattr(exc, "status", None), fetched_at=datetime.now(UTC))
        return reject_of(url, exc)
    if result.not_modified:
        state.record(
            source, url, status=304, fetched_at=result.fetched_at,
            etag=result.etag, last_modified=result.last_modified,
        )
        state.seen_urls.add(url)
        state.skipped["not-modified"] += 1
        return None
    state.record(
        source, url, status=result.status, fetched_at=result.fetched_at, etag=result.etag,
        last_modified=result.last_modified, document_id=document_id(result.content),
    )
    return RawDocument(
        source=source, uri=result.final_url, content=result.content,
        media_type=result.media_type, fetched_at=result.fetched_at,
    )


def reject_of(uri: str, exc: RejectError) -> Reject:
    """A Reject row for `exc` raised while reading `uri` (credentials redacted)."""
    return Reject(redact_url(uri), STAGE if is_remote(uri) else LOCAL_STAGE, exc.reason, exc.detail)


def _sort_key(value: object) -> tuple[int, str]:
    # fetched_at may be None for failed fetches: those sort first, so a success wins.
    if value is None:
        return (0, "")
    return (1, value.isoformat() if isinstance(value, datetime) else str(value))
