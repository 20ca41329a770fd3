"""`newsflow migrate`: an earlier Delta Lake warehouse's rows into a DuckLake warehouse.

Earlier versions wrote each table as a Delta table under `<root>/<table>/`, with every row
tagged by its `load_id`, and showed readers only rows of committed loads (`loads.status =
'committed'`), the newest committed version of versioned rows (stories, story_members,
events) and, for tables a reprocess rebuilt (`loads.replaces`), only rows of loads committed
since. This module reads the old tables by those same rules and writes what a reader saw, in
one transaction of the new warehouse.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.lake import Warehouse
from warehouse.publish import commit_message, publish_tables, split_story_rows
from warehouse.schemas import DEDUP_STORIES, TABLES
from warehouse.signatures import PACK_LIST_SQL
from warehouse.story_vectors import rebuild as rebuild_story_vectors

VERSIONED = {"stories", "story_members", "events"}
# columns stored in another form now, as SQL over the old rows
RETYPED_COLUMNS = {"fingerprints": f"* REPLACE ({PACK_LIST_SQL} AS minhash)"}


class MigrateError(ValueError):
    """The source is not an earlier newsflow warehouse, or the target is not empty."""


def migrate_delta(source: str | Path, target: Warehouse) -> dict[str, int]:
    """Copy the committed, current rows of every table; returns the rows written per table."""
    try:
        from deltalake import DeltaTable
        from deltalake.exceptions import TableNotFoundError
    except ImportError as exc:  # pragma: no cover - deltalake is a dependency
        raise MigrateError("reading a Delta warehouse needs the deltalake package") from exc
    root = Path(source).resolve()
    if not (root / "loads" / "_delta_log").is_dir():
        raise MigrateError(f"{root} is not a Delta warehouse of an earlier newsflow (no loads/_delta_log)")
    if target.exists():
        with target.reading() as con:
            if con.execute("SELECT count(*) FROM loads").fetchone()[0]:
                raise MigrateError(f"{target.root} already holds runs: migrate into a new warehouse")

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    present = []
    for name in TABLES:
        try:
            files = DeltaTable(str(root / name)).file_uris()
        except TableNotFoundError:
            continue
        if files:
            listing = "[" + ", ".join("'" + f.removeprefix("file://").replace("'", "''") + "'" for f in files) + "]"
            columns = RETYPED_COLUMNS.get(name, "*")
            con.execute(f'CREATE OR REPLACE VIEW "_raw_{name}" AS SELECT {columns} FROM read_parquet({listing}, union_by_name = true)')
            present.append(name)
    if "loads" not in present:
        raise MigrateError(f"{root} has no committed loads")
    con.execute("CREATE VIEW _committed AS SELECT load_id, max(finished_at) AS committed_at FROM _raw_loads WHERE status = 'committed' GROUP BY load_id")
    has_replaces = "replaces" in [r[0] for r in con.execute("DESCRIBE _raw_loads").fetchall()]
    epochs = (
        "SELECT t AS table_name, max(finished_at) AS since FROM "
        "(SELECT unnest(replaces) AS t, finished_at FROM _raw_loads WHERE status = 'committed') GROUP BY t"
        if has_replaces else "SELECT NULL::VARCHAR AS table_name, NULL::TIMESTAMPTZ AS since WHERE false"
    )
    con.execute(f"CREATE VIEW _epochs AS {epochs}")

    batches: dict[str, pa.Table] = {}
    for name in present:
        if name == "loads":
            continue
        batches[name] = _current_rows(con, name)
    loads = con.sql(
        "SELECT l.load_id, l.flow_run_id, l.started_at, l.finished_at, l.status, l.counts, "
        "json_extract_string(l.counts, '$.source') AS source FROM _raw_loads l WHERE status = 'committed' ORDER BY finished_at"
    ).to_arrow_table()
    con.close()
    if "stories" in batches:
        stories = batches.pop("stories")
        for field in DEDUP_STORIES:  # merged_into, the member each field came from: newer than the Delta tables
            if field.name not in stories.column_names:
                stories = stories.append_column(field.name, pa.nulls(stories.num_rows, field.type))
        batches["stories"], merges = split_story_rows(stories.select(DEDUP_STORIES.names).cast(DEDUP_STORIES))
        batches["story_merges"] = merges
    batches["loads"] = loads
    written: dict[str, int] = {}
    with target.writing() as out:
        written = publish_tables(out, batches)
        written["story_vectors"] = rebuild_story_vectors(out)  # newer than the Delta warehouses
        commit_message(out, "migrate", f"migrated from {root}")
    return written


def _current_rows(con: duckdb.DuckDBPyConnection, name: str) -> pa.Table:
    """The rows an earlier newsflow's view of `name` showed (committed, current), as stored."""
    visible = (
        "SELECT load_id, committed_at FROM _committed WHERE committed_at >= coalesce("
        f"(SELECT since FROM _epochs WHERE table_name = '{name}'), '-infinity'::TIMESTAMPTZ)"
    )
    if name in VERSIONED:
        keys = ", ".join(f't."{k}"' for k in TABLES[name].key)
        return con.sql(
            f'SELECT t.* FROM "_raw_{name}" t JOIN ({visible}) c USING (load_id) '
            f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY c.committed_at DESC, t.load_id DESC) = 1"
        ).to_arrow_table()
    return con.sql(f'SELECT * FROM "_raw_{name}" WHERE load_id IN (SELECT load_id FROM ({visible}))').to_arrow_table()
