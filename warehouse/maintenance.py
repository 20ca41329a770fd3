"""Keeping a long-lived warehouse small and fast: compaction, superseded versions, vacuum, time travel."""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow as pa
from deltalake import write_deltalake

from warehouse.schemas import TABLES
from warehouse.store import Warehouse
from warehouse.views import connect, current_rows_sql, write_catalog

DEFAULT_RETENTION_HOURS = 168  # Delta's default: a reader may hold a file list for up to a week


def compact(warehouse: Warehouse) -> dict[str, dict]:
    """Merge small files of every table (Delta optimize) and drop superseded story versions.

    Holds the writer lock, so no run writes meanwhile; readers keep seeing the same rows.
    """
    report: dict[str, dict] = {}
    with warehouse.writing():
        for spec in TABLES.values():
            table = warehouse.delta(spec.name)
            if table is None:
                continue
            pruned = prune_superseded(warehouse, spec.name)
            table = warehouse.delta(spec.name)
            metrics = table.optimize.compact()
            report[spec.name] = {
                "files_removed": metrics.get("numFilesRemoved", 0),
                "files_added": metrics.get("numFilesAdded", 0),
                "superseded_rows_dropped": pruned,
                "files_now": len(warehouse.files(spec.name)),
            }
        write_catalog(warehouse)
    return report


def prune_superseded(warehouse: Warehouse, name: str) -> int:
    """Rewrite a table with only the rows readers see (one atomic commit); returns rows dropped.

    Drops older versions of versioned rows and rows superseded by a reprocess. Call it under
    the writer lock, after uncommitted rows were removed.
    """
    spec = TABLES[name]
    if not warehouse.files(name) or name == "loads":
        return 0
    con = connect(warehouse, read_only=False)
    before = con.execute(f'SELECT count(*) FROM "_raw_{name}"').fetchall()[0][0]
    current = con.sql(current_rows_sql(spec)).to_arrow_table()
    con.close()
    if current.num_rows == before:
        return 0
    stored = pa.schema(warehouse.delta(name).schema())
    write_deltalake(warehouse.table_uri(name), current.select(stored.names).cast(stored), mode="overwrite",
                    storage_options=warehouse.storage_options)
    return before - current.num_rows


def vacuum(warehouse: Warehouse, retention_hours: int = DEFAULT_RETENTION_HOURS, dry_run: bool = False) -> dict[str, int]:
    """Delete files no table version newer than the retention still references. Returns files per table."""
    out: dict[str, int] = {}
    with warehouse.writing():
        for spec in TABLES.values():
            table = warehouse.delta(spec.name)
            if table is None:
                continue
            removed = table.vacuum(retention_hours=retention_hours, dry_run=dry_run, enforce_retention_duration=False)
            out[spec.name] = len(removed)
    return out


def resolve_as_of(warehouse: Warehouse, value: str) -> datetime:
    """`--as-of` accepts a `loads` table version (an integer), an ISO timestamp or a load_id."""
    value = value.strip()
    if value.isdigit():
        return _loads_version_time(warehouse, int(value))
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    except ValueError:
        pass
    for version, load_id, _finished, _counts in history(warehouse):
        if load_id == value:
            return _loads_version_time(warehouse, version)
    raise ValueError(f"--as-of {value!r} is not a loads version, an ISO timestamp or a committed load_id (see `newsflow history`)")


def _loads_version_time(warehouse: Warehouse, version: int) -> datetime:
    loads = warehouse.delta("loads")
    for entry in loads.history() if loads is not None else []:
        if entry["version"] == version:
            return datetime.fromtimestamp(entry["timestamp"] / 1000, tz=timezone.utc)
    raise ValueError(f"no loads version {version}; `newsflow history` lists them")


def history(warehouse: Warehouse) -> list[tuple]:
    """Committed loads with the `loads` table version that recorded each: the handles for --as-of."""
    loads = warehouse.delta("loads")
    if loads is None:
        return []
    versions = sorted((e["version"], e["timestamp"]) for e in loads.history())
    rows = warehouse.query_table(
        "loads", "SELECT load_id, finished_at, counts FROM {loads} WHERE status = 'committed' ORDER BY finished_at"
    )
    out = []
    for load_id, finished, counts in rows:
        ms = finished.timestamp() * 1000
        version = next((v for v, ts in versions if ts >= ms), versions[-1][0])
        out.append((version, load_id, finished, counts))
    return out
