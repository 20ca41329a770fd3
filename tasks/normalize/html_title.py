"""Choosing one title among a page's candidates: JSON-LD headline, og/twitter titles, <title>, <h1>.

Site-name suffixes and prefixes come off ("Headline | The Daily Example"), and a kicker (the short
label above a headline, "Olympics: ...") comes off when another candidate has the headline
without it. The JSON-LD headline is trusted first, except where the page shows it is an SEO
rewording (page_title). Nothing here keys on a particular site.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

from tasks.normalize.html_fields import fold, site_like
from tasks.normalize.html_meta import clean_text, displayed_headline, first_meta, heading_texts

_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " // ", " » ", " « ", " * ", "｜", "：", "ㅣ", ": ", " / ")
# cut without a known site name only when another source confirms the shorter title
_GENERIC_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " // ")
# "Kicker: Headline": a short leading label, then the headline proper
_KICKER = re.compile(r"^(?P<kicker>[^:|/]{2,60}?)(?::| \| | / | - | – | — )\s*(?P<headline>.{8,})$")


_WORD = re.compile(r"\w+")


def title_variants(title: str, site_names: list[str], depth: int = 0) -> list[tuple[str, bool]]:
    """The title itself, then shorter forms with a leading or trailing part cut off; the flag says
    whether the cut removed a known site name (and whatever followed it, e.g. a date) or only a
    short trailing phrase that another source has to confirm."""
    variants = [(title, True)]
    for sep in _SEPARATORS:
        parts = title.split(sep)
        if len(parts) < 2:
            continue
        # the last site-like part first: "Site | Section | Headline" is rarer than "Headline | Site"
        site_index = next((i for i in reversed(range(len(parts))) if site_like(parts[i], site_names)), None)
        if site_index is not None:
            kept = sep.join(parts[:site_index] if site_index else parts[1:]).strip()
            if kept:
                variants.append((kept, True))
                if depth < 2:
                    variants.extend(v for v in title_variants(kept, site_names, depth + 1)[1:] if v[1])
        elif sep in _GENERIC_SEPARATORS:
            head, tail = sep.join(parts[:-1]).strip(), parts[-1]
            if head and len(tail.split()) <= 4:
                variants.append((head, False))
    return variants


def page_title(
    tree: lxml_html.HtmlElement, meta: dict[str, list[str]], article_ld: dict, site_names: list[str]
) -> str | None:
    """The page's title from its JSON-LD article, <meta> tags, <title> and headings."""
    # <meta name="headline"> stands in for a missing JSON-LD headline (not itemprop: often a subheading)
    headline = clean_text(article_ld.get("headline")) or next(
        (text for text in map(clean_text, tree.xpath('//meta[@name="headline"]/@content')) if text), ""
    )
    og_title = first_meta(meta, "og:title")
    document_title = clean_text(tree.findtext(".//title"))
    displayed = displayed_headline(tree)
    chosen = choose_title(
        [headline, og_title, first_meta(meta, "twitter:title"), document_title, clean_text(article_ld.get("name"))],
        heading_texts(tree),
        site_names,
        displayed=displayed,
    )
    chosen = _display_over_seo(chosen, headline, og_title, document_title, displayed, site_names)
    return _punctuation_from_title(chosen, headline, og_title, document_title, site_names)


def choose_title(
    candidates: list[str | None], headings: list[str], site_names: list[str], displayed: str | None = None
) -> str | None:
    """The most trusted candidate, with a site-name prefix/suffix cut off when the cut is a known
    site name or another candidate (or an <h1>) confirms the shorter form.

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
    confirmations = {fold(text) for text in [*others, *headings]}
    for other in others:
        confirmations.update(fold(variant) for variant, known in title_variants(other, site_names)[1:] if known)
    # an <h1> often leaves the kicker to a separate element, so only metadata titles count here
    alternatives = {fold(_cut_title(other, confirmations, site_names)) for other in others}
    return _without_kicker(_cut_title(first, confirmations, site_names), alternatives, displayed)


def _display_over_seo(
    chosen: str | None, headline: str | None, og_title: str | None, document_title: str | None,
    displayed: str | None, site_names: list[str],
) -> str | None:
    """The display headline over the search-engine one: many CMSs keep an "SEO title" that feeds
    both <title> and the JSON-LD headline, while the headline printed on the page feeds og:title.
    When the JSON-LD headline is backed only by <title> and the printed headline is og:title,
    the printed one is the article's title (the SEO one is a rewording for search results)."""
    if not (chosen and headline and og_title and document_title and displayed):
        return chosen
    seo = fold(_cut_title(headline, set(), site_names))
    social = _cut_title(og_title, set(), site_names)
    if fold(chosen) != seo or fold(social) == seo or fold(social) != fold(displayed):
        return chosen
    if fold(_cut_title(document_title, set(), site_names)) != seo:
        return chosen
    return social


def _cut_title(first: str, confirmations: set[str], site_names: list[str]) -> str:
    variants = title_variants(first, site_names)
    for variant, _ in variants[1:]:
        if fold(variant) in confirmations:
            return variant
    for variant, known_site in variants[1:]:
        if known_site:
            return variant
    return first


def _punctuation_from_title(
    chosen: str | None, headline: str | None, og_title: str | None, document_title: str | None, site_names: list[str]
) -> str | None:
    """When the JSON-LD headline and og:title are the same words punctuated differently (straight
    vs typographic quotes, ": " vs " - ", quotes dropped), the <title> copy of the same headline
    decides which punctuation is the publisher's: two copies of three agree."""
    if not (chosen and headline and og_title and document_title):
        return chosen
    seo, social = _cut_title(headline, set(), site_names), _cut_title(og_title, set(), site_names)
    if fold(chosen) != fold(seo) or fold(seo) == fold(social) or _letters(seo) != _letters(social):
        return chosen
    copies = {fold(variant) for variant, _ in title_variants(document_title, site_names)}
    return social if fold(social) in copies and fold(seo) not in copies else chosen


def _letters(text: str) -> str:
    return "".join(_WORD.findall(fold(text)))


def _without_kicker(title: str, alternatives: set[str], displayed: str | None = None) -> str:
    """"Olympics: Germany beat France" -> "Germany beat France" when another metadata title is the
    headline without that label, or when the printed headline carries the same headline under a
    different label: the kicker is printed apart from the headline, and sources disagree on
    whether to include it (and on its wording)."""
    match = _KICKER.match(title)
    if not match:
        return title
    headline = match.group("headline")
    if fold(headline) in alternatives:
        return headline
    shown = _KICKER.match(displayed or "")
    if shown and fold(shown.group("headline")) == fold(headline):
        # two labels with no word in common are two kickers; shared words mean a reworded headline
        if not set(_WORD.findall(fold(shown.group("kicker")))) & set(_WORD.findall(fold(match.group("kicker")))):
            return headline
    return title
