"""Where the headline printed on the page, or the agreeing copies of a title, overrule the most
trusted metadata title (the JSON-LD headline). General rules only: nothing here keys on a site.

Each rule takes the title chosen so far and the page's title sources and returns a better title,
or None when it does not apply; html_title applies them in order and names the one that decided.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tasks.normalize.html_fields import fold, is_site_name
from tasks.normalize.html_title_cut import cut_title, title_variants, words

_ELLIPSIS = ("…", "...")
# scripts written without spaces between words (Chinese, Japanese, Thai): counted in letters
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\u0e00-\u0e7f\uf900-\ufaff]")
# two metadata titles sharing less than this share of their words are two different headlines
_REWRITE_OVERLAP = 1 / 3


@dataclass(frozen=True)
class TitleSources:
    """Every title a page offers, as written (site affixes still on); "" when absent."""

    headline: str = ""  # JSON-LD headline, else <meta name="headline">
    og_title: str = ""
    twitter_title: str = ""
    document_title: str = ""  # <title>
    ld_name: str = ""  # JSON-LD name
    printed: str | None = None  # the headline printed above the article (itemprop=headline, else <h1>)
    site_names: list[str] = field(default_factory=list)

    def metadata(self) -> list[tuple[str, str]]:
        """(source, title) in trust order."""
        return [
            ("jsonld-headline", self.headline),
            ("og-title", self.og_title),
            ("twitter-title", self.twitter_title),
            ("document-title", self.document_title),
            ("jsonld-name", self.ld_name),
        ]

    def cut(self, title: str) -> str:
        """`title` without its site affixes; a section left over goes when the printed headline confirms it."""
        return cut_title(title, {fold(self.printed)} if self.printed else set(), self.site_names)


def rejection(title: str, sources: TitleSources) -> str | None:
    """Why a metadata title cannot be the headline: "site-name" when it is the site's name,
    "truncated" when it ends in an ellipsis and another title is the full one; else None."""
    if is_site_name(title, sources.site_names) or is_site_name(sources.cut(title), sources.site_names):
        return "site-name"
    stem = sources.cut(title).rstrip()
    if not stem.endswith(_ELLIPSIS):
        return None
    stem_words = words(stem.rstrip(".… "))
    fuller = [words(sources.cut(other)) for _, other in sources.metadata() if other and other != title]
    fuller.append(words(sources.printed))
    return "truncated" if stem_words and any(_continues(stem_words, other) for other in fuller) else None


def _continues(stem: list[str], other: list[str]) -> bool:
    """`other` starts with `stem` and goes on, the stem's last word possibly cut mid-word ("coun…")."""
    last = len(stem) - 1
    if len(other) < len(stem) or other[:last] != stem[:last] or not other[last].startswith(stem[last]):
        return False
    return len(other) > len(stem) or other[last] != stem[last]


def real_headline(text: str | None, sources: TitleSources) -> bool:
    """At least three words (or ten letters of a script written without spaces), not the site's name, and not
    cut short: no ellipsis at the end, not the opening words of a longer metadata title."""
    found = words(text)
    if len(found) < 3 and not (_UNSPACED.search(text or "") and len("".join(found)) >= 10):
        return False
    if is_site_name(text or "", sources.site_names) or (text or "").rstrip().endswith(_ELLIPSIS):
        return False
    for _, other in sources.metadata():
        longer = words(sources.cut(other)) if other else []
        if len(found) < len(longer) and longer[: len(found)] == found:
            return False
    return True


def printed_over_seo(chosen: str | None, sources: TitleSources) -> str | None:
    """Many CMSs keep an "SEO title" that feeds both <title> and the JSON-LD headline, while the
    headline printed on the page feeds og:title: when the JSON-LD headline is backed only by
    <title> and og:title is the printed headline, the printed one is the article's title."""
    headline, og_title, document_title, printed = sources.headline, sources.og_title, sources.document_title, sources.printed
    if not (chosen and headline and og_title and document_title and printed):
        return None
    seo, social = fold(sources.cut(headline)), sources.cut(og_title)
    if fold(chosen) != seo or fold(social) == seo or fold(social) != fold(printed):
        return None
    return social if fold(sources.cut(document_title)) == seo else None


def printed_over_rewrites(chosen: str | None, sources: TitleSources) -> str | None:
    """Three different headlines (search, social and printed, e.g. "Heat chaos: old trams at risk",
    "When trams give up and concrete bursts", "How trams and motorways prepare for heat waves"):
    when the metadata titles are different texts, not edits of one headline, and the page prints a
    third, the printed one is the article's own; the others were written for search and sharing."""
    printed = sources.printed
    if not chosen or not real_headline(printed, sources) or words(printed) == words(chosen):
        return None
    copies = {tuple(words(sources.cut(text))) for _, text in sources.metadata()[:4] if text}
    copies.discard(())
    if len(copies) < 2 or tuple(words(printed)) in copies:
        return None
    pairs = [(a, b) for a in copies for b in copies if a < b]
    if any(_overlap(a, b) >= _REWRITE_OVERLAP for a, b in pairs):
        return None
    return printed


def printed_over_document_title(chosen: str | None, sources: TitleSources) -> str | None:
    """With no JSON-LD, og or twitter title, the <title> (the browser tab's, often written for
    search: "Atkins diet (14 days) - lose up to 10 kg. Reviews", "Site: Headline") gives way to a
    printed headline in other words."""
    if not (chosen and sources.document_title) or any(text for _, text in sources.metadata()[:3]):
        return None
    if not real_headline(sources.printed, sources) or words(sources.printed) == words(chosen):
        return None
    return sources.printed


def printed_kicker(chosen: str | None, sources: TitleSources) -> str | None:
    """The printed headline is the chosen one under a kicker ("National demo / July 9 is coming:
    ..."): the metadata copy that has the kicker too, in the printed words, is the title."""
    printed = words(sources.printed)
    ours = words(chosen)
    if not ours or len(printed) <= len(ours) or printed[-len(ours):] != ours or not real_headline(sources.printed, sources):
        return None
    for _, text in sources.metadata()[:4]:
        if text and words(sources.cut(text)) == printed:
            return sources.cut(text)
    return None


def punctuation_from_title(chosen: str | None, sources: TitleSources) -> str | None:
    """When the JSON-LD headline and og:title are the same words punctuated differently (straight
    vs typographic quotes, ": " vs " - ", quotes dropped), the <title> copy of the same headline
    decides which punctuation is the publisher's: two copies of three agree."""
    headline, og_title, document_title = sources.headline, sources.og_title, sources.document_title
    if not (chosen and headline and og_title and document_title):
        return None
    seo, social = cut_title(headline, set(), sources.site_names), cut_title(og_title, set(), sources.site_names)
    if fold(chosen) != fold(seo) or fold(seo) == fold(social) or words(seo) != words(social):
        return None
    copies = {fold(variant) for variant, _ in title_variants(document_title, sources.site_names)}
    return social if fold(social) in copies and fold(seo) not in copies else None


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Jaccard overlap of two word sets."""
    union = set(a) | set(b)
    return len(set(a) & set(b)) / len(union) if union else 1.0
