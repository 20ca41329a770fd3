"""Smoke test of benchmarks/bench_poll_state.py at two small sizes: the report's shape and the
synthetic rows'. The growth figures are the benchmark's business."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from benchmarks.bench_poll_state import measure, seen_items  # noqa: E402


def test_poll_state_reads_are_timed_at_each_size(tmp_path):
    report = measure([200, 1_000], sources_n=10, repeats=1, folder=tmp_path, waiting=20, changed=4, listed_per_feed=5)
    assert set(report["ms_by_items_seen"]) == {"200", "1000"}
    for row in report["ms_by_items_seen"].values():
        assert all(row[name] > 0 for name in ("waiting_items", "url_validators", "last_polls", "listed", "total"))
    assert report["largest_over_smallest"]["total"] > 0
    # 4 feeds list their 5 newest (2 of them still waiting: no page fetched) and 2 new items
    for answer in report["answers"].values():
        assert answer == {"waiting": 20, "listed_keys": 28, "stored": 20, "fetched_before": 12}


def test_seen_items_have_a_feed_fetch_and_a_page_fetch_each():
    tables = seen_items(["a", "b"], 0, 4)
    assert tables["items"].num_rows == 4 and tables["fetch_log"].num_rows == 8
    pages = tables["fetch_log"].filter(tables["fetch_log"]["document_id"].is_valid())
    assert sorted(pages["url"].to_pylist()) == sorted(tables["items"]["url"].to_pylist())


def test_waiting_items_have_no_page_fetch_yet():
    tables = seen_items(["a", "b"], 0, 4, waiting_from=3)
    assert tables["items"]["state"].to_pylist() == ["fetched"] * 3 + ["pending"]
    assert tables["fetch_log"].num_rows == 7
