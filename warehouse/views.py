"""DuckDB views over the live Parquet files of every table, showing committed loads only.

Two ways in: `connect()` gives an in-process connection (read-only, file access limited to
the warehouse), and `write_catalog()` writes `catalog.duckdb`, a file with only these views
that the `duckdb` CLI or any DuckDB client can open.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.schemas import TABLES, TableSpec
from warehouse.store import Warehouse, _quote

CATALOG_NAME = "catalog.duckdb"
# The duckdb CLI on PyPI lags the Python package; this storage version opens in both.
CATALOG_STORAGE_VERSION = "v1.5.0"


def view_statements(warehouse: Warehouse, as_of: datetime | None = None, con: duckdb.DuckDBPyConnection | None = None) -> list[str]:
    """CREATE VIEW statements: `_raw_<t>` over files, `<t>` over committed loads.

    An object-store warehouse registers each table's Arrow dataset on `con` (required then).
    """
    statements = []
    for spec in TABLES.values():
        source = warehouse.scan(con, spec.name, as_of=as_of) or _empty_select(spec)
        statements.append(f'CREATE OR REPLACE VIEW "_raw_{spec.name}" AS SELECT * FROM {source}')
    statements.append(
        "CREATE OR REPLACE VIEW _committed AS SELECT load_id, max(finished_at) AS committed_at "
        "FROM _raw_loads WHERE status = 'committed' GROUP BY load_id"
    )
    # a reprocess load replaces whole tables: rows of loads committed before it are superseded
    statements.append(
        "CREATE OR REPLACE VIEW _epochs AS SELECT table_name, max(finished_at) AS since FROM "
        "(SELECT unnest(replaces) AS table_name, finished_at FROM _raw_loads WHERE status = 'committed') GROUP BY table_name"
    )
    for spec in TABLES.values():
        statements.append(f'CREATE OR REPLACE VIEW "{spec.name}" AS {_public_select(spec)}')
    statements.append(
        "CREATE OR REPLACE VIEW story_merges AS SELECT story_id, merged_into, updated_at AS merged_at, load_id "
        "FROM (" + _versioned_select(TABLES["stories"]) + ") WHERE merged_into IS NOT NULL"
    )
    return statements


def _public_select(spec: TableSpec) -> str:
    if spec.name == "loads":
        return "SELECT * FROM _raw_loads"
    if spec.versioned:
        latest = _versioned_select(spec)
        if spec.name == "stories":
            return f"SELECT * EXCLUDE (merged_into) FROM ({latest}) WHERE merged_into IS NULL"
        return latest
    replace = ""
    if spec.view_casts:
        replace = " REPLACE (" + ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in spec.view_casts) + ")"
    return f'SELECT *{replace} FROM "_raw_{spec.name}" WHERE load_id IN (SELECT load_id FROM {_visible_loads(spec)})'


def current_rows_sql(spec: TableSpec) -> str:
    """The rows of a table readers see, as stored (no casts, tombstones kept): what compaction keeps."""
    if spec.name == "loads":
        return "SELECT * FROM _raw_loads"
    if spec.versioned:
        return _versioned_select(spec)
    return f'SELECT * FROM "_raw_{spec.name}" WHERE load_id IN (SELECT load_id FROM {_visible_loads(spec)})'


def _versioned_select(spec: TableSpec) -> str:
    keys = ", ".join(f't."{k}"' for k in spec.key)
    return (
        f'SELECT t.* FROM "_raw_{spec.name}" t JOIN {_visible_loads(spec)} c USING (load_id) '
        f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY c.committed_at DESC, t.load_id DESC) = 1"
    )


def _visible_loads(spec: TableSpec) -> str:
    """Committed loads whose rows in this table are current (not superseded by a reprocess)."""
    return (
        "(SELECT load_id, committed_at FROM _committed WHERE committed_at >= coalesce("
        f"(SELECT since FROM _epochs WHERE table_name = {_quote(spec.name)}), '-infinity'::TIMESTAMPTZ))"
    )


def _empty_select(spec: TableSpec) -> str:
    cols = ", ".join(f'CAST(NULL AS {duckdb_type(f.type)}) AS "{f.name}"' for f in spec.schema)
    return f"(SELECT {cols} WHERE false)"


def duckdb_type(t: pa.DataType) -> str:
    """DuckDB's name for an Arrow type, as the Parquet files store it."""
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return duckdb_type(t.value_type) + "[]"
    simple = {
        pa.string(): "VARCHAR", pa.large_string(): "VARCHAR", pa.binary(): "BLOB", pa.large_binary(): "BLOB",
        pa.int64(): "BIGINT", pa.int32(): "INTEGER", pa.int16(): "SMALLINT", pa.float64(): "DOUBLE",
        pa.float32(): "FLOAT", pa.bool_(): "BOOLEAN", pa.uint32(): "BIGINT", pa.uint64(): "BIGINT",
    }
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"
    return simple.get(t, "VARCHAR")


def connect(warehouse: Warehouse, as_of: datetime | None = None, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the warehouse views.

    read_only: file access is limited to the warehouse folder (none at all for an object store,
    whose tables are registered Arrow datasets) and the configuration is locked, so a query
    cannot read or write anything else on the machine.
    """
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for statement in view_statements(warehouse, as_of=as_of, con=con):
        con.execute(statement)
    if read_only:
        if warehouse.is_local:
            con.execute(f"SET allowed_directories = [{_quote(warehouse.root + '/')}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    return con


def write_catalog(warehouse: Warehouse) -> Path | None:
    """Rebuild `catalog.duckdb` beside the old one and swap it in atomically.

    A user may hold the old file open in the CLI (DuckDB locks it); replacing the directory
    entry never touches their open file, and their next open sees the new views.
    Local warehouses only: an object store's views are registered Arrow datasets, which live
    in one process (use `newsflow sql` or `warehouse.views.connect`).
    """
    if not warehouse.is_local:
        return None
    final = Path(warehouse.root) / CATALOG_NAME
    temp = final.with_name(f".{CATALOG_NAME}.{os.getpid()}.tmp")
    temp.unlink(missing_ok=True)
    con = duckdb.connect(str(temp), config={"storage_compatibility_version": CATALOG_STORAGE_VERSION})
    try:
        for statement in view_statements(warehouse):
            con.execute(statement)
    finally:
        con.close()
    os.replace(temp, final)
    Path(str(temp) + ".wal").unlink(missing_ok=True)
    return final
