"""The DuckLake warehouse: a transaction commits every table or none, re-inserts add nothing,
current-state tables update in place, snapshots give the past, readers cannot write."""

from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import pyarrow as pa
import pytest

from warehouse import lake as lake_module
from warehouse.keys import exact_key
from warehouse.lake import METADATA, AsOf, Warehouse, WarehouseError, close_instances, connect
from warehouse.maintenance import history, resolve_as_of
from warehouse.publish import commit_message, load_row, publish_tables
from warehouse.readonly import ReadOnlyError, check_read_only
from warehouse.rows import KEY_CONSTANTS, in_list, key_filter
from warehouse.schemas import DEDUP_STORIES, DOCUMENTS, EMBEDDINGS, EVENTS, FINGERPRINTS, LINKS, STORIES

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def links(load_id: str, urls: list[str]) -> pa.Table:
    return pa.Table.from_pylist([{"article_id": "a1", "url": u, "kind": "inline", "load_id": load_id} for u in urls], schema=LINKS.schema)


def run(wh: Warehouse, load_id: str, batches: dict[str, pa.Table]) -> None:
    with wh.writing() as con:
        publish_tables(con, {**batches, "loads": load_row(load_id, None, NOW, {"documents": 0})})
        commit_message(con, load_id, "test")


def count(wh: Warehouse, table: str, as_of: AsOf | None = None) -> int:
    with wh.reading(as_of) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def story(story_id: str, title: str, merged_into: str | None = None, load_id: str = "L") -> dict:
    return {"story_id": story_id, "title": title, "article_count": 1, "merged_into": merged_into, "load_id": load_id}


def test_a_failed_run_leaves_nothing_in_any_table(tmp_path):
    wh = Warehouse(tmp_path)
    run(wh, "L1", {"links": links("L1", ["https://a.example/1"])})
    with pytest.raises(RuntimeError, match="boom"):
        with wh.writing() as con:
            publish_tables(con, {"links": links("L2", ["https://a.example/2"]), "loads": load_row("L2", None, NOW, {})})
            raise RuntimeError("boom")
    assert count(wh, "links") == 1
    with wh.reading() as con:
        assert [r[0] for r in con.execute("SELECT load_id FROM loads").fetchall()] == ["L1"]


def test_inserts_skip_stored_keys_and_repeats(tmp_path):
    wh = Warehouse(tmp_path)
    run(wh, "L1", {"links": links("L1", ["https://a.example/1"])})
    run(wh, "L2", {"links": links("L2", ["https://a.example/1", "https://a.example/2", "https://a.example/2"])})
    assert count(wh, "links") == 2


def test_stories_update_in_place_and_absorbed_ones_move_to_story_merges(tmp_path):
    wh = Warehouse(tmp_path)
    first = pa.Table.from_pylist([story("s1", "old"), story("s2", "other")], schema=DEDUP_STORIES)
    run(wh, "L1", {"stories": first})
    second = pa.Table.from_pylist([story("s1", "new"), story("s2", "other", merged_into="s1")], schema=DEDUP_STORIES)
    run(wh, "L2", {"stories": second})
    with wh.reading() as con:
        assert con.execute("SELECT story_id, title FROM stories").fetchall() == [("s1", "new")]
        assert con.execute("SELECT story_id, merged_into FROM story_merges").fetchall() == [("s2", "s1")]
    # the past is a snapshot away
    first_run = history(wh)[0][0]
    assert sorted(r for r in _titles(wh, AsOf(snapshot=first_run))) == [("s1", "old"), ("s2", "other")]
    assert resolve_as_of(wh, "L1") == AsOf(snapshot=first_run)


