"""Title choice on small hand-made pages: one golden page per rule, and the case it must leave alone."""

from __future__ import annotations

import json

from tasks.normalize.html import parse_html
from tests.tasks.normalize.council_page import BODY, URL


def _page(
    *,
    headline: str | None = None,
    og: str | None = None,
    title: str | None = None,
    body_top: str = "",
    extra_head: str = "",
) -> str:
    head = '<meta property="og:site_name" content="Example News">' + extra_head
    if title:
        head += f"<title>{title}</title>"
    if og:
        head += f'<meta property="og:title" content="{og}">'
    if headline:
        article = json.dumps({"@type": "NewsArticle", "headline": headline})
        head += f'<script type="application/ld+json">{article}</script>'
    return f"<html lang='en'><head>{head}</head><body>{body_top}<article>{BODY}</article></body></html>"


SEO = "Council budget 2024: fares frozen, trams extended"
PRINTED = "Trams to reach the north as council ends budget fight"


def test_printed_headline_beats_the_seo_headline() -> None:
    # JSON-LD headline backed only by <title> (the SEO title), og:title is the printed <h1>
    page = _page(headline=SEO, og=PRINTED, title=f"{SEO} | Example News", body_top=f"<h1>{PRINTED}</h1>")
    assert parse_html(page, URL).title == PRINTED


def test_seo_rule_needs_the_printed_headline_and_the_title_split() -> None:
    # the <h1> prints the JSON-LD headline: it is the page's headline
    page = _page(headline=SEO, og=PRINTED, title=f"{SEO} | Example News", body_top=f"<h1>{SEO}</h1>")
    assert parse_html(page, URL).title == SEO
    # <title> sides with og:title: the JSON-LD headline is not an SEO copy of <title>, it stays
    page = _page(headline=SEO, og=PRINTED, title=f"{PRINTED} | Example News", body_top=f"<h1>{PRINTED}</h1>")
    assert parse_html(page, URL).title == SEO


def test_breadcrumb_h1_is_not_the_printed_headline() -> None:
    # the last breadcrumb item is an <h1> repeating the SEO title; the headline is marked up as such
    top = (
        f'<div class="breadcrumbs"><a href="/">Home</a> <h1 class="breadcrumb_last">{SEO}</h1></div>'
        f'<h2 class="entry-title" itemprop="headline">{PRINTED}</h2>'
    )
    page = _page(headline=SEO, og=PRINTED, title=f"{SEO} - Example News", body_top=top)
    assert parse_html(page, URL).title == PRINTED


def test_teaser_headline_in_a_link_is_not_the_printed_headline() -> None:
    top = f'<a href="/other"><h2 itemprop="headline">{PRINTED}</h2></a><h1>{SEO}</h1>'
    page = _page(headline=SEO, og=PRINTED, title=f"{SEO} | Example News", body_top=top)
    assert parse_html(page, URL).title == SEO


HEADLINE = "«Restraint has a lot to do with the US»"


def test_kicker_comes_off_when_the_printed_headline_has_another_kicker() -> None:
    og = f"Iranian attack on Israel: {HEADLINE}"
    top = f'<h1 itemprop="headline"><span>Escalation in the Middle East</span> - <span>{HEADLINE}</span></h1>'
    page = _page(og=og, title=f"{og} - News - Example News", body_top=top)
    assert parse_html(page, URL).title == HEADLINE


def test_reworded_opening_is_not_a_kicker() -> None:
    # "Joburg ..." vs "Johannesburg ...": the labels share words, so it is one headline reworded
    og = "Johannesburg has failed its informal traders: here is what the City needs to do"
    top = "<h1>Joburg has failed its informal traders: here is what the City needs to do</h1>"
    page = _page(headline=og, og=og, title=og, body_top=top)
    assert parse_html(page, URL).title == og


def test_meta_name_headline_stands_in_for_json_ld() -> None:
    headline = "Party leader expels rival, faces pressure to widen appeal"
    suffixed = f"{headline}-Politics | Example News"
    head = f'<meta name="headline" content="{headline}">'
    page = _page(og=suffixed, title=suffixed, extra_head=head)
    assert parse_html(page, URL).title == headline
    # a microdata <meta itemprop="headline"> is often a subheading: it is not used
    page = _page(og=suffixed, title=suffixed, extra_head='<meta itemprop="headline" content="… and more">')
    assert parse_html(page, URL).title == f"{headline}-Politics"


