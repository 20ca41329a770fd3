"""One entity per person, organization and place across articles: the rows of `entity_names`.

Within an article `entities.normalized` already maps "Putin" to "Vladimir Putin" when both
occur (entities.resolve_aliases). Across articles a name is resolved here, from how many
articles carry each (label, name) pair:

- names are grouped by their tail key (the casefolded last word: a surname, "trump"); a group
  is resolved whole, so the answer depends on the counts only, never on the order of runs;
- a one-word PERSON name goes to the full name in its group that ends with it when that name is
  in MIN_FULL_ARTICLES articles or more, and in at least as many as the one-word name, and unambiguous: the only one, or named in at least
  DOMINANCE times as many articles as the next ("Trump" → "Donald Trump" beside a few "Ivanka
  Trump"); otherwise it stays itself, or is a place when the gazetteer knows a country or state by that
  name, or a city of exactly that name that other articles label a place;
- two full names that differ are never merged ("Donald Trump Jr." stays apart); spellings that
  differ only in case are one name;
- label sanity: a PERSON name that is a curated organization, that the same name carries as
  another label in at least as many articles (and two or more), that is cased like a brand
  ("SpaceX"), that ends a multi-word ORG of its group ("Steelers", "Pittsburgh Steelers"), or
  that the geo gazetteer knows as a place is relabelled (a PERSON mostly written "the X" is dropped before, in entities.py);
- places resolved by the gazetteer take its name ("U.S.", "America" → "United States").
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from tasks.enrich.entities import CURATED_ORGS
from tasks.enrich.geo import resolve_place

DOMINANCE = 3
_STRONG_PLACES = ("country", "state", "curated")
MIN_FULL_ARTICLES = 2  # a full name seen once is no evidence of who a surname means ("Khan" is not "Chaka Khan")
CANONICAL_LABELS = ("PERSON", "ORG", "LOC")
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_PARTICLE = re.compile(r"^(?:al|el|ad|as|an|ash|at|az)-", re.IGNORECASE)
_CURATED_ORGS = frozenset(o.casefold() for o in CURATED_ORGS)
# one word with a capital after a lower-case letter, unless a surname prefix explains it (McDonald, DeSantis)
_BRAND = re.compile(r"^(?!(?:Mc|Mac|De|Di|Da|Du|La|Le|Van|Von|O')[A-Z])\S*[a-z][A-Z]\S*$")


@dataclass(frozen=True)
class NameCount:
    """A (label, name) pair of `entities` and how many articles carry it."""

    label: str
    name: str
    articles: int


@dataclass(frozen=True)
class Resolution:
    entity_id: str
    entity_label: str
    canonical_name: str


def tail_key(name: str) -> str:
    """The key a name is grouped by: its last word casefolded, past "Jr."/"III" and "al-"."""
    words = [w for w in name.replace("’", "'").split() if w]
    while len(words) > 1 and words[-1].casefold() in _SUFFIXES:
        words.pop()
    return _PARTICLE.sub("", words[-1]).casefold() if words else ""


def entity_id(label: str, canonical: str) -> str:
    """Stable id of an entity: its label and canonical name, casefolded."""
    return "en_" + hashlib.sha1(f"{label}\x1f{canonical.casefold()}".encode()).hexdigest()[:20]


def count_names(mentions: Iterable[tuple[str, str, str]]) -> list[NameCount]:
    """(article_id, label, name) mentions -> articles per (label, name), canonical labels only."""
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for article_id, label, name in mentions:
        if label in CANONICAL_LABELS and name and name.strip():
            seen[(label, name)].add(article_id)
    return [NameCount(label, name, len(ids)) for (label, name), ids in sorted(seen.items())]


def merge_counts(stored: Iterable[NameCount], new: Iterable[NameCount]) -> list[NameCount]:
    """Stored counts plus a run's new ones, per (label, name)."""
    total: dict[tuple[str, str], int] = defaultdict(int)
    for row in [*stored, *new]:
        total[(row.label, row.name)] += row.articles
    return [NameCount(label, name, n) for (label, name), n in sorted(total.items())]


def resolve_names(counts: list[NameCount]) -> dict[tuple[str, str], Resolution]:
    """The entity of every (label, name), group by group (see the module docstring)."""
    groups: dict[str, list[NameCount]] = defaultdict(list)
    for row in counts:
        groups[tail_key(row.name)].append(row)
    out: dict[tuple[str, str], Resolution] = {}
    for rows in groups.values():
        out.update(_resolve_group(rows))
    return out


