"""Bringing a lake's tables to what warehouse/schemas.py declares, when a writer opens it:
missing tables created (with their sort order) and their options set, missing columns added and
filled, changed column types rewritten, derived tables filled from the tables they come from.
Each change is made once, in a transaction of its own; a lake already in shape costs a look at
its catalog.
"""

from __future__ import annotations

import sys

import duckdb

from warehouse.keys import ARTICLE_KEY_SQL, EXACT_KINDS, exact_key_sql
from warehouse.schemas import TABLES
from warehouse.signatures import PACK_LIST_SQL
from warehouse.sql import duckdb_type, quote_ident, quote_literal
from warehouse.story_vectors import ROWS_SQL as STORY_VECTOR_ROWS

LARGE_TABLE_ROWS = 2_000  # stored rows past which filling a new column says so on stderr

# Options of single tables (DuckLake scopes them per table):
# - Parquet row groups of the tables a run reads by key: it probes them for a few keys given as
#   constants, and the scan reads only the row groups whose min/max may hold one (the files are
#   sorted by key); DuckDB writes at least 2,048 rows (a vector). A row group is read whole, every
#   column the statement names: with DuckDB's default (122,880 rows) a look-up of one story read
#   the whole `stories` file of a 2,000-run lake, and a 1M-article lake's 122,880 rows per key.
# - Tables of large rows (raw pages, article bodies) are inlined only for small runs: inlining
#   costs ~6 ms a 100 kB row at commit against ~0.5 ms in Parquet, so a run of 120 real pages
#   spent 6 s committing them; the few rows of a scheduled run stay inlined (no file per run).
TABLE_OPTIONS = {
    ("parquet_row_group_size", "fingerprint_bands"): 2_048,
    ("parquet_row_group_size", "fingerprints"): 2_048,
    ("parquet_row_group_size", "documents"): 2_048,
    ("parquet_row_group_size", "sightings"): 2_048,
    ("parquet_row_group_size", "articles"): 2_048,
    ("parquet_row_group_size", "stories"): 2_048,
    ("parquet_row_group_size", "story_members"): 2_048,
    ("parquet_row_group_size", "embeddings"): 2_048,
    ("parquet_row_group_size", "story_vectors"): 2_048,  # read by date range: the event window
    ("data_inlining_row_limit", "documents"): 20,
    ("data_inlining_row_limit", "articles"): 20,
}

# Columns added to a lake made before them get their values for the stored rows, in the
# transaction that adds them (once: the look-ups rely on them)
BACKFILL = {
    ("fingerprints", "article_key"): ARTICLE_KEY_SQL,
    ("fingerprint_bands", "article_key"): ARTICLE_KEY_SQL,
    ("fingerprint_bands", "kind"): "'band'",
}
# ... and rows some new columns bring along: the exact keys of every stored fingerprint
BACKFILL_ROWS = {
    ("fingerprint_bands", "kind"): " UNION ALL ".join(
        f"SELECT {exact_key_sql(kind, kind)} AS band, article_id, load_id, article_key, '{kind}' AS kind "
        f"FROM fingerprints WHERE \"{kind}\" IS NOT NULL" for kind in EXACT_KINDS
    ),
}

# Tables derived from others (table: the source its rows need, the rows): a lake made before one
# gets its rows when a writer opens it
DERIVED_ROWS = {"story_vectors": ("embeddings", STORY_VECTOR_ROWS)}

# Columns whose stored type changed: a lake made before gets the column rewritten once, in the
# transaction that opens it with this version (the expression reads the old column by its name)
RETYPE = {
    ("fingerprints", "minhash"): PACK_LIST_SQL,  # list<int64> -> 512-byte BLOB (warehouse/signatures.py)
}