def test_title_copy_decides_between_two_punctuations() -> None:
    curly, straight = "Strava unveils ‘family’ plan and dark mode", "Strava unveils 'family' plan and dark mode"
    page = _page(headline=curly, og=straight, title=f"{straight} | Example News", body_top=f"<h1>{curly}</h1>")
    assert parse_html(page, URL).title == straight
    page = _page(headline=curly, og=straight, title=f"{curly} | Example News", body_top=f"<h1>{curly}</h1>")
    assert parse_html(page, URL).title == curly
    # a separator instead of a colon: same words, <title> sides with og:title
    dashed = "Nuclear plant dismantled - cooling towers blown up"
    colon = "Nuclear plant dismantled: cooling towers blown up"
    page = _page(headline=dashed, og=colon, title=f"{colon} - Politics")
    assert parse_html(page, URL).title == colon
    # different words: not a punctuation question, the JSON-LD headline stays
    other = "Towers fall at old power station"
    page = _page(headline=dashed, og=other, title=f"{other} - Politics")
    assert parse_html(page, URL).title == dashed


# --- issue 17: titles as printed. One golden page per rule, and the case each must leave alone.

SOCIAL = "When trams give up and concrete bursts: the fight against the next heat wave"
SEARCH = "Heat chaos: old trams and brittle concrete named as the biggest risks"
SHOWN = "How the city's trams and motorways are getting ready for heat waves"


def _choice(page: str):
    article = parse_html(page, URL)
    return article.title, article.extra["title_rule"]


def test_printed_headline_over_three_different_headlines() -> None:
    # search, social and printed headline are three different texts: the printed one is the article's
    page = _page(headline=SEARCH, og=SOCIAL, title=f"{SEARCH} | Example News", body_top=f"<h1>{SHOWN}</h1>")
    assert _choice(page) == (SHOWN, "printed-over-rewrites")


def test_metadata_edits_of_one_headline_keep_the_json_ld_headline() -> None:
    # og:title is the JSON-LD headline with a word added: one headline, the printed one is a live-ticker line
    edited = SEARCH.replace("the biggest", "by far the biggest")
    page = _page(headline=SEARCH, og=edited, title=SEARCH, body_top=f"<h1>{SHOWN}</h1>")
    assert _choice(page) == (SEARCH, "jsonld-headline")
    # the metadata agree: a differing <h1> does not overrule them
    page = _page(headline=SEARCH, og=SEARCH, title=SEARCH, body_top=f"<h1>{SHOWN}</h1>")
    assert _choice(page) == (SEARCH, "jsonld-headline")


def test_printed_headline_must_be_a_real_headline() -> None:
    for shown in ("Log In", "Example News", f"{SEARCH[:30]}…", SOCIAL.split(":")[0]):
        # two words, the site's name, cut off with an ellipsis, the opening words of a metadata title
        page = _page(headline=SEARCH, og=SOCIAL, title=SEARCH, body_top=f"<h1>{shown}</h1>")
        assert _choice(page) == (SEARCH, "jsonld-headline"), shown


def test_json_ld_headline_equal_to_the_site_name_is_rejected() -> None:
    page = _page(headline="Example News", og=PRINTED, title=f"{PRINTED} - Example News")
    assert _choice(page) == (PRINTED, "site-name-rejected")


def test_truncated_headline_gives_way_to_the_full_one() -> None:
    cut = "Trams to reach the north as council…"
    page = _page(headline=cut, og=PRINTED, title=PRINTED, body_top=f"<h1>{PRINTED}</h1>")
    assert _choice(page) == (PRINTED, "truncated-rejected")
    page = _page(headline="Trams to reach the north as coun...", og=PRINTED, title=PRINTED)  # cut mid-word
    assert _choice(page) == (PRINTED, "truncated-rejected")
    # an ellipsis that is part of the headline ("...?...") stays when no longer title exists
    question = "Who is the council's new transport chief?..."
    page = _page(headline=question, og="Who is the new transport chief?", body_top="<h1>Who is the council's new transport chief?</h1>")
    assert _choice(page) == (question, "jsonld-headline")


