"""compact, vacuum and time travel keep what readers see."""

from __future__ import annotations

import pyarrow as pa

from tests.warehouse.test_store import links, load
from warehouse.maintenance import compact, history, resolve_as_of, vacuum
from warehouse.schemas import STORIES
from warehouse.store import Warehouse
from warehouse.views import connect


def rows(wh, sql, as_of=None):
    return sorted(connect(wh, as_of=as_of).execute(sql).fetchall())


def test_compact_merges_files_and_drops_superseded_versions(tmp_path):
    wh = Warehouse(tmp_path)
    for n in range(4):
        load(wh, f"L{n}", {
            "links": links(f"L{n}", [f"https://a.example/{n}"]),
            "stories": pa.Table.from_pylist([{"story_id": "s1", "title": f"v{n}", "load_id": f"L{n}"}], schema=STORIES.schema),
        })
    before_links = rows(wh, "SELECT url FROM links")
    assert len(wh.files("links")) == 4
    report = compact(wh)
    assert len(wh.files("links")) == 1 and report["links"]["files_removed"] == 4
    assert report["stories"]["superseded_rows_dropped"] == 3
    assert rows(wh, "SELECT url FROM links") == before_links
    assert rows(wh, "SELECT title FROM stories") == [("v3",)]
    removed = vacuum(wh, retention_hours=0)
    assert removed["links"] == 4
    assert rows(wh, "SELECT url FROM links") == before_links


def test_time_travel_by_version_timestamp_and_load_id(tmp_path):
    wh = Warehouse(tmp_path)
    load(wh, "L1", {"links": links("L1", ["https://a.example/1"])})
    load(wh, "L2", {"links": links("L2", ["https://a.example/2"])})
    versions = history(wh)
    assert [v[1] for v in versions] == ["L1", "L2"]
    first_version = versions[0][0]
    assert rows(wh, "SELECT url FROM links", resolve_as_of(wh, str(first_version))) == [("https://a.example/1",)]
    assert rows(wh, "SELECT url FROM links", resolve_as_of(wh, "L1")) == [("https://a.example/1",)]
    assert len(rows(wh, "SELECT url FROM links", resolve_as_of(wh, "L2"))) == 2
