"""Table snapshots of any warehouse (folder or s3://), for "same tables as a local run" tests."""

from __future__ import annotations

from tests.reliability.helpers import VOLATILE, _hashable
from warehouse.schemas import TABLES
from warehouse.lake import Warehouse
from warehouse.lake import connect

# every table a run writes rows into (loads records when, not what)
ALL_TABLES = [name for name in TABLES if name != "loads"]


def snapshot_tables(warehouse: Warehouse, tables: list[str]) -> dict[str, set[tuple]]:
    """Each table's visible rows as a set, without the columns that record when; asserts no duplicates."""
    con = connect(warehouse)
    out = {}
    for table in tables:
        columns = [c for c in con.sql(f'SELECT * FROM "{table}"').columns if c not in VOLATILE]
        select = ", ".join(f'"{c}"' for c in columns)
        rows = con.execute(f'SELECT {select} FROM "{table}"').fetchall()
        out[table] = {tuple(_hashable(v) for v in row) for row in rows}
        assert len(out[table]) == len(rows), f"duplicate rows in {table}"
    con.close()
    return out
