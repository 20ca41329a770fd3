"""Matching and clustering on small inline corpora (no warehouse)."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pyarrow as pa

from tasks.dedup.batch import StoredContext, dedup_articles, fingerprint_articles
from warehouse.schemas import ARTICLES

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
WORDS = ("troops minister agency president market village river council budget court police storm harvest "
         "election museum festival bridge factory league vaccine tariff railway drought satellite").split()


def story(seed: int, n: int = 120) -> str:
    rng = random.Random(seed)
    sentences = [" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(n // 12)]
    return "\n\n".join(" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2))


def articles(rows: list[tuple[str, str]], url: dict[str, str] | None = None) -> pa.Table:
    url = url or {}
    return pa.Table.from_pylist(
        [{"article_id": aid, "body": body, "canonical_url": url.get(aid), "title": None, "source": "t", "word_count": len(body.split()), "load_id": "L"} for aid, body in rows],
        schema=ARTICLES.schema,
    )


def run(table: pa.Table):
    fps = fingerprint_articles(table, "L")
    empty = fps.schema.empty_table()
    return dedup_articles(table, fps, StoredContext(candidates=empty), NOW, "L")


def clusters(result) -> set[frozenset[str]]:
    by_story: dict[str, set[str]] = {}
    for row in result.members.to_pylist():
        by_story.setdefault(row["story_id"], set()).add(row["article_id"])
    return {frozenset(v) for v in by_story.values()}


def corpus() -> list[tuple[str, str]]:
    base_a, base_b = story(1), story(2)
    paras = base_a.split("\n\n")
    abridged = "\n\n".join(paras[: max(2, int(len(paras) * 0.6))])
    return [
        ("a1", base_a),
        ("a2", base_a.replace(". ", ".\n", 3)),  # rewrapped: exact after folding
        ("a3", abridged),  # wire copy with the last paragraphs cut: containment
        ("b1", base_b),
        ("c1", story(3)),
    ]


def test_copies_cluster_and_different_stories_do_not():
    result = run(articles(corpus()))
    assert clusters(result) == {frozenset({"a1", "a2", "a3"}), frozenset({"b1"}), frozenset({"c1"})}
    methods = {r["article_id"]: r["method"] for r in result.members.to_pylist()}
    assert methods["a3"] == "near" and "exact" in (methods["a1"], methods["a2"])


def test_story_ids_do_not_depend_on_input_order():
    rows = corpus()
    first = {r["article_id"]: r["story_id"] for r in run(articles(rows)).members.to_pylist()}
    for seed in range(5):
        random.Random(seed).shuffle(rows)
        again = {r["article_id"]: r["story_id"] for r in run(articles(rows)).members.to_pylist()}
        assert again == first


def test_same_url_with_unrelated_bodies_is_not_a_copy():
    url = {"x1": "https://example.com/", "x2": "https://example.com/"}
    result = run(articles([("x1", story(5)), ("x2", story(6))], url))
    assert len(clusters(result)) == 2
