"""The table store: loads become visible atomically, re-appends add nothing, schemas evolve safely."""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow as pa
import pytest

from warehouse.publish import publish_tables
from warehouse.schemas import LINKS, STORIES, TABLES, TableSpec
from warehouse.store import SchemaMismatchError, Warehouse
from warehouse.views import connect

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def links(load_id: str, urls: list[str]) -> pa.Table:
    return pa.Table.from_pylist([{"article_id": "a1", "url": u, "kind": "inline", "load_id": load_id} for u in urls], schema=LINKS.schema)


def load(wh: Warehouse, load_id: str, batches: dict[str, pa.Table], commit: bool = True) -> None:
    with wh.writing():
        wh.start_load(load_id, None, NOW)
        publish_tables(wh, batches)
        if commit:
            wh.commit_load(load_id, None, NOW, {})


def count(wh: Warehouse, table: str) -> int:
    return connect(wh).execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def test_rows_of_an_uncommitted_load_are_invisible_then_removed(tmp_path):
    wh = Warehouse(tmp_path)
    load(wh, "L1", {"links": links("L1", ["https://a.example/1"])})
    load(wh, "L2", {"links": links("L2", ["https://a.example/2"])}, commit=False)  # a run that died before committing
    assert count(wh, "links") == 1
    raw = connect(wh).execute("SELECT count(*) FROM _raw_links").fetchall()[0][0]
    assert raw == 2  # the rows are there, only the view hides them
    with wh.writing():  # the next writer cleans up first
        pass
    assert connect(wh).execute("SELECT count(*) FROM _raw_links").fetchall()[0][0] == 1
    statuses = dict(connect(wh).execute("SELECT load_id, status FROM loads WHERE load_id = 'L2'").fetchall())
    assert statuses == {"L2": "aborted"}


def test_append_new_skips_stored_keys(tmp_path):
    wh = Warehouse(tmp_path)
    load(wh, "L1", {"links": links("L1", ["https://a.example/1"])})
    load(wh, "L2", {"links": links("L2", ["https://a.example/1", "https://a.example/2", "https://a.example/2"])})
    assert count(wh, "links") == 2


def test_versioned_tables_show_the_newest_committed_version(tmp_path):
    wh = Warehouse(tmp_path)
    story = {"story_id": "s1", "title": "old", "article_count": 1}
    load(wh, "L1", {"stories": pa.Table.from_pylist([{**story, "load_id": "L1"}], schema=STORIES.schema)})
    load(wh, "L2", {"stories": pa.Table.from_pylist([{**story, "title": "new", "article_count": 2, "load_id": "L2"}], schema=STORIES.schema)})
    assert connect(wh).execute("SELECT title, article_count FROM stories").fetchall() == [("new", 2)]


def test_added_column_keeps_old_rows_readable(tmp_path):
    wh = Warehouse(tmp_path)
    load(wh, "L1", {"links": links("L1", ["https://a.example/1"])})
    evolved = links("L2", ["https://a.example/2"]).append_column("rel", pa.array(["nofollow"]))
    load(wh, "L2", {"links": evolved})
    rows = connect(wh).execute("SELECT url, rel FROM links ORDER BY url").fetchall()
    assert rows == [("https://a.example/1", None), ("https://a.example/2", "nofollow")]


def test_type_change_is_refused_with_a_clear_error(tmp_path):
    wh = Warehouse(tmp_path)
    load(wh, "L1", {"links": links("L1", ["https://a.example/1"])})
    spec = TableSpec("links", pa.schema([f if f.name != "text" else pa.field("text", pa.int64()) for f in LINKS.schema]), LINKS.key)
    bad = pa.Table.from_pylist([{"article_id": "a2", "url": "u", "kind": "inline", "text": 5, "load_id": "L2"}], schema=spec.schema)
    with pytest.raises(SchemaMismatchError, match="column 'text' is stored as string"):
        wh.append(spec, bad)
    assert count(wh, "links") == 1


def test_every_table_has_a_key_and_load_id():
    for spec in TABLES.values():
        assert spec.key and all(k in spec.schema.names for k in spec.key)
        assert "load_id" in spec.schema.names