def test_an_absorbed_story_leaves_its_event(tmp_path):
    wh = Warehouse(tmp_path)
    stories = pa.Table.from_pylist([story("s1", "one"), story("s2", "two"), story("s3", "three")], schema=DEDUP_STORIES)
    events = pa.Table.from_pylist([{"event_id": "e1", "story_id": s, "score": 0.6, "load_id": "L1"} for s in ("s2", "s3")],
                                  schema=EVENTS.schema)
    run(wh, "L1", {"stories": stories, "events": events})
    run(wh, "L2", {"stories": pa.Table.from_pylist([story("s1", "one"), story("s2", "two", merged_into="s1")], schema=DEDUP_STORIES)})
    with wh.reading() as con:
        assert con.execute("SELECT story_id FROM events ORDER BY story_id").fetchall() == [("s3",)]
        # every event member is a live story
        assert con.execute("SELECT count(*) FROM events e ANTI JOIN stories s USING (story_id)").fetchone()[0] == 0


def test_keys_given_as_constants_match_exactly_whatever_their_characters():
    # a one-column key goes into the statement as constants (files and row groups are skipped);
    # quotes and backslashes stay data, integers stay integers, no keys match nothing
    assert key_filter(("story_id",), pa.table({"story_id": ["b", "a'); DROP TABLE x; --", "b", None]})) == (
        '"story_id" IN (\'a\'\'); DROP TABLE x; --\', \'b\')'
    )
    assert in_list("band", [3, -2, 3]) == '"band" IN (-2, 3)' and in_list("band", []) == "false"
    assert key_filter(("band", "article_id"), pa.table({"band": [1], "article_id": ["a"]})) is None  # two columns: a join
    many = pa.table({"story_id": [f"s{i}" for i in range(KEY_CONSTANTS + 1)]})
    assert key_filter(("story_id",), many) is None  # past KEY_CONSTANTS a join is cheaper than the constants


def test_updates_and_repeats_by_quoted_keys(tmp_path):
    wh = Warehouse(tmp_path)
    odd = ["it's", "back\\slash", 'say "hi"']
    run(wh, "L1", {"stories": pa.Table.from_pylist([story(s, "old") for s in odd + ["plain"]], schema=DEDUP_STORIES),
                   "links": links("L1", [f"https://a.example/{s}" for s in odd])})
    run(wh, "L2", {"stories": pa.Table.from_pylist([story(s, "new") for s in odd], schema=DEDUP_STORIES),
                   "links": links("L2", [f"https://a.example/{s}" for s in odd + ["x'y"]])})
    with wh.reading() as con:
        assert sorted(con.execute("SELECT story_id, title FROM stories").fetchall()) == sorted(
            [(s, "new") for s in odd] + [("plain", "old")])
    assert count(wh, "links") == 4


def _titles(wh: Warehouse, as_of: AsOf) -> list[tuple]:
    with wh.reading(as_of) as con:
        return con.execute("SELECT story_id, title FROM stories").fetchall()


def test_fingerprints_bring_their_bands(tmp_path):
    wh = Warehouse(tmp_path)
    fps = pa.Table.from_pylist(
        [{"article_id": "a1", "body_hash": "h", "bands": [5, -7, 5], "load_id": "L1"}, {"article_id": "a2", "body_hash": "g", "bands": [9], "load_id": "L1"}],
        schema=FINGERPRINTS.schema,
    )
    run(wh, "L1", {"fingerprints": fps})
    with wh.reading() as con:
        rows = con.execute("SELECT band, article_id FROM fingerprint_bands WHERE kind = 'band' ORDER BY band, article_id").fetchall()
        exact = con.execute("SELECT kind, band, article_id FROM fingerprint_bands WHERE kind <> 'band' ORDER BY article_id").fetchall()
    assert rows == [(-7, "a1"), (5, "a1"), (9, "a2")]  # (band, article) is the key: a repeat is stored once
    assert exact == [("body_hash", exact_key("body_hash", "h"), "a1"), ("body_hash", exact_key("body_hash", "g"), "a2")]  # no url_key: no row


def test_a_missing_column_is_added_and_old_rows_read_as_null(tmp_path):
    wh = Warehouse(tmp_path)
    run(wh, "L1", {"links": links("L1", ["https://a.example/1"])})
    con = duckdb.connect()
    for name in ("sqlite", "ducklake"):
        con.execute(f"LOAD {name}")
    con.execute(wh.attach_sql())
    con.execute('ALTER TABLE lake.links DROP COLUMN "text"')  # as if written by an older newsflow
    con.close()
    close_instances()  # the next writer is a new process: it checks the schema when it opens the lake
    run(wh, "L2", {"links": links("L2", ["https://a.example/2"])})  # the writer adds it back
    with wh.reading() as con:
        assert con.execute("SELECT url, text FROM links ORDER BY url").fetchall() == [("https://a.example/1", None), ("https://a.example/2", None)]


