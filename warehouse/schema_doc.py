"""Markdown reference of every table, generated from `warehouse/schemas.py`.

    .venv/bin/python -m warehouse.schema_doc > docs/SCHEMA.md

tests/warehouse/test_schema_doc.py fails when docs/SCHEMA.md and the schema module disagree.
"""

from __future__ import annotations

import sys

import pyarrow as pa

from warehouse.schemas import TABLES, TableSpec
from warehouse.sql import duckdb_type

HEADER = """# Warehouse schema

Generated from `warehouse/schemas.py` by `.venv/bin/python -m warehouse.schema_doc > docs/SCHEMA.md`;
do not edit by hand (a test compares the two).

Every table is a table of one DuckLake (catalog `<warehouse>/catalog.sqlite` or PostgreSQL,
Parquet files under `<warehouse>/data/`), the same for `newsflow sql`, `newsflow shell`,
`warehouse.lake.connect` and any DuckDB client that attaches the lake. A run writes every
table in one transaction. **Key**: the columns that identify a row. **Current state** tables
are updated in place (their past lives in the lake's snapshots: `newsflow sql --as-of`).
**Sorted by**: the order of the table's Parquet files (lookups by it skip files).
"""


def render_schema_doc(tables: dict[str, TableSpec] = TABLES) -> str:
    """The whole reference as markdown, tables in the schema module's order."""
    parts = [HEADER, "| table | what a row is |", "|---|---|"]
    parts += [f"| [`{s.name}`](#{s.name}) | {_cell(s.doc)} |" for s in tables.values()]
    for spec in tables.values():
        parts += ["", f"## {spec.name}", "", spec.doc or "(no description)", ""]
        flags = [f"key: `{', '.join(spec.key)}`"]
        if spec.current_state:
            flags.append("current state")
        if spec.sorted_by:
            flags.append(f"sorted by: `{', '.join(spec.sorted_by)}`")
        parts += ["; ".join(flags), "", "| column | Arrow type | DuckDB type | nullable |", "|---|---|---|---|"]
        for field in spec.schema:
            parts.append(f"| `{field.name}` | `{_arrow(field.type)}` | `{duckdb_type(field.type)}` | "
                         f"{'yes' if field.nullable else 'no'} |")
    return "\n".join(parts) + "\n"


def _arrow(t: pa.DataType) -> str:
    return str(t).replace("|", "\\|")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


if __name__ == "__main__":
    sys.stdout.write(render_schema_doc())
