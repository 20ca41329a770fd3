"""tasks/progress.py and the stages' use of it: counts reach the sink, a stop request is seen
at the next batch boundary and passes the stages' `except Exception` blocks."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tasks import progress
from tasks.enrich import stage
from tasks.normalize.documents import normalize_serial
from warehouse import schemas


class Sink:
    def __init__(self, stop_after: int | None = None):
        self.totals, self.done, self.nbytes, self.loads = {}, {}, 0, []
        self.stop_after = stop_after

    def add_total(self, stage, items):
        self.totals[stage] = self.totals.get(stage, 0) + items

    def advance(self, stage, items, nbytes):
        self.done[stage] = self.done.get(stage, 0) + items
        self.nbytes += nbytes
        if self.stop_after is not None and self.done[stage] >= self.stop_after:
            progress.request_stop()  # as Ctrl-C would, from another thread

    def load_started(self, load_id):
        self.loads.append(load_id)


def test_without_a_sink_nothing_happens_and_nothing_stops():
    progress.advance("ingest", 3, 10)
    progress.add_total("normalize", 5)
    progress.check_stop()  # no request: no exception


def test_a_stop_request_is_an_interrupt_not_an_error_and_lasts_past_a_failed_block():
    with pytest.raises(progress.RunInterrupted), progress.reporting(Sink()):
        progress.request_stop()
        try:
            progress.check_stop()
        except Exception:  # a stage's "bad input becomes a reject" block must not swallow it
            pytest.fail("RunInterrupted caught as an Exception")
    assert progress.stop_requested()  # threads still running after the interrupt go on seeing it
    with progress.reporting(Sink()):
        assert not progress.stop_requested()  # a new run starts afresh
    assert not progress.stop_requested()


def documents(n: int) -> pa.Table:
    rows = [{"document_id": f"d{i}", "source": "t", "uri": f"file:///d{i}.txt", "content": f"Title {i}\n\nBody number {i} here.\n".encode(),
             "fetched_at": None} for i in range(n)]
    return pa.Table.from_pylist(rows, schema=pa.schema([("document_id", pa.string()), ("source", pa.string()), ("uri", pa.string()),
                                                          ("content", pa.binary()), ("fetched_at", pa.timestamp("us", tz="UTC"))]))


def test_normalize_counts_documents_and_stops_at_the_next_one():
    sink = Sink()
    with progress.reporting(sink):
        normalize_serial(documents(4), "load", fingerprints=False)
    assert sink.done == {"normalize": 4}

    sink = Sink(stop_after=2)
    with pytest.raises(progress.RunInterrupted), progress.reporting(sink):
        normalize_serial(documents(10), "load", fingerprints=False)
    assert sink.done == {"normalize": 2}  # the third document was not started


def test_enrich_goes_chunk_by_chunk_and_stops_between_chunks(monkeypatch):
    chunks = []

    def fake_enrich(articles, load_id):
        chunks.append(articles.column("article_id").to_pylist())
        return {name: schemas.empty(schemas.TABLES[name]) for name in stage.TABLES}, {articles.column("article_id")[0].as_py(): "boom"}

    monkeypatch.setattr(stage, "_enrich_guarded", fake_enrich)
    monkeypatch.setattr(stage, "CHUNK", 2)
    ids = [f"a{i}" for i in range(5)]
    articles = pa.table({"article_id": ids, "body": ["x"] * 5, "language": ["de"] * 5, "body_hash": ids})
    sink = Sink()
    with progress.reporting(sink):
        out = stage.enrich_new_articles(articles, {}, {}, "load")
    assert chunks == [["a0", "a1"], ["a2", "a3"], ["a4"]]
    assert out["_failed"] == {"a0": "boom", "a2": "boom", "a4": "boom"}  # every chunk's failures kept
    assert sink.totals == {"enrich": 5} and sink.done == {"enrich": 5}

    chunks.clear()
    with pytest.raises(progress.RunInterrupted), progress.reporting(Sink(stop_after=2)):
        stage.enrich_new_articles(articles, {}, {}, "load")
    assert len(chunks) == 1
