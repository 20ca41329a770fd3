"""What a poll cycle reads of the warehouse: the waiting items and feeds' validators before it
fetches, then the listed items by key (warehouse/polling.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from warehouse.lake import Warehouse, close_instances
from warehouse.polling import item_counts, last_polls, listed, url_validators, waiting_items
from warehouse.publish import publish_tables
from warehouse.schemas import ITEMS, URL_VALIDATORS

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _item(source: str, key: str, state: str) -> dict:
    row = dict.fromkeys(ITEMS.schema.names)
    return {**row, "source": source, "item_key": key, "url": f"https://news.example/{key}", "state": state, "attempts": 1,
            "first_seen_at": T0, "updated_at": T0, "feed_text": f"text of {key}", "load_id": "L1",
            "document_id": f"doc-{key}" if state == "fetched" else None}


def _lake(tmp_path) -> Warehouse:
    wh = Warehouse(tmp_path / "wh")
    states = ["fetched", "pending", "failed", "rejected"]
    items = [_item(f"feed-{i % 3}", f"k{i}", states[i % 4]) for i in range(40)]
    validators = [{"source": f"feed-{i}", "url": f"https://news.example/feed-{i}.xml", "etag": f'"e{i}"' if i else None,
                   "last_modified": None, "fetched_at": T0, "load_id": "L1"} for i in range(3)]
    with wh.writing() as con:
        publish_tables(con, {"items": pa.Table.from_pylist(items, schema=ITEMS.schema),
                             "url_validators": pa.Table.from_pylist(validators, schema=URL_VALIDATORS.schema)})
    return wh


def test_before_fetching_only_waiting_items_and_feed_validators_are_read(tmp_path) -> None:
    wh = _lake(tmp_path)
    with wh.connect(read_only=False) as con:
        rows = waiting_items(con, ["feed-0", "feed-1"])
        assert {r["state"] for r in rows} == {"pending", "failed"} and {r["source"] for r in rows} == {"feed-0", "feed-1"}
        assert len(rows) == sum(1 for i in range(40) if i % 4 in (1, 2) and i % 3 in (0, 1)) and all(r["feed_text"] == f"text of {r['item_key']}" for r in rows)  # whole, for the fallback
        # a feed whose answer had no validators is fetched unconditionally: no entry
        assert url_validators(con, ["feed-0", "feed-1", "feed-2"]) == {
            ("feed-1", "https://news.example/feed-1.xml"): ('"e1"', None), ("feed-2", "https://news.example/feed-2.xml"): ('"e2"', None)}


def test_listed_keys_and_pages_are_answered_for_many_sources_at_once(tmp_path) -> None:
    wh = _lake(tmp_path)
    keys = [("feed-0", "k0"), ("feed-1", "k0"), ("feed-1", "k1"), ("feed-2", "new"), ("feed-9", "k5")]
    urls = [("feed-0", "https://news.example/k0"), ("feed-0", "https://news.example/k3"), ("feed-1", "https://news.example/k0")]
    with wh.connect(read_only=False) as con:
        stored, fetched = listed(con, keys, urls)
        assert stored == {("feed-0", "k0"), ("feed-1", "k1")}  # a key of another source is not this one's
        assert fetched == {("feed-0", "https://news.example/k0")}  # k3 was rejected: no document
        # a page is fetched before when any item of the source gave it: another key listing it
        assert listed(con, [], [("feed-0", "https://news.example/k12")])[1] == {("feed-0", "https://news.example/k12")}
        many = keys + [(f"other-{i}", "k0") for i in range(150)]  # unknown sources change nothing
        assert listed(con, many, urls) == (stored, fetched)
        assert listed(con, [], []) == (set(), set())


def test_a_lake_without_the_poll_tables_reads_as_never_polled(tmp_path) -> None:
    wh = _lake(tmp_path)
    with wh.connect(read_only=False) as con:
        assert set(item_counts(con)) == {"feed-0", "feed-1", "feed-2"}
        con.execute("DROP TABLE source_polls")
        con.execute("DROP TABLE items")  # as a lake last written before news-poll existed
    close_instances()
    with wh.connect() as con:  # read-only: no table is made
        assert last_polls(con) == {} and item_counts(con) == {}
