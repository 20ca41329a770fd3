"""The news-poll flow end to end against a local news site: one load per cycle, items in SQL,
an unchanged cycle that writes only its polls, feed text standing in for a page that never comes
and joining the full article's story when it does, feeds dropped into a folder, OPML import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from flows.cli import app
from flows.config import SourceConfig
from tests.flows.sitehelpers import FEEDS, Site, article_body, article_html
from warehouse.lake import Warehouse, connect

FAST = {"allow_private_networks": True, "min_host_interval": 0, "timeout": 2, "backoff_base": 0.01, "max_retries": 0}


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


def query(root: Path, sql: str) -> list[tuple]:
    con = connect(Warehouse(root))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def cli(*args: str) -> list[dict]:
    result = CliRunner().invoke(app, [*args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_poll_cycles_write_one_load_each_and_items_in_sql(prefect_harness, site: Site, tmp_path: Path) -> None:
    root = tmp_path / "wh"
    feeds = {fmt: site.set_feed(f"/{fmt}", fmt, [(f"{fmt}-{i}", f"{fmt} story {i}") for i in range(3)]) for fmt in FEEDS}
    fast = "".join(f"{k} = {json.dumps(v)}\n" for k, v in FAST.items())
    sources = "".join(f'[[sources]]\nname = "{fmt}"\nkind = "feed"\nlocation = "{url}"\ninterval = "10m"\n{fast}\n' for fmt, url in feeds.items())
    config = tmp_path / "newsflow.toml"
    config.write_text(f'[warehouse]\nroot = "{root}"\n\n{sources}', encoding="utf-8")

    [first] = cli("poll", "--once", "--config", str(config), "--format", "json")
    assert (first["sources_due"], first["documents"], first["articles"]) == (3, 9, 9)
    assert query(root, "SELECT state, count(*) FROM items GROUP BY ALL") == [("fetched", 9)]
    assert query(root, "SELECT count(*) FROM loads") == [(1,)]
    assert query(root, "SELECT count(*), count(DISTINCT source) FROM sightings") == [(9, 3)]  # where each text appeared

    # not due yet (interval 10m): nothing read, nothing written
    [idle] = cli("poll", "--once", "--config", str(config), "--format", "json")
    assert idle["sources_due"] == 0 and idle["load_id"] is None

    # due again, unchanged: three 304s summed up in source_polls, one small load
    site.set_feed("/rss", "rss", [("rss-0", "rss story 0"), ("rss-1", "rss story 1"), ("rss-2", "rss story 2"), ("rss-3", "new rss story")])
    [steady] = cli("poll", "--once", "--force", "--config", str(config), "--format", "json")
    assert (steady["sources_due"], steady["documents"]) == (3, 1)
    assert steady["skipped"]["feed-not-modified"] == 2
    assert query(root, "SELECT source, status FROM source_polls ORDER BY source") == [
        ("atom", "not-modified"), ("jsonfeed", "not-modified"), ("rss", "changed")]
    assert query(root, "SELECT count(*) FROM fetch_log WHERE status = 304") == [(0,)]
    assert query(root, "SELECT count(*) FROM sightings") == [(10,)]
    # the three listed items stored were looked up, not made new again; one validator row per feed
    assert steady["items_changed"] == 1 and query(root, "SELECT count(*) FROM items") == [(10,)]
    assert query(root, "SELECT count(*), count(etag) FROM url_validators") == [(3, 3)]

    result = CliRunner().invoke(app, ["sources", "--config", str(config), "--format", "json"], catch_exceptions=False)
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert (rows["rss"]["pending"], rows["rss"]["failed"], rows["rss"]["rejected"]) == (0, 0, 0)


def test_feed_text_stands_in_and_joins_the_full_pages_story(prefect_harness, site: Site, tmp_path: Path) -> None:
    from flows.pipeline import news_pipeline
    from flows.poll import news_poll

    root = tmp_path / "wh"
    teaser = " ".join(article_body("late").split()[:60])
    link = site.url("/articles/late.html")
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Local", "items": [
        {"id": "late", "url": link, "title": "A story whose page comes late", "summary": teaser}]}
    site.pages["/late.json"] = (json.dumps(feed).encode(), "application/feed+json")
    source = SourceConfig(name="late", kind="feed", location=site.url("/late.json"), interval=60, **FAST)

    counts = news_poll(sources=[source], warehouse=str(root), item_max_attempts=1)
    assert counts["feed_item_articles"] == 1
    assert query(root, "SELECT state, partial, reason FROM items") == [("fetched", True, "http-404")]
    [(partial_id, fmt)] = query(root, "SELECT article_id, format FROM articles")
    assert fmt == "feed-item"

    # the page appears (naming itself canonical, as news pages do); a manual run reads it
    page = article_html("late", "A story whose page comes late").replace(b"</title>", f'</title><link rel="canonical" href="{link}">'.encode())
    site.pages["/articles/late.html"] = (page, "text/html; charset=utf-8")
    news_pipeline(source_config=SourceConfig(name="late-page", kind="page", location=link, **FAST), warehouse=str(root))
    rows = query(root, "SELECT a.format, m.story_id, s.canonical_article_id FROM articles a JOIN story_members m USING (article_id) "
                       "JOIN stories s USING (story_id) ORDER BY a.format")
    assert [r[0] for r in rows] == ["feed-item", "html"]
    assert rows[0][1] == rows[1][1], "the full page joins the feed item's story"
    full_id = query(root, "SELECT article_id FROM articles WHERE format = 'html'")[0][0]
    assert rows[0][2] == full_id != partial_id, "the story prefers the full text"


def test_run_folder_reads_feed_files_and_opml_imports(prefect_harness, site: Site, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    for fmt, render in FEEDS.items():
        items = [(f"https://example.org/{fmt}/{i}", f"{fmt}{i}", f"A {fmt} headline number {i}") for i in range(2)]
        body, _ = render("https://example.org/", items)
        (drop / f"feed-{fmt}.{'json' if fmt == 'jsonfeed' else 'xml'}").write_bytes(body.replace(b"Teaser.", b"What the feed says about it in a sentence."))
    opml = ('<?xml version="1.0"?><opml version="2.0"><head><title>subs</title></head><body><outline text="News">'
            f'<outline text="Local RSS" type="rss" xmlUrl="{site.url("/rss")}"/>'
            '<outline text="Other" type="rss" xmlUrl="https://example.org/feed.xml"/></outline></body></opml>')
    (drop / "subscriptions.opml").write_text(opml, encoding="utf-8")
    root = tmp_path / "wh"
    [summary] = cli("run", str(drop), "--warehouse", str(root), "--format", "json")
    assert summary["articles"] == 6 and summary["rejects_by_reason"] == {"ingest/feed-list": 1}
    assert query(root, "SELECT DISTINCT format FROM articles") == [("feed-item",)]

    config = tmp_path / "newsflow.toml"
    config.write_text(f'[warehouse]\nroot = "{root}"\n', encoding="utf-8")
    for _ in range(2):  # a second import adds nothing
        result = CliRunner().invoke(app, ["sources", "import", str(drop / "subscriptions.opml"), "--config", str(config)])
        assert result.exit_code == 0, result.output
    from flows.config import load_config

    cfg = load_config(config)
    assert [(s.name, s.kind, s.location) for s in cfg.sources] == [
        ("local-rss", "feed", site.url("/rss")), ("other", "feed", "https://example.org/feed.xml")]
