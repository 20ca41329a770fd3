"""Entity canonicalization across articles: short names, ambiguity, label sanity, run order."""

from __future__ import annotations

import itertools

from tasks.enrich.canonical import NameCount, entity_name_rows, resolve_names, tail_key


def _mentions(spec: dict[tuple[str, str], int], prefix: str = "a") -> list[tuple[str, str, str]]:
    """(article_id, label, name) mentions: `n` articles for each (label, name)."""
    out, counter = [], itertools.count()
    for (label, name), n in spec.items():
        out += [(f"{prefix}{next(counter)}", label, name) for _ in range(n)]
    return out


def _canonical(rows: list[dict]) -> dict[tuple[str, str], tuple[str, str]]:
    return {(r["label"], r["name"]): (r["entity_label"], r["canonical_name"]) for r in rows}


def test_tail_keys():
    assert tail_key("Donald Trump") == tail_key("Trump") == tail_key("Donald Trump Jr.") == "trump"
    assert tail_key("Bashar al-Assad") == tail_key("Assad") == "assad"


def test_short_name_goes_to_the_dominant_full_name_never_full_to_full():
    counts = [NameCount("PERSON", "Donald Trump", 12), NameCount("PERSON", "Trump", 7), NameCount("PERSON", "Ivanka Trump", 2),
              NameCount("PERSON", "Donald Trump Jr.", 1), NameCount("PERSON", "DONALD TRUMP", 1)]
    got = resolve_names(counts)
    assert got[("PERSON", "Trump")] == got[("PERSON", "Donald Trump")] == got[("PERSON", "DONALD TRUMP")]
    assert got[("PERSON", "Trump")].canonical_name == "Donald Trump"
    ids = {got[("PERSON", n)].entity_id for n in ("Donald Trump", "Ivanka Trump", "Donald Trump Jr.")}
    assert len(ids) == 3


def test_ambiguous_short_name_stays_itself():
    got = resolve_names([NameCount("PERSON", "Anne Smith", 3), NameCount("PERSON", "John Smith", 2), NameCount("PERSON", "Smith", 4)])
    assert got[("PERSON", "Smith")].canonical_name == "Smith"
    assert resolve_names([NameCount("PERSON", "Bashar al-Assad", 3), NameCount("PERSON", "Assad", 2)])[("PERSON", "Assad")].canonical_name \
        == "Bashar al-Assad"
    # one article with a full name is no evidence: "Khan" stays itself beside one "Chaka Khan"
    assert resolve_names([NameCount("PERSON", "Chaka Khan", 1), NameCount("PERSON", "Khan", 1)])[("PERSON", "Khan")].canonical_name == "Khan"
    # nor is a full name seen less often than the one word: "James" alone in 3 articles is a first name
    assert resolve_names([NameCount("PERSON", "Letitia James", 2), NameCount("PERSON", "James", 3)])[("PERSON", "James")].canonical_name == "James"


def test_label_sanity():
    got = resolve_names([
        NameCount("PERSON", "Steelers", 2), NameCount("ORG", "Steelers", 3),  # an ORG elsewhere, as often
        NameCount("PERSON", "Twitter", 1),  # a curated organization
        NameCount("PERSON", "Ukraine", 1), NameCount("LOC", "Ukraine", 9),  # a country
        NameCount("PERSON", "Kalamazoo", 1), NameCount("LOC", "Kalamazoo", 1),  # a city, a place elsewhere
        NameCount("PERSON", "Warren", 2),  # a city too, but never a place here: a surname
        NameCount("PERSON", "U.S.", 1), NameCount("LOC", "America", 2),
        NameCount("PERSON", "Alexei Navalny", 4), NameCount("ORG", "Alexei Navalny", 1),  # once as ORG is not enough
        NameCount("PERSON", "SpaceX", 4), NameCount("ORG", "SpaceX", 1), NameCount("PERSON", "DeSantis", 1),  # casing
        NameCount("PERSON", "Browns", 3), NameCount("ORG", "Cleveland Browns", 1),  # the end of an ORG's name
    ])
    assert got[("PERSON", "Steelers")] == got[("ORG", "Steelers")] and got[("ORG", "Steelers")].entity_label == "ORG"
    assert got[("PERSON", "Twitter")].entity_label == "ORG"
    assert got[("PERSON", "Ukraine")] == got[("LOC", "Ukraine")] and got[("LOC", "Ukraine")].entity_label == "LOC"
    assert got[("LOC", "America")].canonical_name == got[("PERSON", "U.S.")].canonical_name == "United States"
    assert got[("PERSON", "Alexei Navalny")].entity_label == "PERSON"
    assert got[("PERSON", "SpaceX")] == got[("ORG", "SpaceX")] and got[("PERSON", "DeSantis")].entity_label == "PERSON"
    assert got[("PERSON", "Browns")] == got[("ORG", "Cleveland Browns")]
    assert got[("PERSON", "Kalamazoo")].entity_label == "LOC" and got[("PERSON", "Warren")].entity_label == "PERSON"


def test_runs_in_any_order_end_in_the_same_names():
    """Incremental: each run resolves its names against the stored rows of the same tail groups."""
    runs = [
        {("PERSON", "Trump"): 3, ("PERSON", "Assad"): 1},
        {("PERSON", "Donald Trump"): 3, ("ORG", "Steelers"): 2},
        {("PERSON", "Ivanka Trump"): 1, ("PERSON", "Steelers"): 1, ("PERSON", "Bashar al-Assad"): 2},
    ]
    finals = []
    for order in itertools.permutations(range(3)):
        stored: dict[tuple[str, str], dict] = {}
        for n, i in enumerate(order):
            for row in entity_name_rows(_mentions(runs[i], f"r{n}-"), list(stored.values()), f"load{n}"):
                stored[(row["label"], row["name"])] = row
        finals.append(_canonical(list(stored.values())))
    assert all(f == finals[0] for f in finals)
    assert finals[0][("PERSON", "Trump")] == ("PERSON", "Donald Trump")
    assert finals[0][("PERSON", "Steelers")] == ("ORG", "Steelers")
    assert finals[0][("PERSON", "Assad")] == ("PERSON", "Bashar al-Assad")


def test_only_new_or_changed_rows_are_written():
    first = entity_name_rows(_mentions({("PERSON", "Donald Trump"): 2, ("ORG", "Reuters"): 1}), [], "l1")
    again = entity_name_rows(_mentions({("PERSON", "Trump"): 1}, "b"), first, "l2")
    assert [(r["name"], r["canonical_name"], r["articles"]) for r in again] == [("Trump", "Donald Trump", 1)]
