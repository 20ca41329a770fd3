"""Upkeep keeps the lake small without changing what readers see; time travel by snapshot, time, load."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyarrow as pa

from tests.warehouse.test_lake import links, run
from warehouse.lake import Warehouse, connect
from warehouse.maintenance import UpkeepPolicy, compact, history, live_file_counts, resolve_as_of, upkeep, vacuum
from warehouse.schemas import DEDUP_STORIES


def rows(wh, sql, as_of=None):
    con = connect(wh, as_of=as_of)
    try:
        return sorted(con.execute(sql).fetchall())
    finally:
        con.close()


def parquet_files(wh: Warehouse) -> int:
    return sum(1 for _ in Path(wh.root, "data").rglob("*.parquet"))


def write_runs(wh: Warehouse, n: int) -> None:
    for i in range(n):
        stories = pa.Table.from_pylist([{"story_id": "s1", "title": f"v{i}", "article_count": i, "merged_into": None, "load_id": f"L{i}"}],
                                       schema=DEDUP_STORIES)
        run(wh, f"L{i}", {"links": links(f"L{i}", [f"https://a.example/{i}"]), "stories": stories})


def test_small_runs_stay_in_the_catalog_until_compact_writes_sorted_files(tmp_path):
    wh = Warehouse(tmp_path)
    write_runs(wh, 6)
    assert parquet_files(wh) == 0  # inlined: six runs made no Parquet file
    before = rows(wh, "SELECT url FROM links")
    report = compact(wh)
    assert report["tables_flushed"] >= 2
    con = wh.connect(read_only=False)
    assert live_file_counts(con)["links"] == 1 and live_file_counts(con)["stories"] == 1
    con.close()
    assert rows(wh, "SELECT url FROM links") == before
    assert rows(wh, "SELECT title, article_count FROM stories") == [("v5", 5)]


def test_upkeep_flushes_and_merges_when_thresholds_pass(tmp_path):
    wh = Warehouse(tmp_path)
    policy = UpkeepPolicy(flush_snapshots=3, merge_files=2, retention=timedelta(days=7))
    done = []
    for i in range(10):
        write_runs_one = pa.Table.from_pylist([{"story_id": f"s{i}", "title": "t", "merged_into": None, "load_id": f"L{i}"}], schema=DEDUP_STORIES)
        with wh.writing(upkeep=False) as con:
            from warehouse.publish import publish_tables

            publish_tables(con, {"links": links(f"L{i}", [f"https://a.example/{i}"]), "stories": write_runs_one})
        con = wh.connect(read_only=False)
        done.append(upkeep(con, policy))
        assert max(live_file_counts(con).values()) <= policy.merge_files + 1
        con.close()
    assert sum(d.get("tables_flushed", 0) for d in done) >= 2
    assert any(d.get("tables_merged") for d in done)
    assert len(rows(wh, "SELECT url FROM links")) == 10 and len(rows(wh, "SELECT story_id FROM stories")) == 10


def test_merges_leave_settled_files_be_and_gather_the_new_rows_in_one(tmp_path):
    """A file past `settled_bytes` is not rewritten by later merges (a merge would otherwise
    rewrite the whole table every flush); the small files flushed after it merge into one."""
    wh = Warehouse(tmp_path)
    run(wh, "L0", {"links": links("L0", [f"https://a.example/big/{i}" for i in range(800)])})
    con = wh.connect(read_only=False)
    upkeep(con, UpkeepPolicy(flush_snapshots=0), force=True)
    ((big, big_size),) = con.execute("SELECT data_file, data_file_size_bytes FROM ducklake_list_files('lake', 'links')").fetchall()
    con.close()
    policy = UpkeepPolicy(flush_snapshots=1, merge_files=1, settled_bytes=big_size, retention=timedelta(days=7))
    for i in range(1, 5):
        run(wh, f"L{i}", {"links": links(f"L{i}", [f"https://a.example/{i}"])})
        con = wh.connect(read_only=False)
        upkeep(con, policy)
        files = dict(con.execute("SELECT data_file, data_file_size_bytes FROM ducklake_list_files('lake', 'links')").fetchall())
        con.close()
        assert big in files  # never rewritten
        assert len(files) <= 2 + 1  # the settled file, the merged small one, at most one new flush
    assert len(files) == 2 and all(size < big_size for path, size in files.items() if path != big)
    assert len(rows(wh, "SELECT url FROM links")) == 804


def test_vacuum_expires_old_snapshots_and_keeps_current_rows(tmp_path):
    wh = Warehouse(tmp_path)
    write_runs(wh, 3)
    compact(wh)
    before = rows(wh, "SELECT url FROM links")
    report = vacuum(wh, retention=timedelta(0))
    assert report["snapshots_expired"] >= 3
    assert rows(wh, "SELECT url FROM links") == before
    assert rows(wh, "SELECT title FROM stories") == [("v2",)]


def test_time_travel_by_snapshot_timestamp_and_load_id(tmp_path):
    wh = Warehouse(tmp_path)
    run(wh, "L1", {"links": links("L1", ["https://a.example/1"])})
    run(wh, "L2", {"links": links("L2", ["https://a.example/2"])})
    versions = history(wh)
    assert [v[2] for v in versions] == ["L1", "L2"]
    first, first_time = versions[0][0], versions[0][1]
    assert rows(wh, "SELECT url FROM links", resolve_as_of(wh, str(first))) == [("https://a.example/1",)]
    assert rows(wh, "SELECT url FROM links", resolve_as_of(wh, "L1")) == [("https://a.example/1",)]
    assert rows(wh, "SELECT url FROM links", resolve_as_of(wh, first_time.isoformat())) == [("https://a.example/1",)]
    assert len(rows(wh, "SELECT url FROM links", resolve_as_of(wh, "L2"))) == 2
