"""Quoted speech and who said it, from the sentence around each quote.

A quote is a span in straight ("...") or curly (“...”) double quotes inside one paragraph,
at least three words long (shorter ones are mostly scare quotes). Attribution looks at the
quote's sentence with every quote in it blanked out, trying in order:

1. `cited|quoted X as saying`, `according to X` -> X;
2. a speech verb (said, added, wrote, told, ...) with a PERSON or ORG subject just before it
   ("Putin was cited by ...", "Dmitri Trenin, wrote") or just after it ("said Putin");
3. a title or pronoun subject ("the president added", "he said"): the most recently
   mentioned person who bears that title in the article ("President Vladimir Putin"), else
   the most recently mentioned person (attribution "title-guess"; any person for a pronoun);
4. the nearest PERSON in the sentence outside the quote;
5. a sentence that is only a quote continues the previous quote's speaker.

The speaker is the entity's normalized name (see entities.resolve_aliases). Works on the
cleaned text of textmap.clean_text; offsets are into that text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, Sequence

from tasks.enrich.entities import TITLES

MIN_WORDS = 3
_QUOTE = re.compile(r"“[^“”\n]+”|\"[^\"\n]+\"")
_BOUNDARY = re.compile(r"[.!?][\"”’']?\s+(?=[“\"A-Z0-9])|\n\n")
_ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Gen|Gov|Sen|Rep|Lt|Col|Sgt|Jr|Sr|Inc|Co|Corp|No|vs)|\b[A-Z])\.$")
_VERBS = (
    r"said|says|say|added|adds|wrote|writes|told|tells|stated|states|noted|notes|argued|argues|"
    r"explained|explains|declared|declares|announced|announces|warned|warns|insisted|insists|"
    r"claimed|claims|continued|continues|asked|asks|replied|replies|tweeted|posted|cited|quoted|"
    r"recalled|recalls|concluded|concludes|stressed|stresses|admitted|admits|responded|responds"
)
_VERB = re.compile(rf"\b(?:{_VERBS})\b", re.IGNORECASE)
_AUX = r"(?:(?:has|have|had|was|were|is|also|later|then|earlier|previously|again|reportedly|once|further)\s+)*"
# "\s*(?:,\s*)?", not "\s*,?\s*": the same strings, but a blanked quote's run of spaces has one
# way to match instead of quadratically many for the backtracking to try (2 ms an article).
_GAP = r"\s*(?:,\s*)?"
_SUBJECT_GAP = re.compile(rf"^{_GAP}{_AUX}$", re.IGNORECASE)
_TITLE_WORDS = "|".join(re.escape(t) for t in sorted(TITLES, key=len, reverse=True))
_TITLE_SUBJECT = re.compile(rf"\b(?:the|a|an)\s+(?:\w+\s+)?({_TITLE_WORDS}){_GAP}{_AUX}$", re.IGNORECASE)
_TITLE_AFTER = re.compile(rf"^{_GAP}(?:the|a|an)\s+(?:\w+\s+)?({_TITLE_WORDS})\b", re.IGNORECASE)
_PRONOUN_SUBJECT = re.compile(rf"\b(?:he|she)\s+{_AUX}$", re.IGNORECASE)
_CITED_AS = re.compile(r"\b(?:cited|quoted)\s+$|\baccording\s+to\s+$", re.IGNORECASE)
_TITLE_IN = re.compile(rf"\b({_TITLE_WORDS})\b", re.IGNORECASE)


class EntityLike(Protocol):
    label: str
    start: int
    end: int
    normalized: str


@dataclass(frozen=True)
class Quote:
    quote: str  # the quoted words, without the marks
    start: int  # offset of the opening mark
    end: int  # offset after the closing mark
    speaker: str | None
    attribution: str  # cited-as / verb / title / title-guess / pronoun / nearest / previous / none


def find_quote_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of every quote (marks included) of at least MIN_WORDS words."""
    return [
        m.span() for m in _QUOTE.finditer(text) if len(m.group()[1:-1].split()) >= MIN_WORDS
    ]


