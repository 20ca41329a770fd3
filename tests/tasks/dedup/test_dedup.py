"""Matching and clustering on small inline corpora (no warehouse)."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pyarrow as pa

from tasks.dedup.batch import META_COLUMNS, StoredContext, dedup_articles
from tasks.dedup.fingerprint import fingerprint_articles
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


def varied(n_stories: int = 12, seed: int = 4) -> pa.Table:
    """Copies with every kind of metadata merge_component looks at: missing and empty titles and
    URLs, dates missing, too early or in the future, word counts, sources, fetch times."""
    rng = random.Random(seed)
    rows = []
    for s in range(n_stories):
        base = story(100 + s)
        for c in range(rng.choice([1, 1, 2, 3, 4])):
            body = base if c != 2 else "\n\n".join(base.split("\n\n")[:3])
            published = rng.choice([None, datetime(1980, 5, 1, tzinfo=timezone.utc), datetime(2025, 3, s + 1, tzinfo=timezone.utc), datetime(2027, 1, 1, tzinfo=timezone.utc), NOW])
            rows.append({
                "article_id": f"s{s:02d}c{c}{rng.choice('xyz')}",
                "body": body if c % 2 == 0 else body.replace(". ", ".\n", 2),
                "canonical_url": rng.choice([None, "", f"https://news{c}.example/story/{s}", f"https://news.example/story/{s}"]),
                "title": rng.choice([None, "", f"Story {s}", f"Story {s}!", f"Story {s}"]),
                "published_at": published,  # ties: the first member by article_id gives the date
                "published_local": published and f"{published:%Y-%m-%d}T0{c}:00:00+0{c}:00",
                "published_offset_minutes": published and 60 * c,
                "published_raw": published and f"{published:%d.%m.%Y} copy {c}",
                "word_count": rng.choice([None, 0, 90, 120]),
                "source": rng.choice([None, "a", "b"]),
                "fetched_at": rng.choice([None, datetime(2025, 12, 30, rng.randint(0, 23), tzinfo=timezone.utc)]),
                "load_id": "L",
            })
    return pa.Table.from_pylist(rows, schema=ARTICLES.schema)


def stored_context(result, table: pa.Table, fps: pa.Table) -> StoredContext:
    """What load_dedup_context would read back after `result` was published (all fingerprints as candidates)."""
    context = StoredContext(candidates=fps)
    for row in result.members.to_pylist():
        context.members[row["article_id"]] = row["story_id"]
        context.member_rows[row["article_id"]] = {"method": row["method"], "score": row["score"]}
        context.story_articles.setdefault(row["story_id"], []).append(row["article_id"])
    for members in context.story_articles.values():
        members.sort()
    context.stories = {r["story_id"]: {**r, "merged_into": None} for r in result.stories.drop_columns(["load_id"]).to_pylist()}
    context.articles = {r["article_id"]: r for r in table.select(META_COLUMNS).to_pylist()}
    return context


def test_array_merge_gives_the_rows_merge_component_gives(monkeypatch):
    import tasks.dedup.batch as batch

    table = varied()
    fps = fingerprint_articles(table, "L")
    odd, even = list(range(1, table.num_rows, 2)), list(range(0, table.num_rows, 2))  # copies land in both runs
    first = dedup_articles(table.take(odd), fps.take(odd), StoredContext(candidates=fps.schema.empty_table()), NOW, "L0")
    context = stored_context(first, table.take(odd), fps.take(odd))
    runs = {
        "all": lambda: dedup_articles(table, fps, StoredContext(candidates=fps.schema.empty_table()), NOW, "L"),
        "incremental": lambda: dedup_articles(table.take(even), fps.take(even), context, NOW, "L1"),
    }
    for name, run_it in runs.items():
        arrays = run_it()
        with monkeypatch.context() as m:
            m.setattr(batch, "vectorizable", lambda metas, now: False)  # every component through merge_component
            objects = run_it()
        assert arrays.members.equals(objects.members), name
        assert arrays.stories.equals(objects.stories), name
        assert list(arrays.edges) == list(objects.edges), name
    stored_ids = set(first.stories.column("story_id").to_pylist())
    assert stored_ids & set(runs["incremental"]().stories.column("story_id").to_pylist())  # stored stories were extended


def test_component_roots_match_union_find():
    from tasks.dedup.cluster import UnionFind, component_roots

    import numpy as np

    rng = np.random.default_rng(2)
    for n, m in ((1, 0), (10, 4), (500, 400), (2000, 3000)):
        a, b = rng.integers(0, n, m), rng.integers(0, n, m)
        roots = component_roots(n, a, b)
        uf = UnionFind()
        for x, y in zip(a.tolist(), b.tolist()):
            uf.union(f"{x:05d}", f"{y:05d}")
        same = {(x, y) for x in range(n) for y in (x + 1, (x * 7) % n) if y < n}
        for x, y in same:
            assert (roots[x] == roots[y]) == (uf.find(f"{x:05d}") == uf.find(f"{y:05d}"))
