"""Sitemap source: index -> urlsets (plain, gzip, Google News), recency, reruns, hostile input."""

from __future__ import annotations

import gzip
import tracemalloc
from datetime import UTC, datetime

import pytest
from pytest_httpserver import HTTPServer

from tasks.records import RawDocument, Reject, RejectError
from tasks.sources.base import SourceState
from tasks.sources.fetch import Fetcher
from tasks.sources.sitemap import gunzip_capped, iter_sitemap, parse_sitemap

from .feeds import Entry, article_requests, serve_conditional, serve_site

SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
SINCE = datetime(2025, 3, 1, tzinfo=UTC)


def _urlset(server: HTTPServer, rows: list[tuple[str, str]]) -> bytes:
    urls = "".join(
        f"<url><loc>{server.url_for('/articles/' + slug)}</loc><lastmod>{day}</lastmod></url>"
        for slug, day in rows
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="{SM}">{urls}</urlset>'.encode()


def _news(server: HTTPServer, rows: list[tuple[str, str]]) -> bytes:
    urls = "".join(
        f"<url><loc>{server.url_for('/articles/' + slug)}</loc><news:news><news:publication>"
        "<news:name>Local</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{when}</news:publication_date><news:title>{slug}</news:title>"
        "</news:news></url>"
        for slug, when in rows
    )
    return f'<?xml version="1.0"?><urlset xmlns="{SM}" xmlns:news="{NEWS}">{urls}</urlset>'.encode()


def _serve_tree(server: HTTPServer) -> str:
    """An index with a plain urlset, a gzipped one and a news sitemap; returns the index URL."""
    pages = _urlset(server, [("a", "2025-03-02"), ("old", "2024-01-01")])
    packed = gzip.compress(_urlset(server, [("b", "2025-03-05T10:00:00+01:00")]))
    news = _news(server, [("c", "2025-03-03T08:00:00Z"), ("stale", "2025-02-01T08:00:00Z")])
    serve_conditional(server, "/sitemap-pages.xml", pages, "application/xml")
    serve_conditional(server, "/sitemap-b.xml.gz", packed, "application/gzip")
    serve_conditional(server, "/news-sitemap.xml", news, "text/xml")
    children = ["/sitemap-pages.xml", "/sitemap-b.xml.gz", "/news-sitemap.xml", "/sitemap-archive.xml"]
    mods = ["2025-03-05", "2025-03-05", "2025-03-05", "2023-01-01"]  # the archive is skipped
    index = "".join(
        f"<sitemap><loc>{server.url_for(p)}</loc><lastmod>{m}</lastmod></sitemap>"
        for p, m in zip(children, mods, strict=True)
    )
    serve_conditional(
        server, "/sitemap.xml", f'<sitemapindex xmlns="{SM}">{index}</sitemapindex>'.encode(), "text/xml"
    )
    serve_site(server, [Entry(s, s) for s in ("a", "b", "c", "old", "stale")])
    return server.url_for("/sitemap.xml")


def _docs(items: list) -> list[str]:
    return sorted(i.uri.rsplit("/", 1)[1] for i in items if isinstance(i, RawDocument))


def test_index_with_gzip_and_news_sitemaps_and_recency(server: HTTPServer, fetcher: Fetcher) -> None:
    state = SourceState()
    items = list(iter_sitemap(_serve_tree(server), fetcher=fetcher, state=state, since=SINCE))
    assert _docs(items) == ["a", "b", "c"]
    assert [i for i in items if isinstance(i, Reject)] == []
    assert state.skipped["too-old"] == 3  # old page, stale news item, archive sitemap
    assert "/sitemap-archive.xml" not in [r.path for r, _ in server.log]


def test_rerun_fetches_only_the_index(server: HTTPServer, fetcher: Fetcher) -> None:
    url = _serve_tree(server)
    first = SourceState()
    list(iter_sitemap(url, fetcher=fetcher, state=first, since=SINCE))
    state = SourceState.from_fetch_log(first.fetch_log)
    server.clear_log()
    assert list(iter_sitemap(url, fetcher=fetcher, state=state, since=SINCE)) == []
    statuses = {r.path: resp.status_code for r, resp in server.log}
    assert statuses["/sitemap.xml"] == 200  # the root is always read
    assert statuses["/sitemap-pages.xml"] == statuses["/news-sitemap.xml"] == 304
    assert article_requests(server) == []


def test_without_since_everything_listed_is_fetched(server: HTTPServer, fetcher: Fetcher) -> None:
    items = list(iter_sitemap(_serve_tree(server), fetcher=fetcher, state=SourceState()))
    assert _docs(items) == ["a", "b", "c", "old", "stale"]
    # The archive sitemap does not exist: one reject, the rest goes on.
    assert [(i.reason, i.uri) for i in items if isinstance(i, Reject)] == [
        ("http-404", server.url_for("/sitemap-archive.xml"))
    ]


def test_local_text_sitemap(server: HTTPServer, fetcher: Fetcher, tmp_path) -> None:
    serve_site(server, [Entry("t", "T")])
    path = tmp_path / "sitemap.txt"
    path.write_text(f"{server.url_for('/articles/t')}\n\nnot a url\n")
    assert _docs(list(iter_sitemap(str(path), fetcher=fetcher, state=SourceState()))) == ["t"]


def test_self_referencing_index_terminates(server: HTTPServer, fetcher: Fetcher) -> None:
    child = f'<sitemap><loc>{server.url_for("/loop.xml")}</loc></sitemap>'
    loop = f'<sitemapindex xmlns="{SM}">{child}</sitemapindex>'
    server.expect_request("/loop.xml").respond_with_data(loop, content_type="text/xml")
    assert list(iter_sitemap(server.url_for("/loop.xml"), fetcher=fetcher, state=SourceState())) == []


def test_gzip_bomb_sitemap_is_rejected_with_bounded_memory(server: HTTPServer, fetcher: Fetcher) -> None:
    bomb = gzip.compress(b" " * (16 * 1024 * 1024))  # 16 KB on the wire, 16 MB inflated
    server.expect_request("/bomb.xml.gz").respond_with_data(bomb, content_type="application/gzip")
    url = server.url_for("/bomb.xml.gz")
    items = list(iter_sitemap(url, fetcher=fetcher, state=SourceState(), max_bytes=4 * 1024 * 1024))
    assert [(i.reason, i.stage) for i in items] == [("too-large", "fetch")]
    tracemalloc.start()
    try:
        with pytest.raises(RejectError, match="too-large"):
            gunzip_capped(bomb, limit=1024 * 1024, uri="bomb.xml.gz")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024


def test_gzip_multi_member_and_truncated() -> None:
    data = gzip.compress(b"<urlset>") + gzip.compress(b"</urlset>")
    assert gunzip_capped(data, limit=100, uri="x") == b"<urlset></urlset>"
    with pytest.raises(RejectError, match="gzip-corrupt"):
        gunzip_capped(gzip.compress(b"x" * 1000)[:-12], limit=10_000, uri="x")


@pytest.mark.parametrize(
    "hostile",
    [
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&b;</loc></url></urlset>',
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&x;</loc></url></urlset>',
    ],
    ids=["laughs", "xxe"],
)
def test_hostile_sitemap_xml_is_rejected(server: HTTPServer, fetcher: Fetcher, hostile: bytes) -> None:
    server.expect_request("/evil.xml").respond_with_data(hostile, content_type="application/xml")
    items = list(iter_sitemap(server.url_for("/evil.xml"), fetcher=fetcher, state=SourceState()))
    assert [i.reason for i in items] == ["xml-unsafe"]
    with pytest.raises(RejectError, match="xml-unsafe"):
        parse_sitemap(gzip.compress(hostile), uri="evil.xml.gz")


def test_parse_news_sitemap_fields(server: HTTPServer) -> None:
    sitemap = parse_sitemap(_news(server, [("c", "2025-03-03T08:00:00Z")]), uri="https://x/news.xml")
    [entry] = sitemap.entries
    assert sitemap.kind == "urlset" and entry.title == "c"
    assert entry.published == datetime(2025, 3, 3, 8, tzinfo=UTC) and entry.date == entry.published


def test_malformed_and_foreign_xml() -> None:
    with pytest.raises(RejectError, match="xml-malformed"):
        parse_sitemap(b"<urlset><url>", uri="x")
    with pytest.raises(RejectError, match="sitemap-unparseable"):
        parse_sitemap(b"<html><body/></html>", uri="x")