def test_multi_part_site_affix_comes_off_when_the_printed_headline_confirms_it() -> None:
    suffixed = f"{PRINTED} | Politics | Example News"
    page = _page(og=suffixed, title=suffixed, body_top=f'<h2 itemprop="headline">{PRINTED}</h2>')
    assert _choice(page) == (PRINTED, "og-title")
    # unconfirmed, the section stays (it may be part of the headline)
    page = _page(og=suffixed, title=suffixed)
    assert _choice(page) == (f"{PRINTED} | Politics", "og-title")


def test_site_name_matches_whole_words_only() -> None:
    # "Report" is a word of the site's name "The Daily Report", not the site's name
    head = '<meta property="og:site_name" content="The Daily Report">'
    page = f"<html><head>{head}<meta property='og:title' content='Report: Council budget passes'></head><body><article>{BODY}</article></body></html>"
    assert parse_html(page, "https://dailyreport.example/a").title == "Report: Council budget passes"
    # the whole name, or a host, still comes off
    page = page.replace("Report: Council budget passes", "Council budget passes | The Daily Report")
    assert parse_html(page, "https://dailyreport.example/a").title == "Council budget passes"


def test_kicker_the_printed_headline_carries_is_kept() -> None:
    headline = "July 9 is coming: unions show strength and unity against the government"
    top = f"<h1><span>National demo</span>{headline}</h1>"  # the kicker in its own element, no space
    page = _page(headline=headline, og=f"National demo / {headline}", title=f"National demo {headline} - Example News", body_top=top)
    assert _choice(page) == (f"National demo / {headline}", "printed-kicker")


def test_series_label_before_a_pipe_comes_off_when_the_printed_headline_confirms_it() -> None:
    labelled = f"Morning Briefing | {PRINTED}"
    page = _page(og=labelled, title=labelled, body_top=f"<h1>{PRINTED}</h1>")
    assert _choice(page) == (PRINTED, "og-title")
    # not printed that way: the label may be part of the headline, it stays
    page = _page(og=labelled, title=labelled, body_top=f"<h1>{labelled}</h1>")
    assert _choice(page) == (labelled, "og-title")


def test_every_metadata_title_cut_short_leaves_the_h1() -> None:
    cut = "Trams to reach the north as council…"
    page = _page(headline=cut, og=cut, title=f"{cut} | Example News", body_top=f"<h1>{PRINTED}</h1>")
    assert _choice(page) == (PRINTED, "truncated-rejected")
    page = _page(body_top=f"<h1>{PRINTED}</h1>")
    assert _choice(page) == (PRINTED, "h1")


def test_printed_headline_over_a_lone_document_title() -> None:
    # only the browser tab's title, written for search: the printed headline is the article's
    page = _page(title=f"Council budget 2024 - fares frozen, trams extended. Reviews", body_top=f"<h1>{PRINTED}</h1>")
    assert _choice(page) == (PRINTED, "printed-over-document-title")
    page = _page(title=f"The Example Review: {PRINTED}", body_top=f"<h1>{PRINTED}</h1>")
    assert _choice(page) == (PRINTED, "printed-over-document-title")
    # with og:title present, or an <h1> that is not a headline, the metadata title stays
    page = _page(og=SEO, title=SEO, body_top=f"<h1>{PRINTED}</h1>")
    assert _choice(page) == (SEO, "og-title")
    page = _page(title=SEO, body_top="<h1>Latest news</h1>")
    assert _choice(page) == (SEO, "document-title")


def test_a_real_headline_counts_words_or_letters_of_unspaced_scripts() -> None:
    from tasks.normalize.html_title_rules import TitleSources, real_headline

    sources = TitleSources(og_title="Council budget passes after a long night of debate", site_names=["Example News"])
    assert real_headline("Trams reach the north", sources)
    assert not real_headline("Latest news", sources)  # two words, however many letters
    assert not real_headline("Council budget passes", sources)  # the opening words of og:title
    assert real_headline("宮崎県で震度5弱、高知と宮崎に津波注意報", sources)
    assert not real_headline("津波注意報", sources)


def test_a_headline_naming_the_site_is_not_the_site_name() -> None:
    named = "Example News wins press award"  # short enough that a title part like it would be the site
    page = _page(headline=named, og=PRINTED, title=f"{named} | Example News")
    assert _choice(page) == (named, "jsonld-headline")
