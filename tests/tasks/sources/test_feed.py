"""Feed source: RSS 2.0, Atom and JSON Feed against a local news site; hostile XML."""

from __future__ import annotations

import tracemalloc

import pytest
from pytest_httpserver import HTTPServer

from tasks.records import RawDocument, Reject, RejectError
from tasks.sources.base import SourceState, document_id
from tasks.sources.feed import iter_feed, parse_feed, text_length
from tasks.sources.fetch import Fetcher

from .feeds import LONG_TEXT, Entry, article_requests, rss, serve_feed

ENTRIES = [Entry("one", "First story"), Entry("two", "Second story"), Entry("three", "Third", full=True)]


def _run(url: str, fetcher: Fetcher, state: SourceState) -> tuple[list[RawDocument], list[Reject]]:
    items = list(iter_feed(url, fetcher=fetcher, state=state, source="local-news"))
    return [i for i in items if isinstance(i, RawDocument)], [i for i in items if isinstance(i, Reject)]


@pytest.mark.parametrize("fmt", ["rss", "atom", "jsonfeed"])
def test_feed_items_become_documents(server: HTTPServer, fetcher: Fetcher, fmt: str) -> None:
    url = serve_feed(server, fmt, ENTRIES)
    state = SourceState()
    docs, rejects = _run(url, fetcher, state)
    assert rejects == []
    assert sorted(d.uri.rsplit("/", 1)[1] for d in docs) == ["one", "three", "two"]
    # Teasers are fetched, the full-content item is not.
    assert sorted(p for p, _ in article_requests(server)) == ["/articles/one", "/articles/two"]
    embedded = next(d for d in docs if d.uri.endswith("/three"))
    page = embedded.content.decode()
    assert "<title>Third</title>" in page and LONG_TEXT in page
    assert f'<link rel="canonical" href="{server.url_for("/articles/three")}">' in page
    assert '<meta property="article:published_time" content="2025-03-03T10:00:00+00:00">' in page
    assert all(d.source == "local-news" and d.fetched_at is not None for d in docs)
    # fetch_log: the feed, then one row per item, each document's id being its sha256.
    by_url = {row["url"]: row for row in state.fetch_log}
    assert by_url[url]["status"] == 200 and by_url[url]["etag"]
    assert {by_url[d.uri]["document_id"] for d in docs} == {document_id(d.content) for d in docs}


@pytest.mark.parametrize("fmt", ["rss", "atom", "jsonfeed"])
def test_second_pass_fetches_nothing_and_new_item_gives_one_document(
    server: HTTPServer, fetcher: Fetcher, fmt: str
) -> None:
    url = serve_feed(server, fmt, ENTRIES)
    first = SourceState()
    assert len(_run(url, fetcher, first)[0]) == 3

    # Rebuilt from the log rows, as the flow does from the warehouse: the feed answers 304.
    state = SourceState.from_fetch_log(first.fetch_log)
    server.clear_log()
    assert _run(url, fetcher, state) == ([], [])
    assert [(r.path, resp.status_code) for r, resp in server.log if r.path == "/feed"] == [("/feed", 304)]
    assert article_requests(server) == []

    # One item added: the feed changes, only the new item's page is fetched.
    server.clear()
    server.no_handler_status_code = 404
    url = serve_feed(server, fmt, [*ENTRIES, Entry("four", "Fourth story")])
    docs, rejects = _run(url, fetcher, state)
    assert rejects == [] and [d.uri for d in docs] == [server.url_for("/articles/four")]
    assert article_requests(server) == [("/articles/four", 200)]


def test_seen_items_are_skipped_when_feed_ignores_validators(
    server: HTTPServer, fetcher: Fetcher
) -> None:
    body, content_type = rss(server, ENTRIES)
    server.expect_request("/plain-feed").respond_with_data(body, content_type=content_type)
    for e in ENTRIES:
        server.expect_request(f"/articles/{e.slug}").respond_with_data(
            b"<html>x</html>", content_type="text/html"
        )
    state = SourceState()
    assert len(_run(server.url_for("/plain-feed"), fetcher, state)[0]) == 3
    server.clear_log()
    assert _run(server.url_for("/plain-feed"), fetcher, state) == ([], [])
    assert article_requests(server) == [] and state.skipped["seen"] == 3