def test_a_worn_instance_is_replaced_and_the_connections_it_gave_still_work(tmp_path, monkeypatch):
    monkeypatch.setattr(lake_module, "INSTANCE_USES", 3)
    wh = Warehouse(tmp_path)
    run(wh, "L1", {"links": links("L1", ["https://a.example/1"])})
    close_instances()
    marker = "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'memory' AND table_name = 'marker'"
    first = wh.connect(read_only=False)  # the instance's first connection
    first.execute("CREATE TABLE memory.main.marker (x INTEGER)")  # lives in this DuckDB instance only
    first.close()
    seen = []
    with wh.writing(upkeep=False) as con:  # its second
        publish_tables(con, {"links": links("L2", ["https://a.example/2"])})
        for _ in range(2):
            other = wh.connect(read_only=False)
            seen.append(other.execute(marker).fetchone()[0])
            other.close()
        # the run's transaction is on the retired instance: it goes on and commits
        publish_tables(con, {"links": links("L2", ["https://a.example/3"])})
    assert seen == [1, 0]  # the 3rd connection from the first instance, the 4th from a new one
    with wh.reading() as con:
        assert [u for (u,) in con.execute("SELECT url FROM links ORDER BY url").fetchall()] == [
            "https://a.example/1", "https://a.example/2", "https://a.example/3"]


def test_closing_one_lakes_instances_leaves_the_others_open(tmp_path):
    first, second = Warehouse(tmp_path / "first"), Warehouse(tmp_path / "second")
    marker = "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'memory' AND table_name = 'marker'"
    for wh in (first, second):
        run(wh, "L1", {"links": links("L1", ["https://a.example/1"])})
        con = wh.connect(read_only=False)
        con.execute("CREATE TABLE memory.main.marker (x INTEGER)")  # lives in this lake's DuckDB instance only
        con.close()
    close_instances(first)
    seen = {}
    for name, wh in (("first", first), ("second", second)):
        con = wh.connect(read_only=False)
        seen[name] = con.execute(marker).fetchone()[0]
        con.close()
    assert seen == {"first": 0, "second": 1}  # the first lake's instance is a new one, the second's is kept
    close_instances()


def test_readers_cannot_write_or_touch_files(tmp_path):
    wh = Warehouse(tmp_path)
    run(wh, "L1", {"links": links("L1", ["https://a.example/1"])})
    con = connect(wh)
    with pytest.raises(duckdb.Error):
        con.execute("INSERT INTO links (article_id, url, kind, load_id) VALUES ('x', 'y', 'inline', 'L')")
    with pytest.raises(duckdb.Error, match="disabled by configuration"):
        con.execute(f"COPY (SELECT 1) TO '{tmp_path}/evil.parquet'")
    with pytest.raises(duckdb.Error):
        con.execute("SELECT * FROM read_csv('/etc/passwd')")
    assert not (tmp_path / "evil.parquet").exists()
    for sql in ("COPY links TO 'x.csv'", "ATTACH 'x.db'", "INSTALL httpfs", "SET enable_external_access = true", "DELETE FROM links"):
        with pytest.raises(ReadOnlyError):
            check_read_only(sql)
    check_read_only("WITH a AS (SELECT 1) SELECT * FROM a; DESCRIBE links; SHOW TABLES; EXPLAIN SELECT 1")


def test_reading_a_missing_warehouse_says_so(tmp_path):
    with pytest.raises(WarehouseError, match="no warehouse at"):
        connect(Warehouse(tmp_path / "nothing-here"))


def _documents(load_id: str, n: int, start: int = 0) -> pa.Table:
    rows = [{"document_id": f"d{i}", "source": "t", "uri": f"file:///d{i}", "content": b"x" * 1000, "load_id": load_id}
            for i in range(start, start + n)]
    return pa.Table.from_pylist(rows, schema=DOCUMENTS.schema)


