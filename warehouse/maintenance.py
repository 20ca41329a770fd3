"""Keeping a long-lived lake small and fast, with no person needed: flush, merge, expire, clean.

`upkeep()` runs after every committed run, still under the writer lock, and does work only
when a threshold is passed (read every CHECK_EVERY commits): the rows a run writes stay
inlined in the catalog until FLUSH_SNAPSHOTS commits have piled up (every statement reads a
table's inlined rows through SQLite, so fewer is faster; more flushes make more files), then
go to Parquet in bulk (sorted by each table's sort key); right after a flush, a table with more
than MERGE_FILES live files under SETTLED_FILE_BYTES has those rewritten without their deleted
rows and merged (bigger files stay as they are), and files
mostly made of deleted rows (stories are updated in place) are rewritten; snapshots older than
the retention are expired and the files only they used deleted. `newsflow compact` / `vacuum`
run the same steps at once.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import duckdb

from warehouse.faults import checkpoint
from warehouse.lake import ALIAS, METADATA, AsOf, Warehouse

FLUSH_SNAPSHOTS = 100  # commits whose inlined rows may wait in the catalog before a flush
MERGE_FILES = 1  # live small data files a table may have (besides its inlined rows) before they are rewritten and merged
SETTLED_FILE_BYTES = 64 * 2**20  # a file this big is settled: merges leave it be (see `upkeep`)
REWRITE_DELETED = 0.25  # a data file with this share of rows deleted is rewritten
DEFAULT_RETENTION = timedelta(days=7)  # snapshots kept for time travel (`sql --as-of`)
CHECK_EVERY = 10  # after a run, thresholds are read when its snapshot id is a multiple of this


@dataclass(frozen=True)
class UpkeepPolicy:
    flush_snapshots: int = FLUSH_SNAPSHOTS
    merge_files: int = MERGE_FILES
    settled_bytes: int = SETTLED_FILE_BYTES
    rewrite_deleted: float = REWRITE_DELETED
    retention: timedelta = DEFAULT_RETENTION
    check_every: int = CHECK_EVERY


def upkeep(con: duckdb.DuckDBPyConnection, policy: UpkeepPolicy = UpkeepPolicy(), force: bool = False,
           committed: int | None = None) -> dict[str, int]:
    """Do the maintenance whose threshold is passed (all of it with `force`); returns what was done.

    `con` is a writer connection outside any open transaction, with the writer lock held.
    `committed`: the snapshot a run just made; the thresholds (one catalog query) are read only
    when it is a multiple of `policy.check_every`, so most runs skip that query.

    Merges take the files smaller than `policy.settled_bytes` only: a table's new rows gather in
    one growing file, which settles once it passes that size, so a merge rewrites at most that
    much of a table however large the lake (merging everything into one file rewrote the whole
    table every `flush_snapshots` commits, under the writer lock). A look-up then opens a file per
    64 MB of a table.

    Files are rewritten and merged only right after a flush, when no table has inlined rows:
    DuckLake 1.5.5 fails to rewrite a table whose inlined rows hold a DOUBLE column. A table
    updated in place (stories) keeps a few deleted rows in most of its files, and
    `ducklake_merge_adjacent_files` leaves such files alone, so a table past `merge_files` has
    its files with deletions rewritten first, then merged.
    """
    checkpoint("upkeep")
    done: dict[str, int] = {}
    if not force and committed is not None and committed % policy.check_every:
        return done
    latest, last_flush, oldest = _marks(con)
    if force or latest - last_flush >= policy.flush_snapshots:
        done["tables_flushed"] = len(con.execute(f"CALL ducklake_flush_inlined_data('{ALIAS}')").fetchall())
        small = live_file_counts(con, smaller_than=policy.settled_bytes)
        crowded = sorted(t for t, n in small.items() if n > (1 if force else policy.merge_files))
        rewritten = merged = 0
        for table in crowded:
            rewritten += len(con.execute(f"CALL ducklake_rewrite_data_files('{ALIAS}', ?, delete_threshold => 0)", [table]).fetchall())
            merged += len(con.execute(f"CALL ducklake_merge_adjacent_files('{ALIAS}', ?, max_file_size => {int(policy.settled_bytes)})",
                                      [table]).fetchall())
        rewritten += len(
            con.execute(f"CALL ducklake_rewrite_data_files('{ALIAS}', delete_threshold => {policy.rewrite_deleted})").fetchall()
        )
        done.update(tables_merged=merged, files_rewritten=rewritten)
    cutoff = datetime.now(timezone.utc) - policy.retention
    if force or oldest < cutoff - policy.retention / 10:  # in steps of a tenth of the retention
        done["snapshots_expired"] = len(con.execute(f"CALL ducklake_expire_snapshots('{ALIAS}', older_than => ?)", [cutoff]).fetchall())
        done["files_deleted"] = len(con.execute(f"CALL ducklake_cleanup_old_files('{ALIAS}', older_than => ?)", [cutoff]).fetchall())
    return done


def run_upkeep(con: duckdb.DuckDBPyConnection, warehouse: Warehouse, committed: int | None = None) -> dict[str, int]:
    """`upkeep` after a commit: a failure is reported, never raised (the run's data is committed)."""
    try:
        policy = UpkeepPolicy(retention=warehouse.retention) if warehouse.retention else UpkeepPolicy()
        return upkeep(con, policy, committed=committed)
    except Exception as exc:  # noqa: BLE001 - the run is committed whatever upkeep meets
        print(f"warning: warehouse upkeep of {warehouse.root} failed ({exc}); the run is committed, "
              "upkeep is tried again after later runs (or run `newsflow compact`)", file=sys.stderr)
        return {}


def compact(warehouse: Warehouse) -> dict[str, int]:
    """Flush inlined rows and merge/rewrite small files now (readers see the same rows)."""
    from warehouse.lock import warehouse_lock

    with warehouse_lock(warehouse):
        con = warehouse.connect(read_only=False)
        try:
            before = live_file_counts(con)
            done = upkeep(con, UpkeepPolicy(flush_snapshots=0, merge_files=0, retention=timedelta(days=36500)), force=True)
            done.pop("snapshots_expired", None)
            done.pop("files_deleted", None)
            return {"files_before": sum(before.values()), "files_after": sum(live_file_counts(con).values()), **done}
        finally:
            con.close()


def vacuum(warehouse: Warehouse, retention: timedelta = DEFAULT_RETENTION, dry_run: bool = False) -> dict[str, int]:
    """Expire snapshots older than `retention` and delete the files no kept snapshot uses."""
    from warehouse.lock import warehouse_lock

    cutoff = datetime.now(timezone.utc) - retention
    with warehouse_lock(warehouse):
        con = warehouse.connect(read_only=False)
        try:
            dry = ", dry_run => true" if dry_run else ""
            expired = con.execute(f"CALL ducklake_expire_snapshots('{ALIAS}', older_than => ?{dry})", [cutoff]).fetchall()
            files = con.execute(f"CALL ducklake_cleanup_old_files('{ALIAS}', older_than => ?{dry})", [cutoff]).fetchall()
            orphans = con.execute(f"CALL ducklake_delete_orphaned_files('{ALIAS}', older_than => ?{dry})", [cutoff]).fetchall()
            return {"snapshots_expired": len(expired), "files_deleted": len(files), "orphaned_files_deleted": len(orphans)}
        finally:
            con.close()


def live_file_counts(con: duckdb.DuckDBPyConnection, smaller_than: int | None = None) -> dict[str, int]:
    """Data files the current snapshot reads, per table (only those smaller than `smaller_than` bytes)."""
    size = f"AND f.file_size_bytes < {int(smaller_than)}" if smaller_than is not None else ""
    rows = con.execute(
        f"""
        SELECT t.table_name, count(f.data_file_id) FROM {METADATA}.ducklake_table t
        LEFT JOIN {METADATA}.ducklake_data_file f ON f.table_id = t.table_id AND f.end_snapshot IS NULL {size}
        WHERE t.end_snapshot IS NULL GROUP BY t.table_name
        """
    ).fetchall()
    return dict(rows)


def _marks(con: duckdb.DuckDBPyConnection) -> tuple[int, int, datetime]:
    """In one catalog query: the latest snapshot, the last one that flushed inlined rows, and the
    oldest snapshot's time. With no flush among the kept snapshots, the last flush counts as the
    first snapshot of a lake that never expired any, and as long ago (-inf) when expiry removed
    it: a flush is due then."""
    latest, first, flushed, oldest = con.execute(
        f"""
        SELECT max(snapshot_id), min(snapshot_id),
               (SELECT max(snapshot_id) FROM {METADATA}.ducklake_snapshot_changes WHERE changes_made LIKE '%inline_flush%'),
               min(snapshot_time)::TIMESTAMPTZ
        FROM {METADATA}.ducklake_snapshot
        """
    ).fetchone()
    now = datetime.now(timezone.utc)
    oldest = (oldest if oldest.tzinfo else oldest.replace(tzinfo=timezone.utc)) if oldest is not None else now
    if flushed is None:
        flushed = first if not first else -(10**18)  # snapshot 0 still kept: nothing was ever expired
    return int(latest or 0), int(flushed), oldest


def history(warehouse: Warehouse) -> list[tuple]:
    """Snapshots that committed a run, oldest first:
    (snapshot_id, time, load_id, source, documents, articles, rejects)."""
    with warehouse.reading() as con:
        return con.execute(
            """
            SELECT s.snapshot_id, s.snapshot_time, json_extract_string(s.commit_extra_info, '$.load_id') AS load_id,
                   l.source, json_extract(l.counts, '$.documents')::BIGINT AS documents,
                   json_extract(l.counts, '$.articles')::BIGINT AS articles, json_extract(l.counts, '$.rejects')::BIGINT AS rejects
            FROM ducklake_snapshots('lake') s
            LEFT JOIN loads l ON l.load_id = json_extract_string(s.commit_extra_info, '$.load_id')
            WHERE s.commit_extra_info IS NOT NULL
            ORDER BY s.snapshot_id
            """
        ).fetchall()


def resolve_as_of(warehouse: Warehouse, value: str) -> AsOf:
    """`--as-of` takes a snapshot id (an integer), an ISO timestamp or a load_id."""
    value = value.strip()
    if value.isdigit():
        return AsOf(snapshot=int(value))
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        return AsOf(time=parsed.isoformat())
    except ValueError:
        pass
    for snapshot_id, _time, load_id, *_counts in history(warehouse):
        if load_id == value:
            return AsOf(snapshot=snapshot_id)
    raise ValueError(f"--as-of {value!r} is not a snapshot id, an ISO timestamp or a load_id (see `newsflow history`)")