def split_sentences(text: str, protected: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans; never cut inside a protected span (a quote) or after "Mr." and kin."""
    spans, start = [], 0
    for m in _BOUNDARY.finditer(text):
        cut = m.end()
        if any(a < cut < b for a, b in protected) or _ABBREV.search(text[start : m.start() + 1]):
            continue
        spans.append((start, m.start() + 1 if m.group() != "\n\n" else m.start()))
        start = cut
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _person_titles(text: str, entities: Sequence[EntityLike]) -> dict[str, set[str]]:
    """Titles each person bears somewhere in the text ("President Vladimir Putin")."""
    titles: dict[str, set[str]] = {}
    for e in entities:
        if e.label != "PERSON":
            continue
        before = text[max(0, e.start - 50) : e.start].split("\n\n")[-1]
        after = _TITLE_AFTER.match(text[e.end : e.end + 60])
        found = {t.lower() for t in _TITLE_IN.findall(before)}
        if after:
            found.add(after.group(1).lower())
        titles.setdefault(e.normalized, set()).update(found)
    return titles


def _latest_person(entities: Sequence[EntityLike], before: int, names: set[str] | None) -> str | None:
    best = None
    for e in entities:
        if e.label == "PERSON" and e.start < before and (names is None or e.normalized in names):
            if best is None or e.start > best.start:
                best = e
    return best.normalized if best else None


def attribute_quotes(text: str, entities: Sequence[EntityLike]) -> list[Quote]:
    """Every quote in `text` with its speaker, using entities found in the same text."""
    spans = find_quote_spans(text)
    if not spans:
        return []
    titles = _person_titles(text, entities)
    speakers = [e for e in entities if e.label in ("PERSON", "ORG")]
    quotes: list[Quote] = []
    for s_start, s_end in split_sentences(text, spans):
        inside = [(a, b) for a, b in spans if s_start <= a < s_end]
        if not inside:
            continue
        zone = list(text[s_start:s_end])
        for a, b in inside:
            zone[a - s_start : b - s_start] = " " * (b - a)
        masked = "".join(zone)
        speaker, how = _attribute(masked, s_start, speakers, titles, entities)
        if speaker is None and not masked.strip(" ,.;:") and quotes and quotes[-1].speaker:
            speaker, how = quotes[-1].speaker, "previous"
        for a, b in inside:
            quotes.append(Quote(text[a + 1 : b - 1], a, b, speaker, how))
    return quotes


def _attribute(masked: str, offset: int, speakers, titles, entities) -> tuple[str | None, str]:
    in_zone = [e for e in speakers if offset <= e.start and e.end <= offset + len(masked)]
    for e in in_zone:  # "cited Assad as saying", "according to Trenin"
        if e.label == "PERSON" and _CITED_AS.search(masked[: e.start - offset]):
            return e.normalized, "cited-as"
    for verb in _VERB.finditer(masked):
        v_start, v_end = verb.start() + offset, verb.end() + offset
        for label in ("PERSON", "ORG"):
            for e in in_zone:
                if e.label == label and e.end <= v_start and _SUBJECT_GAP.match(masked[e.end - offset : verb.start()]):
                    return e.normalized, "verb"
                if e.label == label and e.start >= v_end and not masked[verb.end() : e.start - offset].strip(" ,"):
                    return e.normalized, "verb"
        head = masked[: verb.start()]
        title = _TITLE_SUBJECT.search(head) or _TITLE_AFTER.match(masked[verb.end() :])
        if title:
            holders = {name for name, ts in titles.items() if title.group(1).lower() in ts}
            name = _latest_person(entities, v_start, holders)
            if name:
                return name, "title"
            name = _latest_person(entities, v_start, None)  # nobody bears it: the last person named
            if name:
                return name, "title-guess"
        if _PRONOUN_SUBJECT.search(head):
            name = _latest_person(entities, v_start, None)
            if name:
                return name, "pronoun"
    persons = [e for e in in_zone if e.label == "PERSON"]
    if persons:
        first_quote = next((i for i, c in enumerate(masked) if c != " "), 0)
        nearest = min(persons, key=lambda e: abs(e.start - offset - first_quote))
        return nearest.normalized, "nearest"
    return None, "none"
