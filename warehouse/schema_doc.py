"""Markdown reference of every table, generated from `warehouse/schemas.py`.

    .venv/bin/python -m warehouse.schema_doc > docs/SCHEMA.md

tests/warehouse/test_schema_doc.py fails when docs/SCHEMA.md and the schema module disagree.
"""

from __future__ import annotations

import sys

import pyarrow as pa

from warehouse.schemas import TABLES, TableSpec
from warehouse.views import duckdb_type

HEADER = """# Warehouse schema

Generated from `warehouse/schemas.py` by `.venv/bin/python -m warehouse.schema_doc > docs/SCHEMA.md`;
do not edit by hand (a test compares the two).

Every table is a Delta Lake table under `<warehouse>/<table>/` and a DuckDB view of the same name
(`warehouse.views.connect`, `newsflow sql`, `catalog.duckdb`). Views show committed loads only.
**Key**: the columns that identify a row. **Versioned** tables keep one row per key and load;
the view shows the newest committed version. `story_merges` is a view over `stories`.
"""


def render_schema_doc(tables: dict[str, TableSpec] = TABLES) -> str:
    """The whole reference as markdown, tables in the schema module's order."""
    parts = [HEADER, "| table | what a row is |", "|---|---|"]
    parts += [f"| [`{s.name}`](#{s.name}) | {_cell(s.doc)} |" for s in tables.values()]
    for spec in tables.values():
        parts += ["", f"## {spec.name}", "", spec.doc or "(no description)", ""]
        flags = [f"key: `{', '.join(spec.key)}`"]
        if spec.versioned:
            flags.append("versioned")
        parts += ["; ".join(flags), "", "| column | Arrow type | DuckDB type | nullable |", "|---|---|---|---|"]
        casts = dict(spec.view_casts)
        for field in spec.schema:
            parts.append(f"| `{field.name}` | `{_arrow(field.type)}` | `{casts.get(field.name, duckdb_type(field.type))}` | "
                         f"{'yes' if field.nullable else 'no'} |")
    return "\n".join(parts) + "\n"


def _arrow(t: pa.DataType) -> str:
    return str(t).replace("|", "\\|")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


if __name__ == "__main__":
    sys.stdout.write(render_schema_doc())
