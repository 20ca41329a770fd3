"""A poll cycle against a local news site: items survive failures, 304s and max_items."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tasks.sources.collect import SourceSpec
from tasks.sources.items import ItemPolicy
from tasks.sources.cycle import Known, Polled
from tasks.sources.poll import poll_sources

from .conftest import FAST
from .feeds import Entry, article_html, article_requests, jsonfeed, rss, serve_conditional, serve_feed, serve_site

POLICY = ItemPolicy(max_attempts=3, retry_base=0)  # retry on the very next cycle
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _reset(server: HTTPServer) -> None:
    server.clear()
    server.no_handler_status_code = 404  # no robots.txt: allowed


def _spec(url: str, **kw) -> SourceSpec:
    # No retries, so every failure a test makes is seen; a timeout no test here waits for, so a
    # slow machine (CI once timed out one of five concurrent page fetches at 0.5 s) fails nothing.
    return SourceSpec(name="local", kind="feed", location=url, policy=replace(FAST, max_retries=0, timeout=10.0), **kw)


def _cycle(spec: SourceSpec, known: Known, n: int = 0) -> Polled:
    """One cycle, then fold what it wrote into `known` as the warehouse would."""
    polled = poll_sources([spec], due={spec.name}, known=known, now=T0 + timedelta(minutes=n), item_policy=POLICY)
    for row in polled.items:
        known.items.setdefault(row["source"], {})[row["item_key"]] = row
    for row in polled.validators:  # as url_validators keeps them
        known.validators[(row["source"], row["url"])] = (row["etag"], row["last_modified"])
    for row in polled.fetch_log:
        if row["document_id"]:
            known.fetched_urls.add((row["source"], row["url"]))
    return polled


def _states(known: Known) -> dict[str, str]:
    return {r["url"].rsplit("/", 1)[1]: r["state"] for r in known.items["local"].values()}


def test_failed_page_is_retried_while_the_feed_answers_304(server: HTTPServer) -> None:
    entries = [Entry("one", "First story"), Entry("two", "Second story")]
    url = serve_feed(server, "rss", entries)
    calls = {"n": 0}

    def flaky(request: Request) -> Response:
        calls["n"] += 1
        return Response(status=500) if calls["n"] == 1 else Response(article_html("Second story"), content_type="text/html")

    _reset(server)
    serve_conditional(server, "/feed", rss(server, entries)[0], "application/rss+xml")
    serve_conditional(server, "/articles/one", article_html("First story"), "text/html")
    server.expect_request("/articles/two").respond_with_handler(flaky)
    known = Known()
    first = _cycle(_spec(url), known)
    assert len(first.documents) == 1 and _states(known) == {"one": "fetched", "two": "failed"}
    assert first.rejects == []  # transient: the item row says so, not a reject
    server.clear_log()
    second = _cycle(_spec(url), known, 1)
    assert [(r.path, resp.status_code) for r, resp in server.log if r.path == "/feed"] == [("/feed", 304)]
    assert len(second.documents) == 1 and _states(known) == {"one": "fetched", "two": "fetched"}
    assert second.polls[0]["status"] == "not-modified"


def test_max_items_leftovers_stay_pending_and_three_cycles_fetch_fifteen(server: HTTPServer) -> None:
    url = serve_feed(server, "atom", [Entry(f"s{i:02d}", f"Story {i}") for i in range(15)])
    known = Known()
    got = [len(_cycle(_spec(url, max_items=5), known, n).documents) for n in range(3)]
    assert got == [5, 5, 5]
    assert set(_states(known).values()) == {"fetched"} and len(known.items["local"]) == 15
    assert len({p for p, _ in article_requests(server)}) == 15


def test_page_that_404s_forever_becomes_a_feed_item_article(server: HTTPServer) -> None:
    body, ctype = jsonfeed(server, [Entry("gone", "A story whose page never comes")])
    serve_conditional(server, "/feed", body, ctype)
    url = server.url_for("/feed")
    known = Known()
    docs = [_cycle(_spec(url), known, n).documents for n in range(3)]
    assert docs[0] == [] and docs[1] == []
    [doc] = docs[2]
    row = next(iter(known.items["local"].values()))
    assert (row["state"], row["partial"], row["reason"], row["attempts"]) == ("fetched", True, "http-404", 3)
    assert doc.media_type.startswith("application/vnd.newsflow.feed-item")


def test_truncated_feed_keeps_its_items_and_adds_a_reject(server: HTTPServer) -> None:
    body, _ = rss(server, [Entry("one", "First story"), Entry("two", "Second story")])
    server.expect_request("/feed").respond_with_data(body[: body.index(b"<item>", body.index(b"<item>") + 1) + 20], content_type="application/rss+xml")
    serve_conditional(server, "/articles/one", article_html("First story"), "text/html")
    known = Known()
    polled = _cycle(_spec(server.url_for("/feed")), known)
    assert [r.reason for r in polled.rejects] == ["feed-malformed"]
    assert "read 1 items" in polled.rejects[0].detail or "read 2 items" in polled.rejects[0].detail
    assert polled.polls[0]["status"] == "partial" and len(polled.documents) == 1
    assert not any(r["etag"] for r in polled.fetch_log if r["url"].endswith("/feed"))
    assert [(v["etag"], v["last_modified"]) for v in polled.validators if v["url"].endswith("/feed")] in ([], [(None, None)])


def test_a_broken_copy_forgets_the_validators_so_the_next_cycle_reads_it_whole(server: HTTPServer) -> None:
    entries = [Entry("one", "First story"), Entry("two", "Second story")]
    body, _ = rss(server, entries)
    serve_conditional(server, "/articles/one", article_html("First story"), "text/html")
    serve_conditional(server, "/articles/two", article_html("Second story"), "text/html")
    server.expect_oneshot_request("/feed").respond_with_data(
        body[: body.index(b"<item>", body.index(b"<item>") + 1) + 20], content_type="application/rss+xml", headers={"ETag": '"v1"'})
    known = Known(validators={("local", server.url_for("/feed")): ('"v0"', None)})
    first = _cycle(_spec(server.url_for("/feed")), known)
    assert first.polls[0]["status"] == "partial"
    assert [(v["url"].rsplit("/", 1)[1], v["etag"]) for v in first.validators] == [("feed", None)]
    assert known.validators[("local", server.url_for("/feed"))] == (None, None)
    server.expect_oneshot_request("/feed").respond_with_data(body, content_type="application/rss+xml")
    server.clear_log()
    second = _cycle(_spec(server.url_for("/feed")), known, 1)
    [feed_request] = [r for r, _ in server.log if r.path == "/feed"]
    assert "If-None-Match" not in feed_request.headers and second.polls[0]["status"] == "changed"
    assert _states(known) == {"one": "fetched", "two": "fetched"}


def test_feeds_read_together_share_a_look_up_and_stored_items_stay_done(server: HTTPServer) -> None:
    """The warehouse is asked which listed items it holds, for many feeds at once: a listed item it
    holds (done) is not new again, a listed page that gave a document is `fetched-before`."""
    url = serve_feed(server, "rss", [Entry(f"s{i}", f"Story {i}") for i in range(3)])
    asked: list[tuple[list, list]] = []

    def look_up(keys, urls):
        asked.append((keys, urls))
        return {k for k in keys if k[0] == "feed-1"}, {u for u in urls if u[0] == "feed-2" and u[1].endswith("/s0")}

    specs = [replace(_spec(url), name=f"feed-{i}") for i in range(12)]
    polled = poll_sources(specs, due={s.name for s in specs}, known=Known(look_up=look_up), now=T0, item_policy=POLICY)
    assert 1 <= len(asked) < len(specs)  # feeds read at about the same time: one question
    assert sorted({k[0] for keys, _ in asked for k in keys}) == sorted(s.name for s in specs)
    by_source: dict[str, dict[str, str]] = {}
    for row in polled.items:
        by_source.setdefault(row["source"], {})[row["url"].rsplit("/", 1)[1]] = row["reason"] or row["state"]
    assert "feed-1" not in by_source  # all three stored: nothing new, nothing fetched
    assert by_source["feed-2"] == {"s0": "fetched-before", "s1": "fetched", "s2": "fetched"}
    assert by_source["feed-0"] == {"s0": "fetched", "s1": "fetched", "s2": "fetched"}


def test_a_look_up_that_fails_is_each_asking_sources_reject(server: HTTPServer) -> None:
    url = serve_feed(server, "rss", [Entry("s0", "Story 0")])

    def look_up(keys, urls):
        raise OSError(5, "catalog unreadable")

    specs = [replace(_spec(url), name=f"feed-{i}") for i in range(3)]
    polled = poll_sources(specs, due={s.name for s in specs}, known=Known(look_up=look_up), now=T0, item_policy=POLICY)
    assert sorted(r.reason for r in polled.rejects) == ["source-error"] * 3 and polled.items == []
    assert all("catalog unreadable" in r.detail for r in polled.rejects)
    assert {p["status"] for p in polled.polls} == {"failed"}


def test_feed_that_fails_is_a_reject_and_its_waiting_items_are_still_worked(server: HTTPServer) -> None:
    url = serve_feed(server, "rss", [Entry("one", "First story")])
    known = Known()
    _reset(server)
    server.expect_request("/feed").respond_with_data("down", status=500)
    polled = _cycle(_spec(url), known)
    assert [r.reason for r in polled.rejects] == ["http-500"] and polled.polls[0]["status"] == "failed"


def test_a_source_that_raises_is_a_reject_and_the_other_sources_go_on(server: HTTPServer, tmp_path, monkeypatch) -> None:
    import tasks.sources.poll as poll

    def broken_disk(spec, state):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(poll, "collect_source", broken_disk)
    url = serve_feed(server, "rss", [Entry("one", "First story")])
    drop = replace(_spec(str(tmp_path)), name="drop", kind="folder")
    polled = poll_sources([drop, _spec(url)], due={"drop", "local"}, known=Known(), now=T0, item_policy=POLICY)
    assert len(polled.documents) == 1  # the feed's item
    [reject] = polled.rejects
    assert (reject.uri, reject.stage, reject.reason) == (str(tmp_path), "ingest", "source-error")
    assert "Input/output error" in reject.detail
    assert {p["source"]: p["status"] for p in polled.polls} == {"drop": "failed", "local": "changed"}


def test_listed_urls_and_sitemap_entries_are_items_too(server: HTTPServer) -> None:
    serve_site(server, [Entry("a", "Story A"), Entry("b", "Story B")])
    server.expect_request("/urls.txt").respond_with_data(
        f"{server.url_for('/articles/a')}\n{server.url_for('/articles/missing')}\nnot a url\n", content_type="text/plain")
    sitemap = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               f"<url><loc>{server.url_for('/articles/b')}</loc></url></urlset>")
    server.expect_request("/sitemap.xml").respond_with_data(sitemap, content_type="application/xml")
    known = Known()
    urls = replace(_spec(server.url_for("/urls.txt")), name="list", kind="urls")
    smap = replace(_spec(server.url_for("/sitemap.xml")), name="smap", kind="sitemap")
    polled = poll_sources([urls, smap], due={"list", "smap"}, known=known, now=T0, item_policy=POLICY)
    states = {(r["source"], r["url"].rsplit("/", 1)[1]): r["state"] for r in polled.items}
    assert states == {("list", "a"): "fetched", ("list", "missing"): "failed", ("smap", "b"): "fetched"}
    assert [r.reason for r in polled.rejects] == ["bad-url"] and len(polled.documents) == 2
