"""The source dispatcher: kinds, limits, state handling and which failures the task retries."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer

from tasks.sources.base import SourceState
from tasks.sources.collect import SourceSpec, collect_source
from tests.tasks.sources.conftest import FAST
from tests.tasks.sources.feeds import Entry, article_html, serve_feed, serve_site


def test_folder_and_max_items(tmp_path: Path) -> None:
    for name in "abc":
        (tmp_path / f"{name}.txt").write_text(f"story {name}")
    got = collect_source(SourceSpec("drop", "folder", str(tmp_path), max_items=2), SourceState())
    assert [d.uri for d in got.documents] == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    assert got.fetch_log == [] and got.rejects == []


def test_feed_state_is_not_mutated(server: HTTPServer) -> None:
    url = serve_feed(server, "rss", [Entry("one", "One"), Entry("two", "Two")])
    state = SourceState()
    got = collect_source(SourceSpec("wire", "feed", url, policy=FAST), state)
    assert len(got.documents) == 2 and len(got.fetch_log) == 3
    assert state.fetch_log == [] and not state.seen_urls  # a retried attempt starts clean
    again = collect_source(SourceSpec("wire", "feed", url, policy=FAST), SourceState.from_fetch_log(got.fetch_log))
    assert again.documents == [] and again.skipped == {"feed-not-modified": 1}


def test_page_kind_reads_a_feed_served_at_that_url(server: HTTPServer) -> None:
    url = serve_feed(server, "atom", [Entry("one", "One")])
    got = collect_source(SourceSpec("adhoc", "page", url, policy=FAST), SourceState())
    assert [d.uri for d in got.documents] == [server.url_for("/articles/one")]
    assert [r["url"] for r in got.fetch_log] == [url, server.url_for("/articles/one")]


def test_page_kind_fetches_one_page(server: HTTPServer) -> None:
    serve_site(server, [Entry("solo", "Solo")])
    got = collect_source(SourceSpec("adhoc", "page", server.url_for("/articles/solo"), policy=FAST), SourceState())
    assert [d.content for d in got.documents] == [article_html("Solo")]
