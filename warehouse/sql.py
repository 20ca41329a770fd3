"""SQL text from Python values: quoted names and constants, DuckDB type names of Arrow types."""

from __future__ import annotations

import pyarrow as pa


def duckdb_type(t: pa.DataType) -> str:
    """DuckDB's name for an Arrow type of the schemas."""
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return duckdb_type(t.value_type) + "[]"
    simple = {
        pa.string(): "VARCHAR", pa.large_string(): "VARCHAR", pa.binary(): "BLOB", pa.large_binary(): "BLOB",
        pa.int64(): "BIGINT", pa.int32(): "INTEGER", pa.int16(): "SMALLINT", pa.float64(): "DOUBLE",
        pa.float32(): "FLOAT", pa.bool_(): "BOOLEAN", pa.uint32(): "UINTEGER", pa.uint64(): "UBIGINT",
    }
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"
    return simple.get(t, "VARCHAR")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
