"""Raw documents to the `documents` batch: the same bytes always get the same document_id."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks import progress
from tasks.records import RawDocument, Reject
from tasks.sources.files import iter_files
from warehouse.schemas import DOCUMENTS, REJECTS, SIGHTINGS


def document_id(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def documents_table(raws: list[RawDocument], load_id: str) -> pa.Table:
    """One row per distinct content; among identical copies the smallest uri is kept."""
    now = datetime.now(timezone.utc)
    by_id: dict[str, RawDocument] = {}
    for raw in raws:
        doc_id = document_id(raw.content)
        if doc_id not in by_id or raw.uri < by_id[doc_id].uri:
            by_id[doc_id] = raw
    rows = [
        {
            "document_id": doc_id,
            "source": raw.source,
            "uri": raw.uri,
            "fetched_at": raw.fetched_at or now,
            "media_type": raw.media_type,
            "sha256": doc_id,
            "size_bytes": len(raw.content),
            "content": raw.content,
            "load_id": load_id,
        }
        for doc_id, raw in sorted(by_id.items())
    ]
    return pa.Table.from_pylist(rows, schema=DOCUMENTS.schema)


def sightings_table(raws: list[RawDocument], load_id: str) -> pa.Table:
    """One row per (document_id, source, uri) of this run's inputs: first and last time seen, how often."""
    now = datetime.now(timezone.utc)
    seen: dict[tuple[str, str, str], list] = {}
    for raw in raws:
        key = (document_id(raw.content), raw.source, raw.uri)
        at = raw.fetched_at or now
        row = seen.setdefault(key, [at, at, 0])
        row[0], row[1], row[2] = min(row[0], at), max(row[1], at), row[2] + 1
    rows = [
        {"document_id": d, "source": s, "uri": u, "first_seen_at": first, "last_seen_at": last, "seen_count": n, "load_id": load_id}
        for (d, s, u), (first, last, n) in sorted(seen.items())
    ]
    return pa.Table.from_pylist(rows, schema=SIGHTINGS.schema)


def merge_sightings(new: pa.Table, stored: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(rows to write, keys among them that are stored): a stored sighting changes only when seen
    again later than its last time (then last_seen_at moves and the counts add up)."""
    before = {(r["document_id"], r["source"], r["uri"]): r for r in stored.to_pylist()}
    rows, updated = [], []
    for row in new.to_pylist():
        key = (row["document_id"], row["source"], row["uri"])
        old = before.get(key)
        if old is None:
            rows.append(row)
        elif row["last_seen_at"] > old["last_seen_at"]:
            rows.append({**row, "first_seen_at": min(old["first_seen_at"], row["first_seen_at"]),
                         "seen_count": (old["seen_count"] or 0) + row["seen_count"]})
            updated.append(key)
    keys = pa.Table.from_pylist([dict(zip(("document_id", "source", "uri"), k)) for k in updated],
                                schema=SIGHTINGS.schema.remove(6).remove(5).remove(4).remove(3))
    return pa.Table.from_pylist(rows, schema=SIGHTINGS.schema), keys


def rejects_table(rejects: list[Reject], load_id: str) -> pa.Table:
    """Rejects keyed by (uri, stage, reason): the same bad input rejected again adds no row."""
    now = datetime.now(timezone.utc)
    rows = [
        {
            "reject_id": hashlib.sha256(f"{r.uri}\x00{r.stage}\x00{r.reason}".encode()).hexdigest()[:32],
            "uri": r.uri,
            "stage": r.stage,
            "reason": r.reason,
            "detail": r.detail[:2000],
            "load_id": load_id,
            "at": now,
        }
        for r in rejects
    ]
    return pa.Table.from_pylist(rows, schema=REJECTS.schema)


def read_paths(paths: list[str], source: str = "files") -> tuple[list[RawDocument], list[Reject]]:
    """Every file under the given files/folders, split into documents and rejects."""
    docs: list[RawDocument] = []
    rejects: list[Reject] = []
    for item in iter_files(paths, source=source):
        (rejects if isinstance(item, Reject) else docs).append(item)
        progress.advance("ingest", 1, 0 if isinstance(item, Reject) else len(item.content))
        progress.check_stop()
    return docs, rejects


read_paths_task = task(name="ingest-files", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)(read_paths)
