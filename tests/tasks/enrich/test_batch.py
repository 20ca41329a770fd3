from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pytest

from tasks.enrich import batch
from tasks.enrich.batch import StepTimes, enrich_articles
from tasks.enrich.embeddings import embed_texts
from warehouse import schemas

FRENCH = ("Le président russe Vladimir Poutine a ordonné lundi le retrait des troupes russes de Syrie, "
          "lors d'une visite surprise à la base aérienne de Hmeimim.")


def _articles(seed_body, seed_body_plain):
    return pa.table({
        "article_id": ["a000", "a001", "afr", "aempty"],
        "body": [seed_body, seed_body_plain, FRENCH, ""],
        "language": [None, "en", None, None],
        "title": ["Putin Orders Russian Military to Withdraw", None, "Retrait", None],
    })


@pytest.fixture(scope="module")
def enriched(seed_body, seed_body_plain):
    timings = StepTimes()
    tables = enrich_articles(_articles(seed_body, seed_body_plain), "load-1", timings=timings)
    return tables, timings


def test_tables_conform_to_schemas(enriched):
    tables, timings = enriched
    assert set(tables) == {"languages", "entities", "quotes", "keywords", "tone", "embeddings"}
    for name, table in tables.items():
        assert table.schema.equals(schemas.TABLES[name].schema), name
        assert set(table.column("load_id").to_pylist()) <= {"load-1"}
    assert {"language", "entities", "keywords", "tone"} <= set(timings.seconds)


def test_done_when_on_the_seed(enriched, seed_body):
    tables, _ = enriched
    langs = {r["article_id"]: r for r in tables["languages"].to_pylist()}
    assert langs["a000"]["language"] == "en"
    entities = [r for r in tables["entities"].to_pylist() if r["article_id"] == "a000"]
    names = {(r["label"], r["normalized"]) for r in entities}
    for person in ("Vladimir Putin", "Bashar Assad", "Dmitri Trenin"):
        assert ("PERSON", person) in names
    for org in ("RIA Novosti", "TASS", "Carnegie Moscow Center"):
        assert ("ORG", org) in names
    places = {r["normalized"]: r["country_code"] for r in entities if r["label"] == "LOC"}
    assert places["Syria"] == "SY" and places["Cairo"] == "EG" and places["Ankara"] == "TR"
    assert places["Khmeimim airbase"] == "SY"
    for r in entities:  # offsets are into the original body
        assert " ".join(seed_body[r["start"] : r["end"]].split()) == r["text"]
    quotes = [r for r in tables["quotes"].to_pylist() if r["article_id"] == "a000"]
    assert len(quotes) >= 5
    assert {"Vladimir Putin", "Bashar Assad", "Dmitri Trenin"} <= {q["speaker"] for q in quotes}
    for q in quotes:
        assert q["quote"] in seed_body[q["start"] : q["end"]]


def test_non_english_and_empty_get_minimal_rows(enriched):
    tables, _ = enriched
    langs = {r["article_id"]: r for r in tables["languages"].to_pylist()}
    assert langs["afr"]["language"] == "fr" and langs["afr"]["enriched_with"] == ["keywords"]
    assert langs["aempty"]["language"] is None
    for name in ("entities", "quotes", "tone", "embeddings"):
        assert "afr" not in tables[name].column("article_id").to_pylist()
    embedded = tables["embeddings"].column("article_id").to_pylist()
    assert sorted(embedded) == ["a000", "a001"]


def test_any_subset_and_empty_input(seed_body):
    one = pa.table({"article_id": ["x"], "body": [seed_body], "language": [None], "title": [None]})
    assert enrich_articles(one, "l", parallel="serial")["embeddings"].num_rows == 1
    empty = one.slice(0, 0)
    assert all(t.num_rows == 0 for t in enrich_articles(empty, "l").values())


@pytest.mark.slow
def test_spawn_pool_gives_the_same_rows(enriched, seed_body, seed_body_plain):
    tables, _ = enriched
    pooled = enrich_articles(_articles(seed_body, seed_body_plain), "load-1", parallel="processes", workers=2)
    for name in ("entities", "quotes", "keywords", "tone"):
        key = list(schemas.TABLES[name].key)
        assert pooled[name].sort_by([(k, "ascending") for k in key]).equals(
            tables[name].sort_by([(k, "ascending") for k in key])
        ), name


def test_shared_embedding_queue_gives_the_vectors_of_one_call(monkeypatch, seed_body, seed_body_plain):
    monkeypatch.setattr(batch, "EMBED_CHUNK", 1)
    texts = [seed_body, "Short one.", "", seed_body_plain, seed_body[:500], "Moscow."]
    queue = batch._EmbedQueue(texts, 1, 8)
    with ThreadPoolExecutor(1) as pool:
        job = pool.submit(queue.drain)
        queue.drain()
        job.result()
    assert np.array_equal(queue.vectors, embed_texts(texts, 1, 8))
