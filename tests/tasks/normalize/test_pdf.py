"""PDF renditions: text per page through PDFium, then the PDF-text normalizer; metadata fallbacks."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tasks.normalize.detect import detect_binary_format
from tasks.normalize.documents import parse_document
from tasks.normalize.pdf import check_inflated_size, parse_pdf, pdf_date
from tasks.records import RejectError
from tests.tasks.normalize.golden import assert_golden
from tests.tasks.normalize.renderings import _LATIN1, render_pdf, seed_story
from tests.tasks.normalize.story_join import seed_story_id, stories_of


def test_seed_pdf_golden():
    [article] = parse_document(render_pdf(seed_story()), "seed.pdf")
    assert article.format == "pdf"
    assert_golden("seed_pdf", [article])


def test_layout_furniture_and_hyphenation_undone():
    story = seed_story()
    expected = "\n\n".join(p.translate(_LATIN1) for p in story["paragraphs"])
    for options in ({}, {"justify": True}, {"heading": False, "metadata": False}):
        article = parse_pdf(render_pdf(story, **options))
        # every paragraph back, none cut at a page break; no running header, no page numbers
        assert article.body == expected, options
    article = parse_pdf(render_pdf(story))
    assert article.title == story["title"]  # wrapped over two lines in the PDF
    assert article.published_at == datetime(2017, 12, 11, tzinfo=timezone.utc)  # the date line
    assert "opposition groups" in article.body and "state-run RIA Novosti" in article.body
    assert article.extra["pages"] == 2


def test_metadata_fills_what_the_text_lacks():
    story = seed_story()
    article = parse_pdf(render_pdf(story, heading=False))
    assert article.title == story["title"]
    assert article.published_at == story["date"]  # CreationDate
    assert article.authors == ("Moscow Times Staff",)
    bare = parse_pdf(render_pdf(story, heading=False, metadata=False))
    assert bare.title is None and bare.authors == ()


def test_pdf_detected_by_content_not_name():
    data = render_pdf(seed_story())
    assert detect_binary_format(data) == "pdf"
    assert detect_binary_format(b"\n\n" + data) == "pdf"  # junk before the header is allowed
    assert detect_binary_format(b"%PDF is how a PDF starts, says this text file") is None


def test_scanned_pdf_without_text_layer_is_refused():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 150, style="F")  # a "scan": marks on the page, no text
    with pytest.raises(RejectError) as caught:
        parse_document(bytes(pdf.output()), "scan.pdf")
    assert caught.value.reason == "no-text-layer" and "OCR" in caught.value.detail


def test_broken_pdf_is_a_reject_not_a_crash():
    data = render_pdf(seed_story())
    with pytest.raises(RejectError) as caught:
        parse_document(data[: len(data) // 3], "cut.pdf")
    assert caught.value.reason in ("unreadable-pdf", "no-text-layer")


@pytest.mark.parametrize("value, expected", [
    ("D:20171211093000+03'00'", datetime(2017, 12, 11, 6, 30, tzinfo=timezone.utc)),
    ("D:20171211", datetime(2017, 12, 11, tzinfo=timezone.utc)),
    ("D:20171211093000Z", datetime(2017, 12, 11, 9, 30, tzinfo=timezone.utc)),
    ("yesterday", None), ("D:20171345", None), (None, None),
])
def test_pdf_dates(value, expected):
    assert pdf_date(value) == expected


def test_inflated_size_counts_flate_streams_only():
    data = render_pdf(seed_story())
    assert 0 < check_inflated_size(data) < 1_000_000


def test_seed_pdf_joins_the_seeds_story():
    stories = stories_of({"seed.pdf": render_pdf(seed_story())})
    assert stories[("seed.pdf", seed_story()["title"])] == seed_story_id(stories)