def _resolve_group(rows: list[NameCount]) -> dict[tuple[str, str], Resolution]:
    by_label: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))  # casefold name -> label -> articles
    spelling: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)  # (label, casefold) -> spelling -> articles
    for r in rows:
        by_label[r.name.casefold()][r.label] += r.articles
        spelling[(r.label, r.name.casefold())][r.name] = r.articles
    labels = {r.name.casefold(): _person_label(r.name, by_label[r.name.casefold()]) for r in rows if r.label == "PERSON"}
    # full person names that stay persons, by casefolded name, with their articles
    full = {k: sum(n for n in by_label[k].values()) for k, lab in labels.items() if lab == "PERSON" and len(k.split()) > 1}
    out = {}
    for r in rows:
        key = r.name.casefold()
        label = labels.get(key, r.label) if r.label == "PERSON" else r.label
        if label == "PERSON" and len(key.split()) == 1:
            # the full name must be seen at least as often as the short one: a first name used alone
            # in many articles ("James") is not the surname of one person named twice ("Letitia James")
            short = by_label[key].get("PERSON", 0)
            target = _dominant([k for k in full if tail_key(k) == key and full[k] >= max(MIN_FULL_ARTICLES, short)], full)
            if target:
                out[(r.label, r.name)] = _person(target, spelling)
                continue
            orgs = {k: n["ORG"] for k, n in by_label.items() if "ORG" in n and len(k.split()) > 1 and tail_key(k) == key}
            team = _dominant(list(orgs), orgs)  # "Steelers" beside the ORG "Pittsburgh Steelers"
            if team:
                canonical = _spelled(spelling, "ORG", team, team)
                out[(r.label, r.name)] = Resolution(entity_id("ORG", canonical), "ORG", canonical)
                continue
            place = resolve_place(r.name)
            # a country or state; or a city of that very name that other articles call a place ("Plymouth");
            # cities alone would take surnames ("Jackson", "Warren")
            if place is not None and (place.kind in _STRONG_PLACES or (place.name == r.name and by_label[key].get("LOC"))):
                label = "LOC"
        if label == "PERSON":
            out[(r.label, r.name)] = _person(key, spelling)
        elif label == "LOC":
            place = resolve_place(r.name)
            canonical = place.name if place else _spelled(spelling, "LOC", key, r.name)
            out[(r.label, r.name)] = Resolution(entity_id("LOC", canonical), "LOC", canonical)
        else:
            canonical = _spelled(spelling, label, key, r.name)
            out[(r.label, r.name)] = Resolution(entity_id(label, canonical), label, canonical)
    return out


def _person_label(name: str, labels: dict[str, int]) -> str:
    """PERSON, or the label a PERSON name really has (label sanity)."""
    key = name.casefold()
    if key in _CURATED_ORGS:
        return "ORG"
    others = [(n, label) for label, n in labels.items() if label != "PERSON"]
    if others:
        n, label = max(others)
        if n >= 2 and n >= labels.get("PERSON", 0):
            return label
    if _BRAND.match(name):  # "SpaceX", "iPhone", "WeWork": a brand's casing, never a person's
        return max(others)[1] if others else "ORG"
    if len(key.split()) > 1:
        place = resolve_place(name)
        if place is not None:
            return "LOC"
    return "PERSON"


def _dominant(candidates: list[str], articles: dict[str, int]) -> str | None:
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda k: (-articles[k], k))
    if len(ranked) == 1 or articles[ranked[0]] >= DOMINANCE * articles[ranked[1]]:
        return ranked[0]
    return None


def _person(key: str, spelling: dict) -> Resolution:
    canonical = _spelled(spelling, "PERSON", key, key)
    return Resolution(entity_id("PERSON", canonical), "PERSON", canonical)


def _spelled(spelling: dict, label: str, key: str, default: str) -> str:
    """The most used spelling of a casefolded name under a label (ties: the first in order)."""
    options = spelling.get((label, key)) or {}
    if not options:
        for (_, k), found in spelling.items():
            if k == key:
                options = found
                break
    return min(options.items(), key=lambda kv: (-kv[1], kv[0]))[0] if options else default


def entity_name_rows(mentions: Iterable[tuple[str, str, str]], stored: list[dict], load_id: str) -> list[dict]:
    """The `entity_names` rows a run writes: its new (article_id, label, name) mentions counted
    into `stored` (the stored rows of every group the run touches, see `tail_key`), each touched
    group resolved again; only rows that are new or changed come back."""
    new = count_names(mentions)
    if not new:
        return []
    tails = {tail_key(c.name) for c in new}
    before = {(r["label"], r["name"]): r for r in stored if r["tail"] in tails}
    counts = merge_counts([NameCount(r["label"], r["name"], r["articles"]) for r in before.values()], new)
    resolved = resolve_names(counts)
    rows = []
    for c in counts:
        res = resolved[(c.label, c.name)]
        row = {"label": c.label, "name": c.name, "entity_id": res.entity_id, "entity_label": res.entity_label,
               "canonical_name": res.canonical_name, "articles": c.articles, "tail": tail_key(c.name), "load_id": load_id}
        old = before.get((c.label, c.name))
        if old is None or any(old[k] != row[k] for k in ("entity_id", "entity_label", "canonical_name", "articles")):
            rows.append(row)
    return rows


def mention_tails(entities) -> list[str]:
    """The tail keys of an `entities` batch's names (what a run looks up in `entity_names`)."""
    return sorted({tail_key(n) for n, label in _names(entities) if label in CANONICAL_LABELS and n and n.strip()})


def entity_mentions(entities) -> list[tuple[str, str, str]]:
    """(article_id, label, name) of an `entities` batch (name: normalized, else the text)."""
    ids = entities.column("article_id").to_pylist()
    return [(a, label, n) for a, (n, label) in zip(ids, _names(entities))]


def _names(entities) -> list[tuple[str, str]]:
    normalized, text = entities.column("normalized").to_pylist(), entities.column("text").to_pylist()
    return [(n if n is not None else t, label) for n, t, label in zip(normalized, text, entities.column("label").to_pylist())]