def test_failing_item_is_a_reject_and_the_rest_go_on(server: HTTPServer, fetcher: Fetcher) -> None:
    body, content_type = rss(server, [Entry("gone", "Gone"), *ENTRIES[:1]])
    server.expect_request("/feed").respond_with_data(body, content_type=content_type)
    server.expect_request("/articles/one").respond_with_data(b"<html>x</html>", content_type="text/html")
    state = SourceState()
    docs, rejects = _run(server.url_for("/feed"), fetcher, state)
    assert [d.uri for d in docs] == [server.url_for("/articles/one")]
    assert [(r.reason, r.stage) for r in rejects] == [("http-404", "fetch")]
    assert server.url_for("/articles/gone") not in state.seen_urls  # retried next run


def test_local_feed_file_with_full_content_needs_no_fetcher(server: HTTPServer, tmp_path) -> None:
    body, _ = rss(server, [Entry("a", "A", full=True), Entry("b", "B", full=True)])
    path = tmp_path / "feed.xml"
    path.write_bytes(body)
    docs = list(iter_feed(str(path), fetcher=None, state=SourceState()))
    assert len(docs) == 2 and all(isinstance(d, RawDocument) for d in docs)
    assert server.log == []


def test_local_teaser_without_fetcher_is_a_reject(server: HTTPServer, tmp_path) -> None:
    body, _ = rss(server, [Entry("a", "A")])
    (tmp_path / "feed.xml").write_bytes(body)
    [item] = iter_feed(str(tmp_path / "feed.xml"), fetcher=None, state=SourceState())
    assert isinstance(item, Reject) and item.reason == "no-fetcher"


def test_rss_091_and_rdf_feeds_parse() -> None:
    rss091 = (
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        b' "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel>'
        b"<title>t</title><item><title>x</title><link>https://example.com/x</link></item>"
        b"</channel></rss>"
    )
    rdf = (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://example.com/"><title>t</title>'
        b'</channel><item rdf:about="https://example.com/y"><title>y</title>'
        b"<link>https://example.com/y</link></item></rdf:RDF>"
    )
    base = "https://example.com/feed"
    assert [i.link for i in parse_feed(rss091, base_url=base)] == ["https://example.com/x"]
    assert [i.link for i in parse_feed(rdf, base_url=base)] == ["https://example.com/y"]


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']><rss version="2.0"><channel><title>&lol9;</title></channel></rss>'
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<rss version="2.0"><channel><title>&xxe;</title><item><title>&xxe;</title>'
    b"<link>https://example.com/a</link></item></channel></rss>"
)
PARAM_XXE = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % dtd SYSTEM "http://127.0.0.1:9/evil.dtd"> %dtd;]>'
    b'<rss version="2.0"><channel><title>t</title></channel></rss>'
)


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, XXE, PARAM_XXE], ids=["laughs", "xxe", "param-xxe"])
def test_hostile_feed_xml_is_rejected(server: HTTPServer, fetcher: Fetcher, hostile: bytes) -> None:
    server.expect_request("/evil").respond_with_data(hostile, content_type="application/rss+xml")
    items = list(iter_feed(server.url_for("/evil"), fetcher=fetcher, state=SourceState()))
    assert [(i.reason, i.stage) for i in items] == [("xml-unsafe", "fetch")]
    assert [r.path for r, _ in server.log] == ["/robots.txt", "/evil"]  # nothing else reached


def test_billion_laughs_is_refused_before_expansion() -> None:
    # Expanded, &lol9; is 10**9 "lol"s (3 GB); refusing it must cost about the input's size.
    tracemalloc.start()
    try:
        with pytest.raises(RejectError, match="xml-unsafe"):
            parse_feed(BILLION_LAUGHS, base_url="https://example.com/feed")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024


def test_not_a_feed_is_rejected(server: HTTPServer, fetcher: Fetcher) -> None:
    server.expect_request("/page").respond_with_data(b"<html>hi</html>", content_type="text/html")
    server.expect_request("/json").respond_with_data(b'{"hello": 1}', content_type="application/json")
    for path in ("/page", "/json"):
        [item] = iter_feed(server.url_for(path), fetcher=fetcher, state=SourceState())
        assert isinstance(item, Reject) and item.reason == "feed-unparseable", path


def test_text_length_ignores_markup() -> None:
    assert text_length("<p>a &amp; <b>b</b></p>\n<div>  c </div>") == len("a & b c")


def test_fetch_log_rows_fit_the_warehouse_schema(server: HTTPServer, fetcher: Fetcher) -> None:
    from warehouse.schemas import FETCH_LOG, to_table

    state = SourceState()
    _run(serve_feed(server, "rss", [*ENTRIES, Entry("four", "Four")]), fetcher, state)
    table = to_table(FETCH_LOG, [{**row, "load_id": "L1"} for row in state.fetch_log])
    assert table.num_rows == len(state.fetch_log) == 5
    assert SourceState.from_fetch_log(table.to_pylist()).seen_urls == state.seen_urls
