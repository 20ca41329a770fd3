"""Hostile inputs: each is refused with a reason (or, when it is honest text, read correctly), the
run completes, and memory stays bounded.

One folder holds them all and goes through the real `news-pipeline` flow; the unit-level tests
take each file alone through the folder source and `parse_document` and measure its memory.
Feeds, sitemaps and WARC files are not folder inputs: they go through their own source kinds.
"""

from __future__ import annotations

import gzip
import io
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from flows.pipeline import news_pipeline
from tasks.normalize.batch import normalize_documents
from tasks.normalize.documents import parse_document
from tasks.ingest import documents_table
from tasks.records import RawDocument, Reject, RejectError
from tasks.sources.base import SourceState
from tasks.sources.feed import iter_feed
from tasks.sources.files import iter_files
from tasks.sources.sitemap import MAX_SITEMAP_BYTES, gunzip_capped, iter_sitemap
from tasks.sources.warc import iter_warc
from tests.conftest import REPO
from warehouse.lake import Warehouse
from warehouse.lake import connect

MB = 1024 * 1024
INTRO = "The council agreed the budget on Tuesday after a long debate about roads, schools and the harbour."
GOOD = (
    "Harbour Council Agrees Budget After Long Debate\n\n"
    "The harbour council agreed next year's budget on Tuesday after a debate that ran past midnight.\n\n"
    "Councillors voted to repair the sea wall first and to delay the new ferry terminal by a year.\n\n"
    "The mayor said the vote showed the town could still agree on what mattered most to it.\n"
)
CP1252_TEXT = "Café owners in Montréal said the crème brûlée tax was “absurd” — and would hurt naïve tourists most."
UTF16_TEXT = "Ferry Terminal Delayed Again\n\nThe new ferry terminal will open a year late, the port authority said on Monday.\n\nIt blamed rising steel prices and a shortage of welders.\n"
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY lol "lol">'
    + b"".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10))
    + b']>\n<rss version="2.0"><channel><title>&lol9;</title><item><title>x</title><link>https://x.example/a</link>'
    b"<description>&lol9;</description></item></channel></rss>"
)
XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b'<rss version="2.0"><channel><title>&xxe;</title><item><title>&xxe;</title><link>https://x.example/b</link></item></channel></rss>'
)
SITEMAP_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.example/&b;</loc></url></urlset>'
)
SITEMAP_XXE = (
    b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&x;</loc></url></urlset>'
)


