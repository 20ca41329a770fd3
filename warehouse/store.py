"""The table store: Delta Lake tables under one root, written in loads.

A run writes every row with its load_id and commits by appending a `committed` row to
`loads`; readers only see rows of committed loads (see warehouse/views.py). A crashed run
leaves a `started` row and invisible rows, which the next writer deletes before it writes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import TableNotFoundError

from warehouse.faults import checkpoint
from warehouse.lock import warehouse_lock
from warehouse.schemas import LOADS, TABLES, TableSpec


class SchemaMismatchError(RuntimeError):
    """A batch whose columns change the type of a stored column."""


class Warehouse:
    """Delta tables under `root` (a folder or an s3:// URI)."""

    def __init__(self, root: str | Path, storage_options: dict[str, str] | None = None) -> None:
        self.root = str(root).rstrip("/")
        self.is_local = "://" not in self.root
        if self.is_local:
            self.root = str(Path(self.root).resolve())
            Path(self.root).mkdir(parents=True, exist_ok=True)
        self.storage_options = storage_options
        self._lease = None  # the writer lease while `writing()` holds it on an object store

    def __getstate__(self) -> dict:
        # A Warehouse travels to Dask workers with tasks; the lease (a thread) stays with its holder.
        return {**self.__dict__, "_lease": None}

    # -- paths and files -------------------------------------------------------------
    def table_uri(self, name: str) -> str:
        return f"{self.root}/{name}"

    def delta(self, name: str, version: int | str | datetime | None = None) -> DeltaTable | None:
        try:
            table = DeltaTable(self.table_uri(name), storage_options=self.storage_options)
        except TableNotFoundError:
            return None
        if version is not None:
            table.load_as_version(version)
        return table

    def files(self, name: str, as_of: datetime | None = None) -> list[str]:
        """Live Parquet files of a table (never a glob: Delta may have removed files still on disk)."""
        table = self.delta(name)
        if table is None:
            return []
        if as_of is not None:
            try:
                table.load_as_version(as_of)
            except Exception:  # the table did not exist yet at that time
                return []
        return [_local_path(uri) for uri in table.file_uris()]

    def scan(self, con: duckdb.DuckDBPyConnection, name: str, as_of: datetime | None = None) -> str | None:
        """A FROM-clause source on `con` for a table's live rows, or None when it has no files.

        A folder is read with read_parquet over the live file list. An object store is read as
        the Delta table's Arrow dataset (delta-rs's own object store client) registered on `con`:
        DuckDB's httpfs is not needed, and the view lives only as long as the connection.
        """
        if self.is_local:
            files = self.files(name, as_of=as_of)
            return f"read_parquet({_sql_list(files)}, union_by_name = true)" if files else None
        table = self.delta(name)
        if table is None:
            return None
        if as_of is not None:
            try:
                table.load_as_version(as_of)
            except Exception:  # the table did not exist yet at that time
                return None
        if not table.file_uris():
            return None
        con.register(f"_arrow_{name}", table.to_pyarrow_dataset())
        return f'"_arrow_{name}"'

    # -- writing ---------------------------------------------------------------------
    def append(self, spec: TableSpec, batch: pa.Table) -> int:
        """Append rows (cast to the table's schema). Returns rows written."""
        if batch.num_rows == 0:
            return 0
        batch = conform(spec, batch)
        existing = self.delta(spec.name)
        if existing is not None:
            check_compatible(spec.name, pa.schema(existing.schema()), batch.schema)
        write_deltalake(
            self.table_uri(spec.name),
            batch,
            mode="append",
            schema_mode="merge",
            storage_options=self.storage_options,
        )
        return batch.num_rows

    def append_new(self, spec: TableSpec, batch: pa.Table) -> int:
        """Append only rows whose key is not stored yet (and each key once): re-runs add nothing."""
        return self.append(spec, self.fresh(spec, batch))

    def fresh(self, spec: TableSpec, batch: pa.Table) -> pa.Table:
        """The rows of `batch` whose key the table does not hold yet, each key once."""
        if batch.num_rows == 0:
            return batch
        keys = ", ".join(f'"{k}"' for k in spec.key)
        con = duckdb.connect()
        con.register("batch", batch)
        source = self.scan(con, spec.name)
        query = f"SELECT * FROM batch QUALIFY row_number() OVER (PARTITION BY {keys}) = 1"
        if source:
            stored = f"SELECT DISTINCT {keys} FROM {source}"
            query = f"SELECT * FROM ({query}) ANTI JOIN ({stored}) USING ({keys})"
        fresh = con.sql(query).to_arrow_table()
        con.close()
        return fresh

    # -- loads -----------------------------------------------------------------------
    @contextmanager
    def writing(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the warehouse's writer lock; on entry, delete what crashed runs left behind."""
        with warehouse_lock(self, timeout=timeout) as lease:
            self._lease = lease
            try:
                self.remove_uncommitted()
                yield
            finally:
                self._lease = None

    def start_load(self, load_id: str, flow_run_id: str | None, started_at: datetime) -> None:
        self.append(LOADS, pa.Table.from_pylist([_load_row(load_id, flow_run_id, started_at, None, "started", {})], LOADS.schema))

    def commit_load(
        self, load_id: str, flow_run_id: str | None, started_at: datetime, counts: dict, replaces: list[str] | None = None
    ) -> datetime:
        """The single write that makes a run's rows visible in every table at once.

        replaces: tables this load rebuilt completely; their rows from earlier loads stop showing.
        """
        if self._lease is not None:
            self._lease.ensure_held()  # a writer that lost its lease must not commit
        finished = datetime.now(timezone.utc)
        row = _load_row(load_id, flow_run_id, started_at, finished, "committed", counts)
        row["replaces"] = sorted(replaces) if replaces else None
        self.append(LOADS, pa.Table.from_pylist([row], LOADS.schema))
        return finished

    def committed_load_ids(self) -> set[str]:
        return {r[0] for r in self.query_table("loads", "SELECT DISTINCT load_id FROM {loads} WHERE status = 'committed'")}

    def query_table(self, name: str, sql: str) -> list[tuple]:
        """Run `sql` with `{<name>}` standing for the table's live rows (as stored, committed or not)."""
        con = duckdb.connect()
        try:
            source = self.scan(con, name)
            return con.execute(sql.format(**{name: source})).fetchall() if source else []
        finally:
            con.close()

    def remove_uncommitted(self) -> dict[str, int]:
        """Delete rows written by loads that never committed (a run killed mid-write)."""
        dead = [
            r[0]
            for r in self.query_table("loads", "SELECT load_id FROM {loads} GROUP BY load_id HAVING NOT bool_or(status = 'committed')")
        ]
        removed: dict[str, int] = {}
        if not dead:
            return removed
        predicate = f"load_id IN ({', '.join(_quote(d) for d in dead)})"
        for name in TABLES:
            if name == "loads":
                continue
            table = self.delta(name)
            if table is None:
                continue
            checkpoint(f"cleanup:{name}")
            metrics = table.delete(predicate)
            if metrics.get("num_deleted_rows"):
                removed[name] = metrics["num_deleted_rows"]
        # the started rows are kept as history, marked so they are not collected again
        aborted = [_load_row(d, None, None, datetime.now(timezone.utc), "aborted", removed) for d in dead]
        loads = self.delta("loads")
        loads.delete(predicate + " AND status = 'started'")
        self.append(LOADS, pa.Table.from_pylist(aborted, LOADS.schema))
        return removed


def conform(spec: TableSpec, batch: pa.Table) -> pa.Table:
    """Order and cast columns to the spec; columns the spec lacks are kept (schema evolution).

    Everything is written nullable: the spec's NOT NULL columns are checked here instead,
    so a bad row fails with the column's name rather than deep inside the writer.
    """
    columns, fields = [], []
    for field in spec.schema:
        if field.name in batch.column_names:
            column = batch.column(field.name).cast(field.type)
            if not field.nullable and column.null_count:
                raise ValueError(f"table {spec.name!r}: column {field.name!r} must not be null")
        else:
            column = pa.nulls(batch.num_rows, field.type)
        columns.append(column)
        fields.append(field.with_nullable(True))
    for name in batch.column_names:
        if spec.schema.get_field_index(name) < 0:
            columns.append(batch.column(name))
            fields.append(batch.schema.field(name).with_nullable(True))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def check_compatible(name: str, stored: pa.Schema, incoming: pa.Schema) -> None:
    """New columns are welcome; a column whose type changes is refused with a clear error."""
    for field in incoming:
        index = stored.get_field_index(field.name)
        if index < 0:
            continue
        before = stored.field(index).type
        if not _same_type(before, field.type):
            raise SchemaMismatchError(
                f"table {name!r}: column {field.name!r} is stored as {before} but the new rows have {field.type}. "
                "Changing a column's type would make old files unreadable; add a new column instead."
            )


def _same_type(a: pa.DataType, b: pa.DataType) -> bool:
    if a == b:
        return True
    loose = {pa.large_string(): pa.string(), pa.large_binary(): pa.binary()}
    return loose.get(a, a) == loose.get(b, b) or (pa.types.is_list(a) and pa.types.is_list(b) and _same_type(a.value_type, b.value_type))


def _load_row(load_id, flow_run_id, started_at, finished_at, status, counts) -> dict:
    return {
        "load_id": load_id,
        "flow_run_id": flow_run_id,
        "started_at": started_at,
        "finished_at": finished_at,
        "status": status,
        "counts": json.dumps(counts, sort_keys=True, default=str),
    }


def query(sql: str, params: list | None = None) -> list[tuple]:
    """Run one query on a private connection (never DuckDB's shared default connection)."""
    con = duckdb.connect()
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _local_path(uri: str) -> str:
    return uri[len("file://"):] if uri.startswith("file://") else uri


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(paths: list[str]) -> str:
    return "[" + ", ".join(_quote(p) for p in paths) + "]"


def env_warehouse(default: str = "data/warehouse") -> str:
    return os.environ.get("NEWSFLOW_WAREHOUSE", default)
