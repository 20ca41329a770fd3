"""Writing batches into the lake's tables: insert (skipping stored keys), upsert and delete by key.

    written = insert(con, spec, batch, only_new=True)   # inside a run's transaction
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from warehouse.lake import ALIAS
from warehouse.schemas import TableSpec
from warehouse.sql import quote_ident, quote_literal

# A statement may list the keys it probes as constants: DuckLake then skips the files whose
# min/max (in the catalog) cannot hold one, and the Parquet scan the row groups (the tables are
# sorted by key); a semi-join reads the whole key column. But each constant is compared with
# every row read: a DELETE by 3,000 string keys on 300k rows took 213 ms as constants, 27 ms as a
# semi-join (10 keys: 24 vs 25 ms). So string keys go in as constants up to KEY_CONSTANTS (a
# scheduled run's few), integer band keys up to LITERAL_KEYS (the band table is sorted and read
# in small row groups: at 1M articles a run's 3,200 bands as constants beat the join ~3×, docs/DESIGN.md).
KEY_CONSTANTS = 100
LITERAL_KEYS = 20_000


def insert(con: duckdb.DuckDBPyConnection, spec: TableSpec, batch: pa.Table, only_new: bool = False) -> int:
    """Insert a batch's rows (cast to the table's schema); `only_new` skips keys already stored
    and repeats within the batch. Returns the rows written."""
    if batch.num_rows == 0:
        return 0
    batch = conform(spec, batch)
    con.register("_batch", batch)
    try:
        source = "_batch"
        if only_new:
            keys = ", ".join(quote_ident(k) for k in spec.key)
            stored = key_filter(spec.key, batch) or f"({keys}) IN (SELECT ({keys}) FROM _batch)"
            source = (
                f"(SELECT * FROM _batch QUALIFY row_number() OVER (PARTITION BY {keys}) = 1) "
                f'ANTI JOIN (SELECT {keys} FROM {ALIAS}."{spec.name}" WHERE {stored}) USING ({keys})'
            )
        written = con.execute(f'INSERT INTO {ALIAS}."{spec.name}" BY NAME SELECT * FROM {source}').fetchone()[0]
    finally:
        con.unregister("_batch")
    return int(written)


def upsert(con: duckdb.DuckDBPyConnection, spec: TableSpec, batch: pa.Table, stored: pa.Table | None = None) -> int:
    """Replace the rows whose key the batch holds by the batch's rows (the last one of each key).

    `stored`: the keys that may be stored (default: the batch's); none spares the DELETE. A key of
    `stored` the batch lacks loses its row (a story whose new canonical article has no vector).
    DELETE + INSERT rather than MERGE: a MERGE writes a Parquet file however few its rows, while
    these stay inlined in the catalog until upkeep flushes them.
    """
    stored = batch if stored is None else stored
    if stored.num_rows:
        delete_keys(con, spec, stored)
    if batch.num_rows == 0:
        return 0
    return insert(con, spec, batch.take(_last_of_each_key(batch, spec.key)))


def delete_keys(con: duckdb.DuckDBPyConnection, spec: TableSpec, batch: pa.Table) -> None:
    """Delete the stored rows whose key occurs in `batch`."""
    listed = key_filter(spec.key, batch)
    if listed:
        con.execute(f'DELETE FROM {ALIAS}."{spec.name}" WHERE {listed}')
        return
    keys = ", ".join(quote_ident(k) for k in spec.key)
    con.register("_keys", batch.select(list(spec.key)))
    try:
        con.execute(f'DELETE FROM {ALIAS}."{spec.name}" WHERE ({keys}) IN (SELECT ({keys}) FROM _keys)')
    finally:
        con.unregister("_keys")


def key_filter(key: tuple[str, ...], batch: pa.Table) -> str | None:
    """`"k" IN (constants)` for a one-column string or integer key with up to KEY_CONSTANTS
    values in `batch`; None otherwise (the caller joins)."""
    if len(key) != 1 or batch.num_rows > KEY_CONSTANTS:
        return None
    column = batch.column(key[0])
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type) or pa.types.is_integer(column.type)):
        return None
    return in_list(key[0], [v for v in column.to_pylist() if v is not None])


def in_list(column: str, values: list) -> str:
    """`"column" IN (v, ...)` with the values as SQL constants (sorted, each once); no values: false."""
    if not values:
        return "false"
    listed = ", ".join(str(int(v)) if isinstance(v, int) else quote_literal(v) for v in sorted(set(values)))
    return f"{quote_ident(column)} IN ({listed})"


def _last_of_each_key(batch: pa.Table, key: tuple[str, ...]) -> list[int]:
    last: dict[tuple, int] = {}
    for i, k in enumerate(zip(*(batch.column(c).to_pylist() for c in key))):
        last[k] = i
    return sorted(last.values())


def conform(spec: TableSpec, batch: pa.Table) -> pa.Table:
    """The spec's columns in order, cast to their types (missing ones null); NOT NULL checked here,
    so a bad row fails with the column's name rather than deep inside the writer."""
    columns = []
    for field in spec.schema:
        if field.name in batch.column_names:
            column = batch.column(field.name).cast(field.type)
            if not field.nullable and column.null_count:
                raise ValueError(f"table {spec.name!r}: column {field.name!r} must not be null")
        else:
            column = pa.nulls(batch.num_rows, field.type)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=pa.schema([f.with_nullable(True) for f in spec.schema]))
