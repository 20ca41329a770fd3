"""End to end through the news-pipeline flow: configured feed, URL-list, WARC and folder sources
against a local HTTP server (never the internet), run through `newsflow run` in-process.
A configured source runs as one poll cycle over that source alone: its items are kept as the
schedule keeps them (tests/flows/test_poll_flow.py covers the cycles themselves)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from flows.cli import app
from tests.flows.sitehelpers import Site, article_html
from warehouse.lake import Warehouse
from warehouse.lake import connect

FAST = """
allow_private_networks = true   # the test server listens on 127.0.0.1
min_host_interval = 0
timeout = "2s"
backoff_base = 0.01
"""


@pytest.fixture(scope="module")
def http_server():
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


@pytest.fixture
def site(http_server: HTTPServer) -> Site:
    http_server.clear()
    return Site(http_server)


def newsflow(*args: str) -> list[dict]:
    """`newsflow ARGS --format json` in this process (the flow runs on the session's test server)."""
    result = CliRunner().invoke(app, [*args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def query(root: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = connect(Warehouse(root))
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def write_config(path: Path, root: Path, sources: str) -> Path:
    path.write_text(f'[warehouse]\nroot = "{root}"\n{sources}', encoding="utf-8")
    return path


def feed_source(name: str, url: str) -> str:
    return f'\n[[sources]]\nname = "{name}"\nkind = "feed"\nlocation = "{url}"\ninterval = "15m"\n{FAST}'


def test_feeds_ingest_then_fetch_only_what_is_new(site: Site, tmp_path: Path, prefect_harness):
    rss = site.set_feed("/rss.xml", "rss", [("r1", "Harbour reopens"), ("r2", "Budget passes")])
    atom = site.set_feed("/atom.xml", "atom", [("a1", "Bridge closes"), ("a2", "Storm warning")])
    jsonf = site.set_feed("/feed.json", "jsonfeed", [("j1", "Census results"), ("j2", "Rail strike")])
    root = tmp_path / "wh"
    config = write_config(tmp_path / "newsflow.toml", root,
                          feed_source("rss", rss) + feed_source("atom", atom) + feed_source("jsonfeed", jsonf))

    first = newsflow("run", "rss", "atom", "jsonfeed", "--config", str(config))
    assert [(s["source"], s["documents"], s["articles"], s["rejects"]) for s in first] == [
        ("rss", 2, 2, 0), ("atom", 2, 2, 0), ("jsonfeed", 2, 2, 0)]
    assert query(root, "SELECT source, count(*) FROM articles GROUP BY source ORDER BY source") == [
        ("atom", 2), ("jsonfeed", 2), ("rss", 2)]
    titles = {t for (t,) in query(root, "SELECT title FROM articles")}
    assert {"Harbour reopens", "Storm warning", "Rail strike"} <= titles
    # fetch_log: every feed and every article page, with validators for the next run
    assert query(root, "SELECT count(*), count(etag), count(document_id) FROM fetch_log") == [(9, 9, 6)]

    site.hits.clear()
    second = newsflow("run", "rss", "atom", "jsonfeed", "--config", str(config))
    assert [(s["inputs"], s["documents"], s["articles"]) for s in second] == [(0, 0, 0)] * 3
    assert [s["skipped"] for s in second] == [{"feed-not-modified": 1}] * 3
    assert dict(site.hits) == {"/rss.xml": 1, "/atom.xml": 1, "/feed.json": 1}  # three 304s, no pages
    # a 304 is summed up in source_polls, not a fetch_log row each
    assert query(root, "SELECT status, count(*) FROM fetch_log GROUP BY status ORDER BY status") == [(200, 9)]
    assert query(root, "SELECT status, count(*) FROM source_polls GROUP BY status") == [("not-modified", 3)]

    site.set_feed("/rss.xml", "rss", [("r1", "Harbour reopens"), ("r2", "Budget passes"), ("r3", "Museum opens")])
    site.hits.clear()
    (third,) = newsflow("run", "rss", "--config", str(config))
    assert (third["documents"], third["articles"], third["items_discovered"]) == (1, 1, 1)
    assert dict(site.hits) == {"/rss.xml": 1, "/articles/r3.html": 1}
    assert query(root, "SELECT count(*) FROM articles") == [(7,)]
    assert query(root, "SELECT source, state, count(*) FROM items GROUP BY ALL ORDER BY source") == [
        ("atom", "fetched", 2), ("jsonfeed", "fetched", 2), ("rss", "fetched", 3)]

    listing = CliRunner().invoke(app, ["sources", "--config", str(config), "--format", "json"])
    rows = {r["name"]: r for r in json.loads(listing.stdout)}
    assert rows["rss"]["status"] == "committed" and rows["rss"]["new_articles"] == 1 and rows["rss"]["documents"] == 3
    assert rows["atom"]["new_articles"] == 0 and rows["atom"]["schedule"] == "every 15m" and rows["atom"]["last_run"]


def test_failed_pages_wait_for_a_retry_or_are_rejected_and_the_run_completes(site: Site, tmp_path: Path, prefect_harness):
    site.add_article("fine", "A fine page")
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(site.url(p) for p in (
        "/articles/fine.html", "/flaky.html", "/slow.html", "/missing.html", "/huge.html", "/loop-a")) + "\n")
    root = tmp_path / "wh"
    config = write_config(tmp_path / "n.toml", root, f"""
[[sources]]
name = "list"
kind = "urls"
location = "{urls}"
max_retries = 2
{FAST.replace('timeout = "2s"', 'timeout = 0.3')}
""")
    (summary,) = newsflow("run", "list", "--config", str(config))
    assert summary["articles"] == 2  # the fine page, and the flaky one after two 500s
    assert site.hits["/flaky.html"] == 3
    assert query(root, "SELECT uri FROM articles ORDER BY uri") == [(site.url("/articles/fine.html"),), (site.url("/flaky.html"),)]
    # a permanent failure is a reject (a URL list has no text of its own to stand in); a timeout or a
    # 404 may pass: the item waits for its next try, as it would under the schedule
    reasons = dict(query(root, "SELECT regexp_extract(uri, '/([a-z-]+)(\\.html)?$', 1), reason FROM rejects"))
    assert reasons == {"huge": "too-large", "loop-a": "redirect-loop"}
    assert summary["rejects_by_reason"] == {"fetch/too-large": 1, "fetch/redirect-loop": 1}
    waiting = query(root, "SELECT regexp_extract(url, '/([a-z-]+)(\\.html)?$', 1), reason, attempts, next_try_at IS NOT NULL "
                          "FROM items WHERE state = 'failed' ORDER BY url")
    assert waiting == [("missing", "http-404", 1, True), ("slow", "timeout", 1, True)]
    failed = dict(query(root, "SELECT url, status FROM fetch_log WHERE document_id IS NULL"))
    assert failed[site.url("/missing.html")] == 404 and failed[site.url("/slow.html")] is None


def test_a_source_run_by_hand_keeps_its_leftovers_for_the_next_run(site: Site, tmp_path: Path, prefect_harness):
    feed = site.set_feed("/rss.xml", "rss", [(f"m{i}", f"Story number {i} of the day") for i in range(5)])
    root = tmp_path / "wh"
    config = write_config(tmp_path / "n.toml", root, feed_source("wire", feed) + "max_items = 2\n")
    runs = [newsflow("run", "wire", "--config", str(config))[0] for _ in range(3)]
    assert [r["articles"] for r in runs] == [2, 2, 1]  # the feed answered 304 to the second and third run
    assert [r["skipped"].get("feed-not-modified", 0) for r in runs] == [0, 1, 1]
    assert query(root, "SELECT state, count(*) FROM items GROUP BY state") == [("fetched", 5)]


def _warc(path: Path) -> None:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)

    def response(url: str, body: bytes, content_type: str) -> None:
        http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))

    response("https://news.example/one", article_html("w1", "Warc one"), "text/html; charset=utf-8")
    response("https://news.example/logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")
    response("https://news.example/two", article_html("w2", "Warc two"), "text/html")
    response("https://news.example/three", article_html("w3", "Warc three"), "text/html")
    path.write_bytes(buf.getvalue()[:-300])  # the last record is cut off


