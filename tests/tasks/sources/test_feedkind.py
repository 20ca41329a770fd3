"""Feeds recognised by content wherever they appear: the sniffer, OPML, a folder, a WARC record."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tasks.records import RawDocument, Reject, RejectError
from tasks.sources.base import SourceState
from tasks.sources.feedkind import feed_kind, parse_opml
from tasks.sources.files import iter_files
from tasks.sources.warc import iter_warc

RSS = (b'<?xml version="1.0"?>\n<!-- a comment --><rss version="2.0"><channel><title>T</title>'
       b"<item><title>Harbour reopens</title><link>https://news.example/harbour</link>"
       b"<description>The harbour reopened on Monday after the storm damage was repaired.</description></item>"
       b"</channel></rss>")
ATOM = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title></feed>'
RDF = b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"></rdf:RDF>'
JSONFEED = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": []}).encode()
OPML = (b'<?xml version="1.0"?><opml version="2.0"><body><outline text="News">'
        b'<outline text="A" xmlUrl="https://a.example/feed"/><outline text="A again" xmlUrl="https://a.example/feed"/>'
        b'<outline text="B" xmlUrl="https://b.example/rss"/></outline></body></opml>')


@pytest.mark.parametrize(("body", "kind"), [
    (RSS, "rss"), (ATOM, "atom"), (RDF, "rss"), (JSONFEED, "jsonfeed"), (OPML, "opml"),
    (b"<html><body>x</body></html>", None), (b'<feed xmlns="urn:other"/>', None), (b'{"title": "x"}', None),
    (b"plain text", None),
])
def test_feed_kind_by_content(body: bytes, kind: str | None) -> None:
    assert feed_kind(body) == kind


def test_opml_lists_each_feed_once() -> None:
    assert [(f.url, f.title) for f in parse_opml(OPML, uri="subs.opml")] == [("https://a.example/feed", "A"), ("https://b.example/rss", "B")]
    with pytest.raises(RejectError):
        parse_opml(RSS, uri="x")


def test_feed_file_in_a_folder_gives_its_items(tmp_path: Path) -> None:
    (tmp_path / "news.xml").write_bytes(RSS)
    (tmp_path / "subs.opml").write_bytes(OPML)
    out = list(iter_files([tmp_path], source="drop"))
    [doc] = [i for i in out if isinstance(i, RawDocument)]
    assert doc.uri == "https://news.example/harbour" and b"feed-item" in doc.content
    [reject] = [i for i in out if isinstance(i, Reject)]
    assert reject.reason == "feed-list" and "newsflow sources import" in reject.detail and "2 feeds" in reject.detail


def test_feed_in_a_warc_gives_its_items(tmp_path: Path) -> None:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    http = StatusAndHeaders("200 OK", [("Content-Type", "application/rss+xml")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record("https://news.example/feed", "response", payload=io.BytesIO(RSS),
                                                  http_headers=http, warc_headers_dict={"WARC-Date": "2025-03-04T05:06:07Z"}))
    (tmp_path / "crawl.warc.gz").write_bytes(buf.getvalue())
    out = list(iter_warc(str(tmp_path / "crawl.warc.gz"), state=SourceState(), source="cc"))
    assert [type(i).__name__ for i in out] == ["RawDocument"] and out[0].uri == "https://news.example/harbour"