def gzip_bomb(inflated: int = 1024 * MB, member: int = 16 * MB) -> bytes:
    """`inflated` bytes of zeros as ~1 KB per MB of gzip: one compressed member, repeated (RFC 1952
    allows many members; every gunzip concatenates them). Compressing 1 GB would take 20 s."""
    one = gzip.compress(bytes(member), compresslevel=9)
    return one * (inflated // member)


def nested_html(depth: int = 100_000) -> bytes:
    return (
        "<!DOCTYPE html><html><head><title>Deep page</title></head><body>"
        f"<p>{INTRO}</p>" + "<div>" * depth + "deep text" + "</div>" * depth + "</body></html>"
    ).encode()


# name -> (content or a writer, expected outcome). An outcome is ("reject", stage, reason) or
# ("article", text the article's body must hold).
def _write_big_text(path: Path) -> None:
    line = b"All work and no play makes a very long text file that no newsroom ever published.\n"
    with path.open("wb") as out:  # written in chunks: the test itself must not hold 50 MB
        chunk = line * (MB // len(line))
        for _ in range(50):
            out.write(chunk)


HOSTILE: dict[str, tuple[object, tuple]] = {
    "empty.txt": (b"", ("reject", "normalize", "empty-file")),
    "binary.bin": (random.Random(7).randbytes(256 * 1024), ("reject", "normalize", "binary")),
    "big.txt": (_write_big_text, ("reject", "ingest", "too-large")),
    "invalid-utf8.txt": (CP1252_TEXT.encode("cp1252"), ("article", CP1252_TEXT)),
    "utf16-bom.txt": (UTF16_TEXT.encode("utf-16"), ("article", "The new ferry terminal will open a year late")),
    "bomb.gz": (gzip_bomb(), ("reject", "ingest", "zip-bomb")),
    "laughs.xml": (LAUGHS, ("reject", "normalize", "not-an-article")),
    "xxe.xml": (XXE, ("reject", "normalize", "not-an-article")),
    "nested.html": (nested_html(), ("article", INTRO)),
    "deep.json": (b"[" * 100_000 + b"]" * 100_000, ("reject", "normalize", "bad-json")),
    "records.jsonl": (
        b'{"title": "Budget agreed", "body": "The harbour council agreed the budget on Tuesday.", "url": "https://x.example/budget"}\n'
        b'{"title": 5, "body": ["x"]}\n',
        ("article", "The harbour council agreed the budget on Tuesday."),
    ),
}


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for name, (content, _) in HOSTILE.items():
        if callable(content):
            content(folder / name)
        else:
            (folder / name).write_bytes(content)
    (folder / "good.txt").write_text(GOOD)
    return folder


@pytest.fixture(scope="module")
def hostile_run(hostile_folder: Path, tmp_path_factory, prefect_harness):
    warehouse = tmp_path_factory.mktemp("wh") / "warehouse"
    # A warm-up run on the good file alone loads what every run loads (models, Delta, DuckDB),
    # so the growth measured next is what the hostile files cost.
    warm = tmp_path_factory.mktemp("warm")
    (warm / "good.txt").write_text(GOOD)
    news_pipeline([str(warm)], str(tmp_path_factory.mktemp("wh-warm") / "warehouse"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    summary = news_pipeline([str(hostile_folder)], str(warehouse))
    elapsed = time.monotonic() - started
    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024  # ru_maxrss is KB on Linux
    con = connect(Warehouse(warehouse))
    rejects = con.execute("SELECT uri, stage, reason, detail FROM rejects").fetchall()
    articles = con.execute("SELECT uri, format, title, body FROM articles").fetchall()
    loads = con.execute("SELECT status FROM loads").fetchall()
    con.close()
    return summary, rejects, articles, loads, elapsed, growth_mb


def test_run_completes_with_bounded_memory_and_time(hostile_run, hostile_folder: Path) -> None:
    summary, rejects, articles, loads, elapsed, growth_mb = hostile_run
    assert ("committed",) in loads
    assert summary["articles"] == len(articles) == 5  # good, invalid-utf8, utf16, nested.html, records.jsonl#0
    assert {Path(uri).name for uri, *_ in articles} >= {"good.txt"}
    # The folder holds 50 MB of text and a 1 GB gzip bomb; the run reads neither into many copies.
    assert growth_mb < 256, f"peak RSS grew by {growth_mb:.0f} MB"
    assert elapsed < 120


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_input_refused_or_read_correctly(hostile_run, name: str) -> None:
    _, rejects, articles, *_ = hostile_run
    expected = HOSTILE[name][1]
    mine_rejects = [(stage, reason, detail) for uri, stage, reason, detail in rejects if Path(uri.split("#")[0]).name == name]
    mine_articles = [body for uri, _fmt, _title, body in articles if Path(uri).name == name]
    if expected[0] == "reject":
        _, stage, reason = expected
        assert [(s, r) for s, r, _ in mine_rejects] == [(stage, reason)], mine_rejects
        assert mine_rejects[0][2], "a reject says what was wrong"
        assert mine_articles == []
    else:
        assert len(mine_articles) == 1 and expected[1] in mine_articles[0], mine_articles
        if name != "records.jsonl":
            assert mine_rejects == []


def test_json_record_with_wrong_types_is_one_reject_with_its_index(hostile_run) -> None:
    _, rejects, articles, *_ = hostile_run
    [(uri, stage, reason, detail)] = [r for r in rejects if "records.jsonl" in r[0]]
    assert uri.endswith("records.jsonl#1") and (stage, reason) == ("normalize", "bad-record")
    assert detail.startswith("record 1: field 'body' should be str, got list")
    [(title, body)] = [(t, b) for uri, _f, t, b in articles if uri.endswith("records.jsonl")]
    assert title == "Budget agreed"


def test_legitimate_encodings_decode_to_the_right_text(hostile_run) -> None:
    _, _, articles, *_ = hostile_run
    by_name = {Path(uri).name: (title, body) for uri, _f, title, body in articles}
    assert by_name["invalid-utf8.txt"][1] == CP1252_TEXT
    assert by_name["utf16-bom.txt"][0] == "Ferry Terminal Delayed Again"
    assert "\ufffd" not in by_name["utf16-bom.txt"][1] and "\x00" not in by_name["utf16-bom.txt"][1]


# --- each input alone, memory measured ---------------------------------------------------------


@pytest.fixture(scope="module")
def warm_parsers() -> None:
    """One ordinary page first: the language model loads on first use (~140 MB), once per process."""
    page = f"<html><head><title>Warm</title></head><body><article><p>{INTRO}</p></article></body></html>"
    parse_document(page.encode(), "https://x.example/warm")


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_input_alone_has_bounded_memory(hostile_folder: Path, warm_parsers: None, name: str) -> None:
    """Folder source + parse_document per file: Python allocations stay within a small multiple of
    the input's size (the 50 MB file is never read, the bomb is never inflated)."""
    path = hostile_folder / name
    tracemalloc.start()
    started = time.monotonic()
    try:
        outcomes = []
        for item in iter_files([path]):
            if isinstance(item, Reject):
                outcomes.append(("reject", item.stage, item.reason))
                continue
            try:
                parsed = parse_document(item.content, item.uri)
            except RejectError as exc:
                parsed = [exc]
            outcomes += [("reject", "normalize", p.reason) if isinstance(p, RejectError) else ("article",) for p in parsed]
            del item
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    expected = HOSTILE[name][1]
    assert outcomes[0] == (expected if expected[0] == "reject" else ("article",))
    size = path.stat().st_size
    if name == "big.txt":
        assert peak < MB, "a too-large file must be refused before it is read"
    else:
        assert peak < 8 * size + 16 * MB, f"{peak / MB:.0f} MB of Python allocations for {size / MB:.1f} MB"
    assert elapsed < 10


def test_nested_html_bounded_in_a_fresh_process(hostile_folder: Path) -> None:
    """lxml's memory is invisible to tracemalloc: measure the whole process's RSS growth instead."""
    code = (
        "import resource, sys, time; from tasks.normalize.html import parse_html; "
        "from tasks.normalize.decode import decode_text; "
        "parse_html('<html><body><article><p>' + 'A warm-up page loads the language model. ' * 5 + '</p></article></body></html>'); "
        "text = decode_text(open(sys.argv[1], 'rb').read()); "
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; t = time.monotonic(); "
        "body = parse_html(text, 'https://x.example/deep').body; "
        "print(time.monotonic() - t, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024, body[:200])"
    )
    out = subprocess.run([sys.executable, "-c", code, str(hostile_folder / "nested.html")], cwd=REPO,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    seconds, growth_mb, body = out.split(" ", 2)
    assert float(seconds) < 5 and int(growth_mb) < 300
    assert body.strip().startswith(INTRO)


# --- feeds, sitemaps, WARC: through their own source kinds ------------------------------------


@pytest.mark.parametrize("content", [LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_hostile_feed_file_is_refused_before_expansion(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(content)
    tracemalloc.start()
    try:
        items = list(iter_feed(str(path), fetcher=None, state=SourceState()))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(i.stage, i.reason) for i in items] == [("ingest", "xml-unsafe")]
    assert "passwd" not in items[0].detail and "lollol" not in items[0].detail
    assert peak < 4 * MB  # 10**9 "lol"s expanded would be 3 GB


@pytest.mark.parametrize("content", [SITEMAP_LAUGHS, SITEMAP_XXE, gzip.compress(SITEMAP_LAUGHS)], ids=["billion-laughs", "xxe", "gzipped-laughs"])
def test_hostile_sitemap_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "sitemap.xml"
    path.write_bytes(content)
    items = list(iter_sitemap(str(path), fetcher=None, state=SourceState()))
    assert [(i.stage, i.reason) for i in items] == [("ingest", "xml-unsafe")]


def test_gzip_bomb_sitemap_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    bomb = gzip_bomb()  # 1 GB inflated, 1 MB on disk
    path = tmp_path / "sitemap.xml.gz"
    path.write_bytes(bomb)
    tracemalloc.start()
    started = time.monotonic()
    try:
        items = list(iter_sitemap(str(path), fetcher=None, state=SourceState()))
        with pytest.raises(RejectError, match="too-large"):
            gunzip_capped(bomb, limit=MAX_SITEMAP_BYTES, uri=str(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(i.stage, i.reason) for i in items] == [("ingest", "too-large")]
    assert peak < 3 * MAX_SITEMAP_BYTES, f"{peak / MB:.0f} MB"  # inflation stops at the cap, not at 1 GB
    assert time.monotonic() - started < 10


def _warc_with_corrupt_record() -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=False)
    pages = {
        "https://x.example/one": f"<html><head><title>One</title></head><body><p>{INTRO}</p></body></html>",
        "https://x.example/two": "<html><head><title>Two</title></head><body><p>" + "second page text " * 30 + "</p></body></html>",
        "https://x.example/three": "<html><head><title>Three</title></head><body><p>" + "third page text " * 30 + "</p></body></html>",
    }
    for url, page in pages.items():
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(page.encode()), http_headers=http))
    data = buf.getvalue()
    # Damage the second record's payload: same length, wrong bytes, so its digest no longer matches.
    at = data.index(b"second page text")
    return data[:at] + b"XXXXXX" + data[at + 6:]


def test_warc_with_corrupt_record_gives_a_reject_and_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc"
    path.write_bytes(_warc_with_corrupt_record())
    items = list(iter_warc(str(path), state=SourceState()))
    docs = [i for i in items if isinstance(i, RawDocument)]
    rejects = [i for i in items if isinstance(i, Reject)]
    assert [d.uri for d in docs] == ["https://x.example/one", "https://x.example/three"]
    assert [(r.uri, r.stage, r.reason) for r in rejects] == [("https://x.example/two", "ingest", "warc-corrupt")]
    assert "digest" in rejects[0].detail.lower()
    normalized = normalize_documents(documents_table(docs, "load"), "load")
    assert normalized.articles.num_rows == 2 and not normalized.rejects
