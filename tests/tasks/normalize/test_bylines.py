"""Bylines as printed, on small hand-made pages: one golden page per rule, and the case it must leave alone."""

from __future__ import annotations

import json

import pyarrow as pa

from tasks.normalize.bylines import is_role, sort_byline, split_authors, strip_role
from tasks.normalize.documents import article_row
from tasks.normalize.html import parse_html
from tests.tasks.normalize.council_page import BODY, URL
from warehouse.schemas import ARTICLES

SITES = ["Example News", "news.example.org", "example"]


def _page(*, authors: object = None, meta_author: str | None = None, before: str = "", after: str = "") -> str:
    head = '<meta property="og:site_name" content="Example News"><title>Council budget passes</title>'
    if authors is not None:
        article = {"@type": "NewsArticle", "headline": "Council budget passes", "author": authors}
        head += f'<script type="application/ld+json">{json.dumps(article)}</script>'
    if meta_author:
        head += f'<meta name="author" content="{meta_author}">'
    return f"<html lang='en'><head>{head}</head><body>{before}<article><h1>Council budget passes</h1>{BODY}</article>{after}</body></html>"


def _byline(page: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    article = parse_html(page, URL)
    return article.authors, article.agencies


def test_people_over_organisations_and_desks() -> None:
    # a desk beside a person goes; the site's own name gives way to the byline naming a person
    assert _byline(_page(authors=["Jane Doe", "Politics Desk"])) == (("Jane Doe",), ())
    page = _page(authors={"@type": "Organization", "name": "Example News"}, before='<p class="byline">By Jane Doe</p>')
    assert _byline(page) == (("Jane Doe",), ())
    # a name carrying the site's name is the site's (an edition, a sister title), not a person
    page = _page(authors="Example Morning Herald", before='<span class="article__author">Von Jane Doe, Berlin</span>')
    assert _byline(page) == (("Jane Doe",), ())
    # with no person anywhere, the desk is what the page credits: it stays
    assert _byline(_page(authors="Example News Staff")) == (("Example News Staff",), ())


def test_roles_and_credentials_come_off() -> None:
    assert _byline(_page(meta_author="Jane Doe, Senior Political Editor")) == (("Jane Doe",), ())
    assert _byline(_page(authors=["John Roe, MD, MPH", "Ana Ruiz PhD"])) == (("John Roe", "Ana Ruiz"), ())
    assert strip_role("신현주 기자") == "신현주"
    assert strip_role("Jane Doe (Reporter)") == "Jane Doe"
    # a comma that does not start a role, and a title before the name, stay
    assert strip_role("Dr. Max Kolter") == "Dr. Max Kolter"
    assert strip_role("Jiang Xiao Ma") == "Jiang Xiao Ma"  # a name, not the degree MA
    assert strip_role("JANE DOE, MA") == "JANE DOE"
    assert split_authors(["Jane Doe, Berlin"]) == ["Jane Doe", "Berlin"]
    assert strip_role("Guardian staff reporter") == "Guardian staff reporter"  # not a person: no role to cut
    assert is_role("Chief Correspondent") and not is_role("Jane Editor-Doe")


def test_byline_found_where_pages_print_it() -> None:
    # a link to the author's page; the "Written by" label/data pair of link previews
    page = _page(meta_author="Example News", before='<p>von <a href="/autoren/name/max-kolter">Dr. Max Kolter</a></p>')
    assert _byline(page) == (("Dr. Max Kolter",), ())
    head = '<meta name="twitter:label1" content="Written by"><meta name="twitter:data1" content="Jane Doe">'
    assert _byline(_page().replace("<title>", head + "<title>")) == (("Jane Doe",), ())
    # a byline box: the names element, not the box with the outlet and the date glued on
    box = (
        '<div class="byline-section"><span class="author">Kevin Johnson and Kevin McCoy</span>'
        '<span class="publication">Example Today</span><div class="date">Published 7:07 PM Nov 19, 2019</div></div>'
    )
    assert _byline(_page(before=box)) == (("Kevin Johnson", "Kevin McCoy"), ())
    # names and outlet in separate blocks of one element are separate parts
    blocks = '<div class="author-box"><div>By DANICA KIRKA and JILL LAWLESS</div><div>Associated Press</div></div>'
    assert _byline(_page(before=blocks)) == (("DANICA KIRKA", "JILL LAWLESS"), ("Associated Press",))
    # the innermost elements of one byline box are read together
    links = '<div class="byline">By <a rel="author" href="/p/jane">Jane Doe</a> and <a rel="author" href="/p/john">John Roe</a></div>'
    assert _byline(_page(before=links)) == (("Jane Doe", "John Roe"), ())
    fields = '<div class="story-byline"><div class="byline-names">By A. Reporter and B. Writer</div><div class="byline-title">Associated Press</div></div>'
    assert _byline(_page(before=fields)) == (("A. Reporter", "B. Writer"), ("Associated Press",))


def test_role_phrases_after_a_name_are_not_authors() -> None:
    assert split_authors(["By GREG BEACHAM, AP Sports Writer"]) == ["GREG BEACHAM"]
    assert split_authors(["Analysis by Chris Cillizza, CNN Editor-at-large"]) == ["Chris Cillizza"]
    assert split_authors(["Guardian staff reporter"]) == ["Guardian staff reporter"]  # a desk, kept for sort_byline


def test_agencies_are_kept_apart_from_authors() -> None:
    assert _byline(_page(authors=["Jane Doe", "dpa"])) == (("Jane Doe",), ("dpa",))
    assert _byline(_page(meta_author="By Jane Doe and The Associated Press")) == (("Jane Doe",), ("The Associated Press",))
    # an agency alone: no author, and no person picked from the text below
    page = _page(authors="AP", after="<p>(Reporting by Will Dunham; Editing by Tom Brown)</p>")
    assert _byline(page) == ((), ("AP",))
    assert sort_byline(["Reuters", "Jane Doe", "Example News"], SITES).agencies == ["Reuters"]


def test_no_author_from_comments_or_related_story_widgets() -> None:
    related = (
        '<aside class="widget featured-posts"><span class="author">John Roe</span></aside>'
        '<div class="teaserSection"><ul class="articleBox__authorList"><li>Mary Major</li></ul></div>'
    )
    comments = '<div id="comments"><span class="comment-author">Rick Reader</span></div>'
    byline = '<ul class="metaInfoAuthorList"><li><a href="/author/jane">Jane Doe</a></li></ul>'
    assert _byline(_page(before=related + byline, after=comments)) == (("Jane Doe",), ())
    # only widgets and comments: no author at all
    assert _byline(_page(before=related, after=comments)) == ((), ())


def test_agencies_reach_the_articles_row() -> None:
    article = parse_html(_page(authors=["Jane Doe", "Reuters"]), URL)
    row = article_row(article, {"document_id": "d", "source": "s", "uri": URL}, "a", "load")
    assert (row["authors"], row["agencies"]) == (["Jane Doe"], ["Reuters"])
    pa.Table.from_pylist([row], schema=ARTICLES.schema)
