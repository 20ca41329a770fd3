"""The reads a run makes before it matches: a stored story's members and what dedup needs of them."""

from __future__ import annotations

from datetime import datetime, timezone

from flows.run_steps import write_run
from tasks.enrich.batch import TABLES as ENRICH_TABLES
from tasks.ingest import documents_table
from tasks.normalize.batch import normalize_documents
from tasks.records import RawDocument
from warehouse import schemas
from warehouse.lake import Warehouse
from warehouse.lookups import load_dedup_context

STORY = " ".join(f"Paragraph {i} of the long report on the harbour strike tells what the union and the port said." for i in range(12))
FETCHED = datetime(2026, 3, 1, 8, 30, tzinfo=timezone.utc)


def _write(wh: Warehouse, uri: str, text: str, fetched_at: datetime) -> None:
    raws = [RawDocument(uri=uri, content=text.encode(), source="test", fetched_at=fetched_at)]
    documents = documents_table(raws, "L-" + uri)
    normalized = normalize_documents(documents, "L-" + uri)
    write_run(wh, "L-" + uri, fetched_at, "test", documents, normalized,
              {name: schemas.empty(schemas.TABLES[name]) for name in ENRICH_TABLES}, list(normalized.rejects), [], 1, {})


def _context_for(wh: Warehouse, text: str):
    documents = documents_table([RawDocument(uri="file:///new.txt", content=text.encode(), source="test", fetched_at=FETCHED)], "L9")
    fingerprints = normalize_documents(documents, "L9").fingerprints
    with wh.writing() as con:
        return load_dedup_context(con, fingerprints)


def test_members_carry_their_fetch_time_from_the_article_row(tmp_path):
    wh = Warehouse(tmp_path)
    _write(wh, "file:///a.txt", STORY, FETCHED)
    with wh.reading() as con:
        assert con.execute("SELECT fetched_at FROM articles").fetchall() == [(FETCHED,)]
    context = _context_for(wh, STORY + " A line the copy adds at the end.")
    assert [m["fetched_at"] for m in context.articles.values()] == [FETCHED]
    assert "document_id" not in next(iter(context.articles.values()))


def test_rows_stored_without_it_get_it_from_their_document(tmp_path):
    wh = Warehouse(tmp_path)
    _write(wh, "file:///a.txt", STORY, FETCHED)
    with wh.writing() as con:  # as an older newsflow stored them: the time in `documents` only
        con.execute("UPDATE articles SET fetched_at = NULL")
    context = _context_for(wh, STORY + " A line the copy adds at the end.")
    assert [m["fetched_at"] for m in context.articles.values()] == [FETCHED]


def test_event_neighbours_are_the_window_s_stories_with_their_canonical_vector_and_names(tmp_path):
    import pyarrow as pa

    from warehouse.lookups import neighbour_story_vectors
    from warehouse.publish import load_row, publish_tables
    from warehouse.story_vectors import rebuild as rebuild_story_vectors

    day = datetime(2026, 3, 1, tzinfo=timezone.utc)
    stories = [  # (story, canonical article, published, first seen)
        ("s1", "a1", day, day), ("s2", "a2", None, day.replace(day=2)), ("s3", "a3", day.replace(day=20), day),
        ("s4", "a4", day, day), ("s5", "a5", day, day),  # s4: no vector stored; s5: excluded by the caller
    ]
    batches = {
        "stories": pa.Table.from_pylist([{"story_id": s, "canonical_article_id": a, "published_at": p, "first_seen_at": f,
                                          "article_count": 1, "load_id": "L1"} for s, a, p, f in stories]),
        "embeddings": pa.Table.from_pylist([{"article_id": a, "vector": [float(i), 1.0], "load_id": "L1"}
                                            for i, a in enumerate(["a1", "a2", "a3", "a5", "a9"])]),
        "entities": pa.Table.from_pylist([
            {"article_id": "a1", "start": 0, "text": "Putin", "label": "PERSON", "normalized": "putin", "load_id": "L1"},
            {"article_id": "a1", "start": 9, "text": "Monday", "label": "DATE", "normalized": "monday", "load_id": "L1"},
            {"article_id": "a2", "start": 0, "text": "Syria", "label": "LOC", "normalized": "syria", "load_id": "L1"},
        ]),
    }
    wh = Warehouse(tmp_path)
    with wh.writing() as con:
        publish_tables(con, {**batches, "loads": load_row("L1", None, day, {})})
        assert rebuild_story_vectors(con) == 4  # s1, s2, s3, s5: the stories whose canonical article has a vector
    with wh.reading() as con:
        found = neighbour_story_vectors(con, [(day, day.replace(day=4))], {"s5"})
        later = neighbour_story_vectors(con, [(day.replace(day=2), day.replace(day=3)), (day.replace(day=19), day.replace(day=21))], set())
    assert [(v.story_id, v.published_at, list(v.vector), v.entities) for v in found] == [
        ("s1", day, [0.0, 1.0], frozenset({"putin"})),  # not the DATE
        ("s2", day.replace(day=2), [1.0, 1.0], frozenset({"syria"})),  # no publication date: dated by first sight
    ]
    assert [(v.story_id, v.entities) for v in later] == [("s2", frozenset({"syria"})), ("s3", frozenset())]  # two ranges, none between
