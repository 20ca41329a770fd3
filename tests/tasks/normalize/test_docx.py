"""DOCX renditions: paragraphs, headings, tables, hyperlinks, document properties."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest

from tasks.normalize.detect import detect_binary_format
from tasks.normalize.documents import parse_document
from tasks.records import RejectError
from tests.tasks.normalize.golden import assert_golden
from tests.tasks.normalize.renderings import render_docx, seed_story
from tests.tasks.normalize.story_join import seed_story_id, stories_of


def test_seed_docx_golden():
    [article] = parse_document(render_docx(seed_story()), "seed.docx")
    assert article.format == "docx"
    assert_golden("seed_docx", [article])


def test_title_style_headings_links_and_properties():
    story = seed_story()
    [article] = parse_document(render_docx(story), "seed.docx")
    assert article.title == story["title"]  # the Title-style paragraph, not in the body
    assert not article.body.startswith(story["title"])
    assert article.published_at == datetime(2017, 12, 11, tzinfo=timezone.utc)  # the date line
    assert article.authors == ("Moscow Times Staff",) and article.language == "en-US"
    assert article.extra["headings"] == ["Reactions"] and "\n\nReactions\n\n" in article.body
    assert [(link.url, link.kind) for link in article.links] == [(story["url"], "inline")]


def test_properties_stand_in_for_missing_text_metadata():
    import docx

    document = docx.Document()
    document.core_properties.title = "Ferry Terminal Delayed Again"
    document.core_properties.author = "Port Desk"
    document.core_properties.created = datetime(2021, 3, 4, 5, 6)
    document.add_paragraph("The new ferry terminal will open a year late, the port authority said on Monday.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Opening"
    table.cell(0, 1).text = "Spring 2023"
    out = io.BytesIO()
    document.save(out)
    [article] = parse_document(out.getvalue(), "release.docx")
    assert article.title == "Ferry Terminal Delayed Again" and article.authors == ("Port Desk",)
    assert article.published_at == datetime(2021, 3, 4, 5, 6, tzinfo=timezone.utc)
    assert article.body.endswith("Opening\n\nSpring 2023")


def test_docx_detected_by_content_other_zips_stay_binary():
    import zipfile

    assert detect_binary_format(render_docx(seed_story())) == "docx"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "not a word document")
    assert detect_binary_format(out.getvalue()) is None
    with pytest.raises(RejectError) as caught:
        parse_document(out.getvalue(), "notes.zip")
    assert (caught.value.reason, caught.value.detail) == ("binary", "content starts like a zip archive")


def test_broken_docx_is_a_reject():
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document>not closed")
    with pytest.raises(RejectError) as caught:
        parse_document(out.getvalue(), "broken.docx")
    assert caught.value.reason == "unreadable-docx"


def test_seed_docx_joins_the_seeds_story():
    stories = stories_of({"seed.docx": render_docx(seed_story())})
    assert stories[("seed.docx", seed_story()["title"])] == seed_story_id(stories)
