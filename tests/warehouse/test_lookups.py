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
