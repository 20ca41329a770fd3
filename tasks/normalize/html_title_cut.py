"""Cutting a title down to its headline: site-name affixes ("Headline | Section | Site") and kickers
(the short label above a headline, "Olympics: ..."). Used by html_title; nothing here keys on a site."""

from __future__ import annotations

import re

from tasks.normalize.html_fields import fold, site_like

_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " // ", " » ", " « ", " * ", "｜", "：", "ㅣ", ": ", " / ")
# cut without a known site name only when another source confirms the shorter title
_GENERIC_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " // ")
# "Kicker: Headline": a short leading label, then the headline proper
_KICKER = re.compile(r"^(?P<kicker>[^:|/]{2,60}?)(?::| \| | / | - | – | — )\s*(?P<headline>.{8,})$")
_WORD = re.compile(r"\w+")


def words(text: str | None) -> list[str]:
    """The casefolded words of a text: what two copies of one headline share whatever their punctuation."""
    return _WORD.findall(fold(text))


def title_variants(title: str, site_names: list[str], depth: int = 0) -> list[tuple[str, bool]]:
    """The title itself, then shorter forms with a leading or trailing part cut off; the flag says
    whether the cut removed a known site name (and whatever followed it, e.g. a date) or only a
    short trailing phrase that another source has to confirm. After a site-name cut the rest may
    lose a section too ("Headline | Politics | Site"), but only where a confirmation asks for it."""
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
                    variants.extend(title_variants(kept, site_names, depth + 1)[1:])
        elif sep in _GENERIC_SEPARATORS:
            head, tail = sep.join(parts[:-1]).strip(), parts[-1]
            if head and len(tail.split()) <= 4:
                variants.append((head, False))
            # a series or newsletter label before a pipe ("Morning Briefing | Headline"): only where confirmed
            label, rest = parts[0], sep.join(parts[1:]).strip()
            if sep == " | " and rest and len(label.split()) <= 4:
                variants.append((rest, False))
    return variants


def cut_title(first: str, confirmations: set[str], site_names: list[str], weaker: set[str] = frozenset()) -> str:
    """The first variant of `first` another source confirms (`confirmations` before `weaker`: a title
    or headline as written before another title's own cut), else its first site-name cut, else `first`."""
    variants = title_variants(first, site_names)
    for confirmed in (confirmations, weaker):
        for variant, _ in variants[1:]:
            if fold(variant) in confirmed:
                return variant
    for variant, known_site in variants[1:]:
        if known_site:
            return variant
    return first


def without_kicker(title: str, alternatives: set[str], displayed: str | None = None) -> str:
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
        if not set(words(shown.group("kicker"))) & set(words(match.group("kicker"))):
            return headline
    return title