def test_large_rows_of_a_big_run_go_to_parquet_and_a_small_run_stays_inlined(tmp_path):
    wh = Warehouse(tmp_path / "wh")
    run(wh, "L1", {"documents": _documents("L1", 3)})
    run(wh, "L2", {"documents": _documents("L2", 25, start=3)})
    con = wh.connect(read_only=False)
    try:
        options = {(n, s.split(".")[-1]): v for n, v, s in con.execute(
            "SELECT option_name, value, scope_entry FROM lake.options() WHERE scope = 'TABLE'").fetchall()}
        files = con.execute(f"SELECT f.record_count FROM {METADATA}.ducklake_data_file f JOIN {METADATA}.ducklake_table t USING (table_id) "
                            "WHERE t.table_name = 'documents' AND f.end_snapshot IS NULL").fetchall()
        total = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        con.close()
    assert options[("data_inlining_row_limit", "documents")] == "20"
    assert options[("parquet_row_group_size", "fingerprint_bands")] == "2048"
    assert [n for (n,) in files] == [25]  # the 25-row run wrote a file; the 3-row run is inlined in the catalog
    assert total == 28


def test_a_story_looked_up_by_its_id_reads_one_row_group_not_the_table(tmp_path):
    import json

    wh = Warehouse(tmp_path / "wh")
    stories = pa.Table.from_pylist([story(f"s{i:05d}", f"title {i}") for i in range(6_000)])
    run(wh, "L1", {"stories": stories.drop_columns(["merged_into"])})  # 6,000 rows: a Parquet file of its own
    con = wh.connect(read_only=False)
    try:
        (path,) = [p for (p,) in con.execute("SELECT data_file FROM ducklake_list_files('lake', 'stories')").fetchall()]
        groups = con.execute(
            "SELECT row_group_id, min(data_page_offset), max(data_page_offset + total_compressed_size), "
            "min(stats_min) FILTER (path_in_schema = 'story_id'), max(stats_max) FILTER (path_in_schema = 'story_id') "
            f"FROM parquet_metadata('{path}') WHERE path_in_schema IN ('story_id', 'title') GROUP BY ALL ORDER BY 1"
        ).fetchall()
        con.execute("CALL enable_logging(level => 'trace')")
        rows = con.execute("SELECT title FROM stories WHERE story_id = 's03333'").fetchall()
        con.execute("CALL disable_logging()")
        reads = [json.loads(m) for (m,) in con.execute("SELECT message FROM duckdb_logs WHERE type = 'FileSystem'").fetchall()]
    finally:
        con.close()
    assert rows == [("title 3333",)]
    assert len(groups) == 3  # 2,048 rows a row group
    (hit,) = [(start, end) for _, start, end, low, high in groups if low <= "s03333" <= high]
    data_reads = [r for r in reads if r["op"] == "READ" and int(r["pos"]) < groups[-1][2]]  # not the footer
    assert data_reads and all(hit[0] <= int(r["pos"]) < hit[1] for r in data_reads)


def test_a_lake_made_before_story_vectors_gets_them_from_its_stories_and_embeddings(tmp_path):
    wh = Warehouse(tmp_path)
    stories = pa.Table.from_pylist([{"story_id": "s1", "canonical_article_id": "a1", "first_seen_at": NOW, "article_count": 1,
                                     "load_id": "L1"}], schema=STORIES.schema)
    vectors = pa.Table.from_pylist([{"article_id": "a1", "vector": [0.5, 1.0], "load_id": "L1"}], schema=EMBEDDINGS.schema)
    run(wh, "L1", {"stories": stories, "embeddings": vectors})
    with wh.writing() as con:  # as the lake looked before the table existed
        con.execute("DROP TABLE story_vectors")
    close_instances()
    with wh.writing() as con:  # the next run's open adds it, filled from the join
        assert con.execute("SELECT story_id, dated_at, canonical_article_id, vector FROM story_vectors").fetchall() == [
            ("s1", NOW, "a1", [0.5, 1.0])]
