"""HTML normalizer: golden fields from small hand-made pages, and hostile input never crashes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tasks.normalize.html import parse_html
from tasks.normalize.bylines import split_authors
from tasks.normalize.html_fields import choose_published, parse_datetime
from tasks.normalize.html_title import choose_title
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
    chosen, raw = choose_published(["2024-03-05T09:30:00"], ["2024-03-05T10:00:00+01:00"])
    assert chosen.utcoffset() == timedelta(hours=1) and raw == "2024-03-05T09:30:00"


def _page(head: str, body: str) -> str:
    return f"<html lang='en'><head>{head}</head><body><article>{body}</article></body></html>"


def test_json_ld_headline_wins_over_a_differing_og_title() -> None:
    # og:title is often a shorter social-media variant; the JSON-LD headline is the visible one
    head = (
        '<meta property="og:title" content="Council budget approved">'
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"headline": "Council approves transport budget after months of debate"}</script>'
    )
    page = _page(head, "".join(f"<p>{p}</p>" for p in PARAGRAPHS))
    assert parse_html(page).title == "Council approves transport budget after months of debate"


def test_short_title_cut_when_the_h1_confirms_it() -> None:
    sites = ["example.it", "example"]
    title = "„Unermüdlicher Einsatz“ - Die Neue Tageszeitung"
    assert choose_title([title], ["„Unermüdlicher Einsatz“"], sites) == "„Unermüdlicher Einsatz“"
    assert choose_title([title], [], sites) == title  # unconfirmed: the trailing phrase stays


WIRE_PAGE = _page(
    "<title>Scientists map the world's faults</title>",
    "<h1>Scientists map the world's faults</h1>"
    f"<p>WASHINGTON (Reuters) - {PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p>"
    "<p>(Reporting by Will Dunham; Editing by Tom Brown)</p>",
)


def test_wire_dateline_and_credits_come_off_the_html_body() -> None:
    # the same rules as the text renditions, so an HTML copy and a text copy get one body
    article = parse_html(WIRE_PAGE, "https://wire.example/science/faults")
    assert article.body.split("\n\n") == PARAGRAPHS[:2]
    assert article.extra["dateline"] == "WASHINGTON (Reuters)"
    assert article.authors == ("Will Dunham",)  # no author in the markup: the reporter credit


def test_byline_in_markup_beats_the_wire_credit() -> None:
    page = WIRE_PAGE.replace("<head>", '<head><meta name="author" content="Jane Doe">')
    assert parse_html(page).authors == ("Jane Doe",)


def test_one_extraction_unless_precision_keeps_a_fragment(monkeypatch: pytest.MonkeyPatch) -> None:
    from tasks.normalize import html_body

    calls: list[bool] = []
    real = html_body.trafilatura.bare_extraction

    def counting(tree, **options):
        calls.append(bool(options.get("favor_precision")))
        return real(tree, **options)

    monkeypatch.setattr(html_body.trafilatura, "bare_extraction", counting)
    parse_html(ARTICLE_PAGE, "https://example.org/news/2024/council-budget")
    assert calls == [True]  # precision mode kept the page's prose: no second (default) run


def test_default_extraction_when_precision_keeps_a_fragment(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from lxml import html as lxml_html

    from tasks.normalize import html_body

    full = "\n".join(PARAGRAPHS * 3)
    monkeypatch.setattr(
        html_body.trafilatura,
        "bare_extraction",
        lambda tree, **options: SimpleNamespace(text=PARAGRAPHS[0][:60] if options.get("favor_precision") else full),
    )
    tree = lxml_html.fromstring(_page("", "".join(f"<p>{p}</p>" for p in PARAGRAPHS * 3)))
    assert html_body.main_text(tree, None) == "\n\n".join(PARAGRAPHS * 3)


def test_kicker_comes_off_when_another_title_omits_it() -> None:
    sites = ["example.de", "example"]
    headline = "Trump spricht nach Tanker-Stürmung über Bodeneinsätze"
    kicker_title = f'"Es wird bald beginnen": {headline}'
    assert choose_title([kicker_title, headline], [], sites) == headline
    # an <h1> alone does not count: the kicker often sits in its own element beside it
    assert choose_title([kicker_title], [headline], sites) == kicker_title


LEAD = "Fares stay frozen for two years while the tram network grows into three northern districts."


def test_printed_lead_paragraph_is_put_back_in_front() -> None:
    # the standfirst sits outside the text container; it is article text when the page prints it
    head = f'<meta property="og:description" content="{LEAD}">'
    body = f'<h1>Council approves budget</h1><div class="standfirst">{LEAD}</div><div class="text">' + "".join(
        f"<p>{p}</p>" for p in PARAGRAPHS
    ) + "</div>"
    article = parse_html(_page(head, body))
    assert article.body.split("\n\n")[0] == LEAD
    assert article.body.count("Fares stay frozen") == 1


def test_meta_description_alone_is_not_article_text() -> None:
    head = f'<meta property="og:description" content="{LEAD}">'
    article = parse_html(_page(head, "".join(f"<p>{p}</p>" for p in PARAGRAPHS)))
    assert LEAD not in article.body


def test_read_also_teasers_and_photo_credits_leave_the_body() -> None:
    paragraphs = [PARAGRAPHS[0], "Lesen Sie auch: Neue Tram fährt ab Montag", "Photo: AFP", PARAGRAPHS[1]]
    article = parse_html(_page("", "".join(f"<p>{p}</p>" for p in paragraphs)))
    assert article.body.split("\n\n") == PARAGRAPHS[:2]
