"""The warehouse is one DuckLake: a catalog database plus Parquet data files.

- a folder: catalog `<root>/catalog.sqlite` (SQLite: one writer, any number of readers in other
  processes), data files under `<root>/data/`;
- a PostgreSQL catalog (`catalog="postgres://…"`, for several machines) with data in a folder or
  under `s3://bucket/prefix/` (credentials from AWS_* variables, see warehouse/storage.py).

A run is ONE DuckLake transaction over every table (`Warehouse.writing()`): it commits whole or
leaves nothing. `connect()` attaches the lake for reading, optionally as of a snapshot.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb

from warehouse.evolve import ensure_tables
from warehouse.extensions import load_extensions
from warehouse.sql import quote_literal

ALIAS = "lake"
METADATA = f"__ducklake_metadata_{ALIAS}"
CATALOG_FILE = "catalog.sqlite"
DATA_FOLDER = "data"
# A run of a few documents stays in the catalog (no Parquet file per table per run); upkeep
# flushes the inlined rows to Parquet in bulk (warehouse/maintenance.py).
INLINING_ROW_LIMIT = 1_000



WRITER_THREADS = 1
BIG_BATCH_ROWS = 2_000  # documents in a run past which its statements get every core
MAX_INSTANCES = 4  # DuckDB instances a process keeps open (one per lake and mode)
# A DuckDB instance keeps memory that no setting bounds and malloc_trim does not return (arrow
# tables registered and unregistered, metadata of files merged away): ~110 KB a commit in
# bench_steady, ~170 KB a cycle of a `newsflow poll` loop (bench_fleet --loop-cycles), ~20 GB
# after 90 days of a cycle a minute. After this many connections (~2 a run, ~4 a poll cycle) a
# new instance replaces it: ~0.25 s to open, ~0.5 ms a run.
INSTANCE_USES = 1_000
_INSTANCES: OrderedDict[tuple, duckdb.DuckDBPyConnection] = OrderedDict()
_USES: dict[tuple, int] = {}
_INSTANCES_LOCK = threading.Lock()
_CREATED: set[str] = set()  # PostgreSQL catalogs seen to hold a lake (a lake is never un-created)


def close_instances(warehouse: Warehouse | None = None) -> None:
    """Close the cached DuckDB instances of one warehouse, or every one (a test or a benchmark that
    deletes a warehouse folder, a process exit)."""
    with _INSTANCES_LOCK:
        for key in [k for k in _INSTANCES if warehouse is None or k[0] == warehouse.root]:
            _INSTANCES.pop(key).close()
            _USES.pop(key, None)


class WarehouseError(RuntimeError):
    """A warehouse that cannot be opened as asked (missing, not a warehouse, bad catalog)."""


@dataclass(frozen=True)
class AsOf:
    """A past state to read: a snapshot id or a time (see `maintenance.resolve_as_of`)."""

    snapshot: int | None = None
    time: str | None = None  # ISO timestamp


class Warehouse:
    """A DuckLake at `root` (a folder or s3:// URI) with its catalog (default: `<root>/catalog.sqlite`)."""

    def __init__(self, root: str | Path, storage_options: dict[str, str] | None = None, catalog: str | None = None,
                 retention: timedelta | None = None) -> None:
        self.root = str(root).rstrip("/")
        self.is_local = "://" not in self.root
        if self.is_local:
            self.root = str(Path(self.root).resolve())
        self.storage_options = storage_options or {}
        self.retention = retention  # snapshots kept for time travel; None: upkeep's default (7 days)
        self.catalog = catalog or (os.path.join(self.root, CATALOG_FILE) if self.is_local else None)
        self.begin_snapshot: int | None = None  # the snapshot the open `writing()` transaction started from
        if self.catalog is None:
            raise WarehouseError(
                f"{self.root}: a warehouse on object storage needs a catalog database: pass --catalog postgres://… "
                "(or [warehouse] catalog in newsflow.toml)"
            )

    # -- where things are ---------------------------------------------------------------
    @property
    def catalog_kind(self) -> str:
        return "postgres" if self.catalog.startswith(("postgres://", "postgresql://")) else "sqlite"

    @property
    def data_path(self) -> str:
        return f"{self.root}/{DATA_FOLDER}/"

    def exists(self) -> bool:
        """Whether the catalog has been created (a first run creates it)."""
        if self.catalog_kind == "sqlite":
            return Path(self.catalog).is_file()
        if self.catalog in _CREATED:
            return True
        import psycopg

        with psycopg.connect(self.catalog, connect_timeout=10) as session:
            found = bool(session.execute("SELECT to_regclass('ducklake_metadata') IS NOT NULL").fetchone()[0])
        if found:
            _CREATED.add(self.catalog)
        return found

    def extensions(self) -> tuple[str, ...]:
        needed = ["ducklake", self.catalog_kind]
        if not self.is_local:
            needed.append("httpfs")
        return tuple(needed)

    def attach_sql(self, read_only: bool = False, as_of: AsOf | None = None) -> str:
        """The ATTACH statement for this lake (also what the README gives other DuckDB clients)."""
        if self.catalog_kind == "postgres":
            target = f"ducklake:postgres:{self.catalog}"
        else:
            target = f"ducklake:sqlite:{self.catalog}"
        options = [f"DATA_PATH {quote_literal(self.data_path)}"]
        if self.is_local and self.catalog_kind == "sqlite":
            options.append("OVERRIDE_DATA_PATH TRUE")  # catalog and data move together with their folder
        if read_only:
            options.append("READ_ONLY")
        else:
            options.append(f"DATA_INLINING_ROW_LIMIT {INLINING_ROW_LIMIT}")
        if as_of is not None and as_of.snapshot is not None:
            options.append(f"SNAPSHOT_VERSION {int(as_of.snapshot)}")
        elif as_of is not None and as_of.time is not None:
            options.append(f"SNAPSHOT_TIME {quote_literal(as_of.time)}")
        return f"ATTACH {quote_literal(target)} AS {ALIAS} ({', '.join(options)})"

    # -- connections ------------------------------------------------------------------------
    def connect(self, read_only: bool = True, as_of: AsOf | None = None) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with the lake attached as the default database.

        read_only: the catalog is attached READ_ONLY, file access is off outside the lake's data
        folder (no read_csv of /etc) and the configuration is locked.

        Loading the extensions costs ~0.5 s each per DuckDB instance, so each process keeps one
        instance per (lake, mode) with the lake attached and hands out connections to it
        (`cursor()`): every connection sees the lake's latest snapshot when its transaction starts.
        After INSTANCE_USES connections the instance is retired and a new one opened.
        """
        if read_only and not self.exists():
            raise WarehouseError(f"no warehouse at {self.root}: run `newsflow run` first, or pass --warehouse / NEWSFLOW_WAREHOUSE")
        key = (self.root, self.attach_sql(read_only=read_only, as_of=as_of), tuple(sorted(self.storage_options.items())))
        with _INSTANCES_LOCK:
            instance = _INSTANCES.get(key)
            if instance is not None and _USES[key] >= INSTANCE_USES:
                # retired, not closed: connections it handed out (a run's open transaction) keep
                # it until they close, and DuckDB frees it then
                del _INSTANCES[key]
                instance = None
            if instance is None:
                instance = self._open_instance(read_only, as_of)
                _INSTANCES[key] = instance
                _USES[key] = 0
                while len(_INSTANCES) > MAX_INSTANCES:
                    evicted, oldest = _INSTANCES.popitem(last=False)
                    _USES.pop(evicted, None)
                    oldest.close()
            _INSTANCES.move_to_end(key)
            _USES[key] += 1
            con = instance.cursor()
        con.execute(f"USE {ALIAS}")
        return con

    def _open_instance(self, read_only: bool, as_of: AsOf | None) -> duckdb.DuckDBPyConnection:
        if self.is_local and not read_only:
            Path(self.root, DATA_FOLDER).mkdir(parents=True, exist_ok=True)
        if self.catalog_kind == "sqlite" and not read_only:
            use_wal(self.catalog)
        con = duckdb.connect()
        try:
            con.execute("SET GLOBAL TimeZone = 'UTC'")
            load_extensions(con, self.extensions())
            if not self.is_local:
                from warehouse.storage import create_s3_secret

                create_s3_secret(con, self.storage_options)
            try:
                con.execute(self.attach_sql(read_only=read_only, as_of=as_of))
            except duckdb.Error as exc:
                raise WarehouseError(f"cannot open the warehouse catalog {self.catalog}: {exc}") from None
            con.execute(f"USE {ALIAS}")
            if not read_only:
                ensure_tables(con, ALIAS)
                # a run's statements are small: one thread does them with ~25% less CPU and wall
                # time (bench_steady); `Warehouse.big_work` lends all cores to a large batch
                con.execute(f"SET threads = {WRITER_THREADS}")
            if read_only:
                # only the lake's own files stay readable; `newsflow sql` also refuses writing
                # statements (warehouse/readonly.py), as COPY … TO into the data folder would pass here
                con.execute(f"SET allowed_directories = [{quote_literal(self.data_path)}]")
                con.execute("SET enable_external_access = false")
                con.execute("SET lock_configuration = true")
        except BaseException:
            con.close()
            raise
        return con

    @contextmanager
    def writing(self, timeout: float | None = None, upkeep: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """Hold the writer lock and one open transaction; commit on a clean exit, roll back otherwise.

        Everything the block writes becomes visible at once when it commits; an exception, a
        kill or a power cut before that leaves the lake as it was, with nothing to clean up.
        After the commit, still under the lock, `maintenance.upkeep` does whatever upkeep is due.
        """
        from warehouse.lock import warehouse_lock
        from warehouse.maintenance import run_upkeep

        with warehouse_lock(self, timeout=timeout):
            con = self.connect(read_only=False)
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    self.begin_snapshot = snapshot_id(con)
                    yield con
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
                if upkeep:  # under the lock nobody else commits: this run's snapshot is the next one
                    run_upkeep(con, self, committed=self.begin_snapshot + 1)
            finally:
                self.begin_snapshot = None
                con.close()

    @staticmethod
    @contextmanager
    def big_work(con: duckdb.DuckDBPyConnection, rows: int) -> Iterator[None]:
        """All cores for the statements of a large batch (a 1M-article reprocess, a first import)."""
        if rows < BIG_BATCH_ROWS:
            yield
            return
        con.execute(f"SET threads = {os.cpu_count() or 2}")
        try:
            yield
        finally:
            con.execute(f"SET threads = {WRITER_THREADS}")

    @contextmanager
    def reading(self, as_of: AsOf | None = None, for_run: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for reading. `for_run`: a run's own look-ups before it takes the lock, on
        the writer's DuckDB instance (no second instance to load; nothing is written)."""
        con = self.connect(read_only=not for_run, as_of=as_of)
        try:
            yield con
        finally:
            con.close()

    def __repr__(self) -> str:
        return f"Warehouse({self.root!r}, catalog={self.catalog!r})"


def snapshot_id(con: duckdb.DuckDBPyConnection) -> int:
    """The snapshot the connection's open transaction reads."""
    return int(con.execute(f"FROM {ALIAS}.current_snapshot()").fetchone()[0])


def use_wal(path: str) -> None:
    """Put a SQLite catalog in WAL mode (kept in the file): a commit costs one fsync instead of
    several, and readers in other processes read while a run commits."""
    import sqlite3

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30)
    try:
        if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            db.execute("PRAGMA journal_mode=WAL")
    finally:
        db.close()


def connect(warehouse: Warehouse, as_of: AsOf | None = None, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection on the warehouse's tables (read-only by default)."""
    return warehouse.connect(read_only=read_only, as_of=as_of)
