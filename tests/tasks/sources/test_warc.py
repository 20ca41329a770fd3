"""WARC source: written here with warcio, then damaged in the ways real crawls get damaged."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tasks.records import RawDocument, Reject
from tasks.sources.base import SourceState
from tasks.sources.warc import iter_warc

PAGE_1 = b"<!DOCTYPE html><html><head><title>One</title></head><body>" + b"first " * 200 + b"</body></html>"
PAGE_2 = b"<html><head><title>Two</title></head><body>" + b"second " * 200 + b"</body></html>"
TAIL = b"<html><head><title>Three</title></head><body>" + b"third " * 200 + b"</body></html>"


def _write_warc(gz: bool) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    writer.write_record(writer.create_warcinfo_record("crawl.warc", {"software": "test"}))

    def response(url: str, body: bytes, content_type: str, status: str = "200 OK") -> None:
        http = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), http_headers=http,
            warc_headers_dict={"WARC-Date": "2025-03-04T05:06:07Z"},
        )
        writer.write_record(record)

    request = writer.create_warc_record(
        "https://news.example/one", "request", payload=io.BytesIO(b""),
        http_headers=StatusAndHeaders("GET /one HTTP/1.1", [("Host", "news.example")], is_http_request=True),
    )
    writer.write_record(request)
    response("https://news.example/one", PAGE_1, "text/html; charset=utf-8")
    response("https://news.example/logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")
    response("https://news.example/two", PAGE_2, "text/html")
    response("https://news.example/gone", b"<html>not found</html>", "text/html", "404 Not Found")
    response("https://news.example/three", TAIL, "text/html")
    return buf.getvalue()


def _run(location: str) -> tuple[list[RawDocument], list[Reject], SourceState]:
    state = SourceState()
    items = list(iter_warc(location, fetcher=None, state=state, source="crawl"))
    return (
        [i for i in items if isinstance(i, RawDocument)],
        [i for i in items if isinstance(i, Reject)],
        state,
    )


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_truncated_warc_gives_complete_pages_and_a_reject(tmp_path: Path, gz: bool) -> None:
    data = _write_warc(gz)
    path = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    path.write_bytes(data[:-300])  # the last record (page three) is cut off
    docs, rejects, state = _run(str(path))
    assert [(d.uri, d.content) for d in docs] == [
        ("https://news.example/one", PAGE_1), ("https://news.example/two", PAGE_2)
    ]
    assert docs[0].fetched_at == datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert docs[0].media_type == "text/html; charset=utf-8" and docs[0].source == "crawl"
    assert [(r.reason, r.stage) for r in rejects] == [("warc-corrupt", "ingest")]
    assert state.skipped == {"warc-warcinfo": 1, "warc-request": 1, "not-html": 1, "http-404": 1}


def test_intact_warc_and_glob(tmp_path: Path) -> None:
    (tmp_path / "a.warc.gz").write_bytes(_write_warc(True))
    (tmp_path / "b.warc").write_bytes(_write_warc(False))
    docs, rejects, _ = _run(str(tmp_path / "*.warc*"))
    assert rejects == [] and len(docs) == 6


def test_corrupted_payload_fails_its_digest_and_the_rest_is_read(tmp_path: Path) -> None:
    data = bytearray(_write_warc(False))
    at = data.index(b"second second")
    data[at : at + 6] = b"SECOND"
    (tmp_path / "bad.warc").write_bytes(bytes(data))
    docs, rejects, _ = _run(str(tmp_path / "bad.warc"))
    assert [d.uri for d in docs] == ["https://news.example/one", "https://news.example/three"]
    assert [(r.reason, r.uri) for r in rejects] == [("warc-corrupt", "https://news.example/two")]
    assert "digest" in rejects[0].detail.lower()


def test_garbage_file_is_a_reject_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "junk.warc").write_bytes(b"this is not a WARC file\n" * 10)
    (tmp_path / "junk.warc.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 100)
    for name in ("junk.warc", "junk.warc.gz"):
        docs, rejects, _ = _run(str(tmp_path / name))
        assert docs == [] and [r.reason for r in rejects] == ["warc-corrupt"], name


def test_missing_files(tmp_path: Path) -> None:
    assert [r.reason for r in _run(str(tmp_path / "none-*.warc"))[1]] == ["not-found"]
    assert [r.reason for r in _run(str(tmp_path / "absent.warc"))[1]] == ["not-found"]


def test_oversized_record_is_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    (tmp_path / "c.warc").write_bytes(_write_warc(False))
    state = SourceState()
    assert len(PAGE_1) < 1300 < len(PAGE_2)
    items = list(iter_warc(str(tmp_path / "c.warc"), state=state, max_record_bytes=1300))
    assert [(type(i).__name__, i.uri) for i in items] == [
        ("RawDocument", "https://news.example/one"),
        ("Reject", "https://news.example/two"),
        ("RawDocument", "https://news.example/three"),
    ]
