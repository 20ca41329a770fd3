"""Choosing one title among a page's candidates: JSON-LD headline, og/twitter titles, <title>, <h1>.

Site-name suffixes and prefixes come off ("Headline | The Daily Example"), and a kicker (the short
label above a headline, "Olympics: ...") comes off when another candidate has the headline
without it (html_title_cut). The JSON-LD headline is trusted first; the rules in html_title_rules
say where the headline printed on the page, or copies that agree, overrule it. The choice names
the source or rule that decided (`TitleChoice.rule`), which `newsflow eval extraction --explain`
prints. Nothing here keys on a particular site.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import html as lxml_html

from tasks.normalize.html_fields import fold
from tasks.normalize.html_meta import clean_text, displayed_headline, first_meta, heading_texts
from tasks.normalize.html_title_cut import cut_title, title_variants, without_kicker
from tasks.normalize.html_title_rules import (
    TitleSources,
    printed_kicker,
    printed_over_document_title,
    printed_over_rewrites,
    printed_over_seo,
    punctuation_from_title,
    rejection,
)

# applied in this order to the title chosen so far; the last one that changes it is named
RULES: tuple[tuple[str, Callable[[str | None, TitleSources], str | None]], ...] = (
    ("printed-over-seo", printed_over_seo),
    ("printed-over-rewrites", printed_over_rewrites),
    ("printed-over-document-title", printed_over_document_title),
    ("printed-kicker", printed_kicker),
    ("title-punctuation", punctuation_from_title),
)


@dataclass(frozen=True)
class TitleChoice:
    title: str | None
    rule: str  # the source that gave the title ("jsonld-headline", "og-title", "h1", ...) or the rule that chose it


def page_title(
    tree: lxml_html.HtmlElement, meta: dict[str, list[str]], article_ld: dict, site_names: list[str]
) -> TitleChoice:
    """The page's title from its JSON-LD article, <meta> tags, <title> and headings."""
    # <meta name="headline"> stands in for a missing JSON-LD headline (not itemprop: often a subheading)
    headline = clean_text(article_ld.get("headline")) or next(
        (text for text in map(clean_text, tree.xpath('//meta[@name="headline"]/@content')) if text), ""
    )
    sources = TitleSources(
        headline=headline,
        og_title=first_meta(meta, "og:title") or "",
        twitter_title=first_meta(meta, "twitter:title") or "",
        document_title=clean_text(tree.findtext(".//title")),
        ld_name=clean_text(article_ld.get("name")),
        printed=displayed_headline(tree),
        site_names=site_names,
    )
    return choose_page_title(sources, heading_texts(tree))


def choose_page_title(sources: TitleSources, headings: list[str]) -> TitleChoice:
    """The most trusted usable metadata title, cut to its headline, then overruled by the first
    rule of RULES that applies. A metadata title equal to the site's name, or cut short by an
    ellipsis where another title is the full one, is not a candidate."""
    candidates, rule = [], ""
    for source, text in sources.metadata():
        reason = rejection(text, sources) if text else None
        if reason and not rule:
            rule = f"{reason}-rejected"
        if text and not reason and not rule:
            rule = source
        candidates.append("" if reason else text)
    chosen = choose_title(candidates, headings, sources.site_names, displayed=sources.printed)
    if not any(candidates):  # every metadata title absent or rejected: the first <h1>
        rule = rule or ("h1" if chosen else "none")
    for name, apply in RULES:
        better = apply(chosen, sources)
        if better and better != chosen:
            chosen, rule = better, name
    return TitleChoice(chosen, rule)


def choose_title(
    candidates: list[str | None], headings: list[str], site_names: list[str], displayed: str | None = None
) -> str | None:
    """The most trusted candidate, with a site-name prefix/suffix cut off when the cut is a known
    site name or another candidate (or an <h1>, or the printed headline) confirms the shorter form.

    `candidates` come in trust order (JSON-LD headline, og:title, twitter:title, <title>, ...).
    The JSON-LD headline is the one written for search and usually the visible one; og:title is
    often a shorter social-media variant. Measured on the fundus set, where the two differ the
    truth follows JSON-LD on 64 pages and og:title on 34, and a vote that also counts the <h1>
    and <title> does no better (it loses about as many pages as it wins: which copy the truth
    follows is a per-publisher choice), so an <h1> only confirms a cut, it does not replace a
    candidate. `displayed` (the printed headline) may confirm that a kicker comes off.
    """
    cleaned = [clean_text(c) for c in candidates if c and clean_text(c)]
    if not cleaned:
        return headings[0] if headings else None
    first, others = cleaned[0], cleaned[1:]
    confirmations = {fold(text) for text in [*others, *headings, *([displayed] if displayed else [])]}
    cuts = {fold(variant) for other in others for variant, known in title_variants(other, site_names)[1:] if known}
    # an <h1> often leaves the kicker to a separate element, so only metadata titles count here
    alternatives = {fold(cut_title(other, confirmations, site_names, cuts)) for other in others}
    return without_kicker(cut_title(first, confirmations, site_names, cuts), alternatives, displayed)
