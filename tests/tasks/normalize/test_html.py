"""HTML normalizer: golden fields from small hand-made pages, and hostile input never crashes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tasks.normalize.html import parse_html
from tasks.normalize.html_fields import choose_published, choose_title, parse_datetime, split_authors
from tasks.records import RejectError

PARAGRAPHS = [
    "The city council voted on Tuesday evening to approve a new budget for public transport, "
    "ending months of debate between the mayor and the opposition over fares and routes.",
    "Under the plan, bus fares will stay frozen for two years while the tram network is extended "
    "to three districts in the north of the city that have long complained of poor service.",
    "Critics said the budget relies on optimistic forecasts of ticket sales and warned that "
    "maintenance of the existing lines could suffer if the extension runs over its costs.",
]

ARTICLE_PAGE = f"""<!doctype html>
<html lang="en-GB"><head>
<title>Council approves transport budget | The Daily Example</title>
<meta property="og:title" content="Council approves transport budget | The Daily Example">
<meta property="og:site_name" content="The Daily Example">
<meta property="og:url" content="https://example.org/og-url">
<link rel="canonical" href="/news/2024/council-budget">
<script type="application/ld+json">
{{"@context": "https://schema.org", "@graph": [
  {{"@type": "WebSite", "name": "The Daily Example"}},
  {{"@type": "NewsArticle", "headline": "Council approves transport budget",
    "datePublished": "2024-03-05T09:30:00+01:00",
    "author": [{{"@type": "Person", "name": "Jane Doe"}}, {{"@type": "Person", "name": "By John Roe"}}],
    "comment": [{{"@type": "Comment", "author": {{"name": "Angry Reader"}}}}]}}
]}}
</script>
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article>
  <h1>Council approves transport budget</h1>
  <p>{PARAGRAPHS[0]}</p>
  <figure><img src="/tram.jpg"><figcaption>A tram waits at the depot. Photo: Example Agency</figcaption></figure>
  <p>{PARAGRAPHS[1]}</p>
  <h2>What the critics say</h2>
  <p>{PARAGRAPHS[2]}</p>
  <div class="related-stories"><h3>Related</h3><ul>
    <li><a href="/news/2024/mayor-interview">Mayor defends tram extension in long interview</a></li>
  </ul></div>
