"""docs/SCHEMA.md is generated from warehouse/schemas.py; this fails when they disagree."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa

from tests.conftest import REPO
from warehouse.schema_doc import render_schema_doc
from warehouse.schemas import TABLES

REGENERATE = ".venv/bin/python -m warehouse.schema_doc > docs/SCHEMA.md"


def test_schema_doc_matches_the_schema_module():
    doc = (REPO / "docs" / "SCHEMA.md").read_text(encoding="utf-8")
    assert doc == render_schema_doc(), f"docs/SCHEMA.md is out of date with warehouse/schemas.py: run `{REGENERATE}`"


def test_every_table_and_column_is_documented():
    doc = render_schema_doc()
    for spec in TABLES.values():
        assert f"\n## {spec.name}\n" in doc and spec.doc in doc
        for field in spec.schema:
            assert f"| `{field.name}` |" in doc.split(f"\n## {spec.name}\n", 1)[1]


def test_a_schema_change_changes_the_doc():
    articles = TABLES["articles"]
    changed = {**TABLES, "articles": replace(articles, schema=articles.schema.append(pa.field("paywalled", pa.bool_())))}
    assert render_schema_doc(changed) != render_schema_doc()
    assert render_schema_doc({k: v for k, v in TABLES.items() if k != "events"}) != render_schema_doc()
