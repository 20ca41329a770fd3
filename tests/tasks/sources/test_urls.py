"""URL-list source."""

from __future__ import annotations

from pytest_httpserver import HTTPServer

from tasks.records import RawDocument, Reject
from tasks.sources.base import SourceState
from tasks.sources.fetch import Fetcher
from tasks.sources.urls import iter_urls, parse_url_list

from .feeds import Entry, article_requests, serve_site


def test_parse_url_list() -> None:
    text = (
        "# my list\n\nhttps://a.example/1\nhttps://a.example/2#section  # the second\n"
        "https://a.example/1\nftp://nope\nnot a url\n   # indented comment\n"
    )
    urls, bad = parse_url_list(text)
    assert urls == ["https://a.example/1", "https://a.example/2#section"]
    assert bad == [(6, "ftp://nope"), (7, "not a url")]


def test_url_list_fetches_pages_then_skips_them(server: HTTPServer, fetcher: Fetcher, tmp_path) -> None:
    serve_site(server, [Entry("x", "X"), Entry("y", "Y")])
    path = tmp_path / "urls.txt"
    path.write_text(
        f"# batch\n{server.url_for('/articles/x')}\n{server.url_for('/articles/y')}\n"
        f"{server.url_for('/articles/missing')}\nfile:///etc/passwd\n"
    )
    state = SourceState()
    items = list(iter_urls(str(path), fetcher=fetcher, state=state))
    docs = [i for i in items if isinstance(i, RawDocument)]
    assert [d.uri for d in docs] == [server.url_for("/articles/x"), server.url_for("/articles/y")]
    assert sorted(i.reason for i in items if isinstance(i, Reject)) == ["bad-url", "http-404"]

    server.clear_log()
    again = list(iter_urls(str(path), fetcher=fetcher, state=state))
    assert [i.reason for i in again if isinstance(i, Reject)] == ["bad-url", "http-404"]
    assert article_requests(server) == [("/articles/missing", 404)]

    server.clear_log()
    list(iter_urls(str(path), fetcher=fetcher, state=state, refetch_seen=True))
    assert ("/articles/x", 304) in article_requests(server)


def test_missing_list_file_is_a_reject(tmp_path) -> None:
    [item] = iter_urls(str(tmp_path / "nope.txt"), fetcher=None, state=SourceState())
    assert isinstance(item, Reject) and item.reason == "not-found"
