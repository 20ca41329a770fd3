"""article_key: the number the band look-up reads instead of the article id (warehouse/keys.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import duckdb
import pyarrow as pa

from tasks.dedup.fingerprint import fingerprint_articles, with_bands
from tasks.normalize.documents import article_id
from warehouse.keys import ARTICLE_KEY_SQL, article_key, article_keys, exact_key, exact_key_sql
from warehouse.lake import Warehouse, close_instances
from warehouse.lookups import load_dedup_context, stored_copies
from warehouse.publish import commit_message, load_row, publish_tables

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
IDS = [article_id("d1"), article_id("d2", 3), "a1", "", "ÄÖ-not-hex", "0123456789abcdeF" + "0" * 16, "ffffffffffffffff"]


def test_the_sql_key_is_the_python_key_for_any_id():
    con = duckdb.connect()
    got = con.execute(f"SELECT {ARTICLE_KEY_SQL} FROM unnest(?::VARCHAR[]) AS t(article_id)", [IDS]).fetchall()
    assert [g for (g,) in got] == [article_key(a) for a in IDS]
    assert article_keys(pa.array([IDS[0], None])).to_pylist() == [article_key(IDS[0]), None]


def test_a_batch_keeps_no_key_that_is_not_its_ids(tmp_path):
    wh = Warehouse(tmp_path)
    fps = fingerprint_articles(pa.table({"article_id": [article_id("d1")], "body": ["some words " * 30], "canonical_url": [None]}), "L1",
                               workers=1)
    stale = fps.set_column(fps.schema.get_field_index("article_key"), "article_key", pa.array([7], pa.uint64()))
    store_fingerprints(wh, "L1", stale)
    with wh.reading() as con:
        keys = {k for (k,) in con.execute("SELECT article_key FROM fingerprint_bands UNION SELECT article_key FROM fingerprints").fetchall()}
    assert keys == {article_key(article_id("d1"))}


def test_keys_of_hex_ids_sort_as_the_ids_do():
    ids = sorted(article_id(f"doc{i}") for i in range(500))
    keys = [article_key(a) for a in ids]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


def test_bands_computed_from_the_signature_are_the_stored_ones():
    articles = pa.table({"article_id": ["x1", "x2"], "body": ["one two three four five six seven eight nine ten " * 3, "a b c d e f g h"],
                         "canonical_url": [None, "https://example.org/a/b"]})
    fps = fingerprint_articles(articles, "L1", workers=1)
    recomputed = with_bands(fps.drop_columns(["bands"]))
    assert recomputed.column_names == fps.column_names
    assert recomputed.column("bands").to_pylist() == fps.column("bands").to_pylist()


def store_fingerprints(wh: Warehouse, load_id: str, fps: pa.Table) -> None:
    with wh.writing() as con:
        publish_tables(con, {"fingerprints": fps, "loads": load_row(load_id, None, NOW, {})})
        commit_message(con, load_id, "test")


@contextmanager
def as_an_older_newsflow(wh: Warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    """A plain DuckDB connection on the lake, to make it look as an older newsflow left it; the
    next writer opens the lake anew (and brings it up to date)."""
    con = duckdb.connect()
    for name in ("sqlite", "ducklake"):
        con.execute(f"LOAD {name}")
    con.execute(wh.attach_sql())
    try:
        yield con
    finally:
        con.close()
        close_instances()


def test_a_lake_made_before_the_key_gets_it_for_its_stored_rows_and_finds_them(tmp_path):
    wh = Warehouse(tmp_path)
    body = "the same long story told twice over in the same words " * 5
    stored = fingerprint_articles(pa.table({"article_id": ["older-id-not-hex", article_id("d1")], "body": [body, "other text " * 20],
                                            "canonical_url": [None, None]}), "L1", workers=1)
    store_fingerprints(wh, "L1", stored)
    with as_an_older_newsflow(wh) as con:  # the next writer adds the column and fills it
        for table in ("fingerprints", "fingerprint_bands"):
            con.execute(f"ALTER TABLE lake.{table} DROP COLUMN article_key")
    new = fingerprint_articles(pa.table({"article_id": [article_id("d9")], "body": [body], "canonical_url": [None]}), "L2", workers=1)
    with wh.writing() as con:
        assert con.execute("SELECT count(*) FROM fingerprint_bands WHERE article_key IS NULL").fetchone()[0] == 0
        keys = dict(con.execute("SELECT article_id, article_key FROM fingerprints").fetchall())
        context = load_dedup_context(con, new)
    assert keys == {a: article_key(a) for a in ("older-id-not-hex", article_id("d1"))}
    assert context.candidates.column("article_id").to_pylist() == ["older-id-not-hex"]  # an exact copy, found by band and hash


def test_a_lake_made_before_exact_keys_gets_them_and_finds_a_copy_by_its_url(tmp_path):
    wh = Warehouse(tmp_path)
    url = "https://example.org/news/2017/12/11/putin-syria"
    stored = fingerprint_articles(pa.table({"article_id": [article_id("d1")], "body": ["the first telling of the story " * 6],
                                            "canonical_url": [url]}), "L1", workers=1)
    store_fingerprints(wh, "L1", stored)
    with as_an_older_newsflow(wh) as con:  # the next writer adds the column and the exact keys
        con.execute("DELETE FROM lake.fingerprint_bands WHERE kind <> 'band'")
        con.execute("ALTER TABLE lake.fingerprint_bands DROP COLUMN kind")
    other_words = fingerprint_articles(pa.table({"article_id": [article_id("d9")], "body": ["entirely different words about it " * 6],
                                                 "canonical_url": [url]}), "L2", workers=1)
    with wh.writing() as con:
        kinds = con.execute("SELECT kind, band FROM fingerprint_bands WHERE kind <> 'band' ORDER BY kind").fetchall()
        lsh = con.execute("SELECT count(*) FROM fingerprint_bands WHERE kind = 'band'").fetchone()[0]
        context = load_dedup_context(con, other_words)
    assert kinds == [("body_hash", exact_key("body_hash", stored.column("body_hash")[0].as_py())),
                     ("url_key", exact_key("url_key", stored.column("url_key")[0].as_py()))]
    assert lsh == len(stored.column("bands")[0])
    assert not set(stored.column("bands")[0].as_py()) & set(other_words.column("bands")[0].as_py())
    assert context.candidates.column("article_id").to_pylist() == [article_id("d1")]  # no band shared: the URL key found it


def test_the_sql_exact_key_is_the_python_one():
    values = ["example.org/a/b", "ÄÖ/ü", "", "0" * 64]
    con = duckdb.connect()
    con.register("t", pa.table({"url_key": values}))
    assert [r[0] for r in con.execute(f"SELECT {exact_key_sql('url_key', 'url_key')} FROM t").fetchall()] == [
        exact_key("url_key", v) for v in values]
    assert all(0 <= exact_key("url_key", v) < 2**60 for v in values)


def test_an_exact_copy_is_found_by_its_body_hash_key_and_confirmed_by_the_hash(tmp_path):
    wh = Warehouse(tmp_path)
    body = "the same long story told twice over in the same words " * 5
    ids = [article_id("d1"), article_id("d2"), article_id("d3")]
    stored = fingerprint_articles(pa.table({"article_id": ids, "body": [body, body, "other text " * 20],
                                            "canonical_url": [None, None, None]}), "L1", workers=1)
    store_fingerprints(wh, "L1", stored)
    with wh.writing() as con:  # a stored key that only collides with the new hash's key: not a copy
        con.execute("INSERT INTO fingerprint_bands VALUES (?, ?, 'L1', ?, 'body_hash')",
                    [exact_key("body_hash", "f" * 64), ids[2], article_key(ids[2])])
    new = pa.table({"article_id": [article_id("d9"), ids[1], article_id("d8")], "body_hash": [stored.column("body_hash")[0].as_py(),
                    stored.column("body_hash")[0].as_py(), "f" * 64]})
    with wh.reading() as con:
        copies = stored_copies(con, new)
    # the smallest stored id with the same hash, never the article itself; the colliding key found d3, whose hash differs
    assert copies == {article_id("d9"): min(ids[:2]), ids[1]: ids[0]}