</article>
<section class="comments"><div class="comment"><span class="author">Angry Reader</span>
<p>This is a waste of money and everybody knows it, they never finish anything on time.</p></div></section>
<footer>Copyright The Daily Example</footer>
</body></html>"""


def test_article_page_golden_fields() -> None:
    article = parse_html(ARTICLE_PAGE, "https://example.org/news/2024/council-budget?utm_source=x")

    assert article.format == "html"
    assert article.title == "Council approves transport budget"  # " | The Daily Example" cut off
    assert article.authors == ("Jane Doe", "John Roe")  # JSON-LD, "By" stripped, no comment author
    assert article.published_at == datetime(2024, 3, 5, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    assert article.published_at.astimezone(timezone.utc) == datetime(2024, 3, 5, 8, 30, tzinfo=timezone.utc)
    assert article.canonical_url == "https://example.org/news/2024/council-budget"
    assert article.site_name == "The Daily Example"
    assert article.language == "en"


def test_article_body_keeps_headings_drops_captions_and_boxes() -> None:
    article = parse_html(ARTICLE_PAGE, "https://example.org/news/2024/council-budget")
    paragraphs = article.body.split("\n\n")

    for paragraph in PARAGRAPHS:
        assert paragraph in paragraphs
    assert "What the critics say" in paragraphs  # a section heading is its own paragraph
    assert "A tram waits" not in article.body
    assert "Mayor defends tram extension" not in article.body
    assert "waste of money" not in article.body
    assert "Copyright" not in article.body
    related = [link for link in article.links if link.kind == "related"]
    assert [link.url for link in related] == ["https://example.org/news/2024/mayor-interview"]
    assert ("https://example.org/news/2024/council-budget", "canonical") in {(l.url, l.kind) for l in article.links}


BYLINE_PAGE = """<html><head>
<title>Neue Brücke über den Fluss eröffnet - Stadtanzeiger</title>
<meta property="article:published_time" content="2024-06-01T18:45:00-04:00">
</head><body><article>
<h1>Neue Brücke über den Fluss eröffnet</h1>
<p class="byline">By Alice Smith and Bob Jones</p>
<p>Nach drei Jahren Bauzeit ist die neue Brücke über den Fluss am Samstag feierlich eröffnet worden.
Hunderte Menschen kamen zur Einweihung und liefen als Erste über die breite Fußgängerspur.</p>
<p>Die Stadt hatte den Bau beschlossen, nachdem die alte Brücke wegen Rissen im Beton gesperrt werden
musste. Seitdem mussten Pendler einen Umweg von mehreren Kilometern in Kauf nehmen.</p>
</article></body></html>"""


def test_byline_authors_undeclared_language_and_utc() -> None:
    article = parse_html(BYLINE_PAGE, "https://stadtanzeiger.example/2024/06/01/bruecke")

    assert article.title == "Neue Brücke über den Fluss eröffnet"  # confirmed by the <h1>
    assert article.authors == ("Alice Smith", "Bob Jones")
    assert article.published_at.astimezone(timezone.utc) == datetime(2024, 6, 1, 22, 45, tzinfo=timezone.utc)
    assert article.language == "de"  # nothing declared: detected from the body
    assert article.extra["language_source"] == "detected"


def test_declared_language_overridden_only_by_clear_text() -> None:
    page = BYLINE_PAGE.replace("<html>", '<html lang="en">')
    assert parse_html(page).language == "de"  # a template's "en" on a German article


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n ",
        "<html><body><nav><a href='/'>Home</a></nav></body></html>",
        "\x00\x01\x02 garbage \xff\xfe" * 50,
        "<" * 10000,
        "<html>" + "<div>" * 100_000 + "text" + "</div>" * 100_000 + "</html>",
        "<html><body>" + "<p>" * 50_000 + "</body></html>",
        "<script>" + "x" * 100_000,
    ],
)
def test_hostile_or_empty_html_is_rejected_not_crashing(text: str) -> None:
    with pytest.raises(RejectError) as info:
        parse_html(text)
    assert info.value.reason in {"no-article-text", "unparseable-html", "html-too-large"}


def test_broken_json_ld_is_ignored() -> None:
    page = ARTICLE_PAGE.replace('{"@context"', '{"@context" ,,, broken', 1)
    article = parse_html(page, "https://example.org/x")
    assert article.title == "Council approves transport budget"


def test_title_choice_prefers_confirmed_cut() -> None:
    sites = ["Example News", "example.com", "example"]
    assert choose_title(["Headline here | Example News"], [], sites) == "Headline here"
    assert choose_title(["Headline text – DW – 28.04.2023"], [], ["DW"]) == "Headline text"
    # an unknown trailing phrase is cut only when another source confirms the shorter title
    assert choose_title(["A long headline about many things - Local"], [], sites) == "A long headline about many things - Local"
    assert choose_title(["A long headline about many things - Local"], ["A long headline about many things"], sites) == (
        "A long headline about many things"
    )


def test_author_splitting() -> None:
    assert split_authors(["By Jane Doe and John Roe"]) == ["Jane Doe", "John Roe"]
    assert split_authors(["Von Anna Schmidt und Peter Müller"]) == ["Anna Schmidt", "Peter Müller"]
    assert split_authors(["Oliver Maksan (oma)", "https://example.org/author/x", "jane-doe"]) == ["Oliver Maksan"]


def test_dates_keep_their_zone() -> None:
    assert parse_datetime("2024-01-02T03:04:05Z").tzinfo is not None
    assert parse_datetime("Tue, 05 Mar 2024 09:30:00 CEST").utcoffset() == timedelta(hours=2)
    assert parse_datetime("not a date") is None
    assert parse_datetime("1870-01-01") is None
    # a zoneless date borrows the zone of another date of the same page
    chosen = choose_published(["2024-03-05T09:30:00"], ["2024-03-05T10:00:00+01:00"])
    assert chosen.utcoffset() == timedelta(hours=1)