def test_warc_source(tmp_path: Path, prefect_harness):
    _warc(tmp_path / "crawl.warc.gz")
    root = tmp_path / "wh"
    config = write_config(tmp_path / "n.toml", root, f"""
[[sources]]
name = "cc-news"
kind = "warc"
location = "{tmp_path}/*.warc.gz"
cron = "0 5 * * *"
""")
    (summary,) = newsflow("run", "cc-news", "--config", str(config))
    assert (summary["documents"], summary["articles"]) == (2, 2)
    assert summary["skipped"] == {"not-html": 1}
    assert summary["rejects_by_reason"] == {"ingest/warc-corrupt": 1}
    assert query(root, "SELECT title FROM articles ORDER BY title") == [("Warc one",), ("Warc two",)]


def test_folder_source_skips_files_already_ingested(tmp_path: Path, prefect_harness):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a.html").write_bytes(article_html("f1", "Dropped one"))
    root = tmp_path / "wh"
    config = write_config(tmp_path / "n.toml", root, f'[[sources]]\nname = "drop"\nkind = "folder"\nlocation = "{drop}"\n')
    assert newsflow("run", "drop", "--config", str(config))[0]["articles"] == 1
    (drop / "b.html").write_bytes(article_html("f2", "Dropped two"))
    (again,) = newsflow("run", "drop", "--config", str(config))
    assert (again["inputs"], again["documents"], again["articles"]) == (2, 1, 1)


def test_a_url_argument_is_fetched_as_one_page(site: Site, tmp_path: Path, prefect_harness, monkeypatch):
    url = site.add_article("solo", "A single page")
    monkeypatch.setenv("NEWSFLOW_ALLOW_PRIVATE_NETWORKS", "1")
    (summary,) = newsflow("run", url, "--warehouse", str(tmp_path / "wh"))
    assert summary["articles"] == 1 and summary["source"].startswith("127.0.0.1")
    monkeypatch.delenv("NEWSFLOW_ALLOW_PRIVATE_NETWORKS")
    result = CliRunner().invoke(app, ["run", url, "--warehouse", str(tmp_path / "wh2"), "--format", "json"])
    assert json.loads(result.stdout.splitlines()[-1])["rejects_by_reason"] == {"fetch/private-address": 1}
    assert result.exit_code == 1  # nothing read, everything rejected