def ensure_tables(con: duckdb.DuckDBPyConnection, alias: str) -> None:
    """Create missing tables and add missing columns, as warehouse/schemas.py declares them, and
    give tables their own options (TABLE_OPTIONS: row-group size, inlining; not allowed in the transaction
    that creates a table, and not a snapshot of its own)."""
    stored: dict[str, dict[str, str]] = {}
    for table, column, data_type in con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND schema_name = 'main'", [alias]
    ).fetchall():
        stored.setdefault(table, {})[column] = data_type
    table_options = {(name, scope.split(".")[-1]): value for name, value, scope in con.execute(
        f"SELECT option_name, value, scope_entry FROM {alias}.options() WHERE scope = 'TABLE'"
    ).fetchall() if scope is not None}  # a dropped table's options stay listed, with no name
    unset = {key: n for key, n in TABLE_OPTIONS.items() if table_options.get(key) != str(n)}
    retyped = [(table, column) for (table, column) in RETYPE
               if column in stored.get(table, {}) and stored[table][column] != duckdb_type(TABLES[table].schema.field(column).type)]
    if retyped or not all(spec.name in stored and set(spec.schema.names) <= set(stored[spec.name]) for spec in TABLES.values()):
        con.execute("BEGIN TRANSACTION")  # one snapshot for the whole schema change
        for spec in TABLES.values():
            if spec.name not in stored:
                columns = ", ".join(f'"{f.name}" {duckdb_type(f.type)}' for f in spec.schema)
                con.execute(f'CREATE TABLE IF NOT EXISTS {alias}."{spec.name}" ({columns})')
                if spec.sorted_by:
                    con.execute(f'ALTER TABLE {alias}."{spec.name}" SET SORTED BY ({", ".join(quote_ident(c) for c in spec.sorted_by)})')
                continue
            for field in spec.schema:
                if field.name not in stored[spec.name]:
                    con.execute(f'ALTER TABLE {alias}."{spec.name}" ADD COLUMN "{field.name}" {duckdb_type(field.type)}')
                    _backfill(con, alias, spec.name, field.name)
        for table, column in retyped:
            _retype(con, alias, table, column, duckdb_type(TABLES[table].schema.field(column).type))
        con.execute("COMMIT")
    for (option, table), value in unset.items():  # writes from now on (runs, flushes, merges) use them
        con.execute(f"CALL {alias}.set_option({quote_literal(option)}, {int(value)}, table_name => {quote_literal(table)})")
    for table, (source, rows_sql) in DERIVED_ROWS.items():  # after the options: the rows go to files of the table's row groups
        empty, has_source = con.execute(f'SELECT NOT EXISTS (FROM {alias}."{table}"), EXISTS (FROM {alias}."{source}")').fetchone()
        if empty and has_source:
            con.execute("BEGIN TRANSACTION")
            con.execute(f'INSERT INTO {alias}."{table}" BY NAME {rows_sql}')
            con.execute("COMMIT")


def _backfill(con: duckdb.DuckDBPyConnection, alias: str, table: str, column: str) -> None:
    """Give the stored rows their value of a column just added (BACKFILL), if it has one, and
    add the rows the column brings along (BACKFILL_ROWS)."""
    expression = BACKFILL.get((table, column))
    if expression is None:
        return
    rows = con.execute(f'SELECT count(*) FROM {alias}."{table}"').fetchone()[0]
    if not rows:
        return
    if rows >= LARGE_TABLE_ROWS:  # a large lake's first open by this version: say why it takes a while
        print(f"warehouse: filling the new column {table}.{column} for {rows:,} stored rows (once)", file=sys.stderr, flush=True)
    con.execute(f'UPDATE {alias}."{table}" SET "{column}" = {expression}')
    rows_sql = BACKFILL_ROWS.get((table, column))
    if rows_sql is not None:
        con.execute(f'INSERT INTO {alias}."{table}" BY NAME {rows_sql}')


def _retype(con: duckdb.DuckDBPyConnection, alias: str, table: str, column: str, new_type: str) -> None:
    """Rewrite a stored column to its new type (RETYPE): a new column filled from the old one,
    the old one dropped, the new one given its name."""
    rows = con.execute(f'SELECT count(*) FROM {alias}."{table}"').fetchone()[0]
    if rows >= LARGE_TABLE_ROWS:
        print(f"warehouse: rewriting {table}.{column} as {new_type} for {rows:,} stored rows (once)", file=sys.stderr, flush=True)
    staged = f"{column}__{new_type.lower()}"
    con.execute(f'ALTER TABLE {alias}."{table}" ADD COLUMN "{staged}" {new_type}')
    if rows:
        con.execute(f'UPDATE {alias}."{table}" SET "{staged}" = {RETYPE[(table, column)]}')
    con.execute(f'ALTER TABLE {alias}."{table}" DROP COLUMN "{column}"')
    con.execute(f'ALTER TABLE {alias}."{table}" RENAME COLUMN "{staged}" TO "{column}"')
