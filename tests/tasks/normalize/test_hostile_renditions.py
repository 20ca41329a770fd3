"""Hostile versions of the whole-file renditions are refused with a reason and bounded memory:
a PDF with a compression-bomb stream, a DOCX zip bomb, an mbox of 100,000 tiny messages, a
billion-laughs NewsML-G2 item. Each also goes through a normalize batch beside a good file."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zipfile
import zlib

import pytest

from tasks.ingest import documents_table
from tasks.normalize import pdf
from tasks.normalize.documents import normalize_serial, parse_document
from tasks.records import RawDocument, RejectError
from tests.tasks.normalize.renderings import render_docx, render_newsml, render_pdf, seed_story

MB = 1024 * 1024


def flate_bomb(inflated: int = 1024 * MB) -> bytes:
    """A zlib stream of `inflated` zero bytes in ~1 KB per MB, made in a blink: after a full flush
    deflate starts afresh, so the compressed form of each further MB is the same bytes."""
    chunk = bytes(MB)
    deflate = zlib.compressobj(9)
    first = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    unit = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(inflated // MB):
        checksum = zlib.adler32(chunk, checksum)
    return first + unit * (inflated // MB - 1) + b"\x03\x00" + struct.pack(">I", checksum)


def pdf_bomb() -> bytes:
    """A one-page PDF whose content stream inflates to 1 GB."""
    stream = flate_bomb()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def docx_bomb(inflated: int = 256 * MB) -> bytes:
    """The seed DOCX plus a media part of `inflated` zeros (streamed in: never held whole)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(render_docx(seed_story()))) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename))
        with target.open("word/media/image1.png", "w") as member:  # by name: the archive's fast level
            zeros = bytes(MB)
            for _ in range(inflated // MB):
                member.write(zeros)
    return out.getvalue()


def tiny_mbox(messages: int = 100_000) -> bytes:
    one = b"From a@x.example Mon Dec 11 09:30:00 2017\nFrom: a@x.example\nSubject: hi %d\nDate: Mon, 11 Dec 2017 09:30:00 +0000\n\nok\n\n"
    return b"".join(one % n for n in range(messages))


def laughs_newsml() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    item = render_newsml(seed_story(), doctype=f"\n<!DOCTYPE newsItem [{entities}]>")
    return item.replace(b"<headline>", b"<headline>&lol9;", 1)


HOSTILE = {
    "bomb.pdf": (pdf_bomb, ["compression-bomb"]),
    "bomb.docx": (docx_bomb, ["zip-bomb"]),
    "tiny.mbox": (tiny_mbox, ["no-article-text", "too-many-messages"]),
    "laughs.xml": (laughs_newsml, ["xml-unsafe"]),
}


@pytest.fixture(scope="module")
def hostile() -> dict[str, bytes]:
    return {name: make() for name, (make, _) in HOSTILE.items()}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_refused_with_a_reason_and_bounded_memory(hostile, name):
    content = hostile[name]
    parse_document(render_pdf(seed_story()), "warm.pdf")  # libraries loaded before measuring
    tracemalloc.start()
    started = time.monotonic()
    try:
        try:
            outcome = parse_document(content, name)
        except RejectError as exc:
            outcome = [exc]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert all(isinstance(item, RejectError) for item in outcome), outcome[:3]
    assert [item.reason for item in outcome] == HOSTILE[name][1]
    assert all(item.detail for item in outcome), "a reject says what was wrong"
    assert peak < 4 * len(content) + 32 * MB, f"{peak / MB:.0f} MB of Python allocations for {len(content) / MB:.1f} MB"
    assert time.monotonic() - started < 15


def test_bomb_details_name_the_limit(hostile):
    with pytest.raises(RejectError, match="inflate past 128 MB"):
        parse_document(hostile["bomb.pdf"], "bomb.pdf")
    with pytest.raises(RejectError, match=r"inflate to \d+ bytes > limit"):
        parse_document(hostile["bomb.docx"], "bomb.docx")
    *_, too_many = parse_document(hostile["tiny.mbox"], "tiny.mbox")
    assert too_many.detail.startswith("100000 messages: the first 5000 were read, 95000 were not")


def test_screen_stops_inflating_at_the_limit():
    tracemalloc.start()
    try:
        with pytest.raises(RejectError):
            pdf.check_inflated_size(pdf_bomb(), limit=8 * MB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MB  # the compressed file (~1 MB) and one output chunk at a time


def test_a_batch_with_them_completes_and_keeps_the_good_file(hostile):
    raws = [RawDocument(source="t", uri=name, content=content) for name, content in hostile.items()]
    raws.append(RawDocument(source="t", uri="good.pdf", content=render_pdf(seed_story())))
    result = normalize_serial(documents_table(raws, "L"), "L")
    assert result.articles.column("uri").to_pylist() == ["good.pdf"]
    found = {(r.uri.split("#")[0], r.stage, r.reason) for r in result.rejects}
    assert found == {(name, "normalize", reason) for name, (_, reasons) in HOSTILE.items() for reason in reasons}
