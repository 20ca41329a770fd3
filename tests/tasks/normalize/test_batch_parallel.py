"""normalize_documents over worker processes gives exactly what one process gives."""

import pyarrow as pa

from benchmarks import corpus
from tasks.ingest import documents_table
from tasks.normalize import batch
from tasks.normalize.batch import normalize_documents
from tasks.normalize.documents import normalize_serial
from tasks.records import RawDocument


def _documents(n: int) -> pa.Table:
    raws = [RawDocument(source="t", uri=uri, content=content)
            for b in corpus.iter_documents(n, 0.3, 5, corpus.TEXT_RENDITIONS)
            for uri, content in zip(b.column("uri").to_pylist(), b.column("content").to_pylist())]
    raws.append(RawDocument(source="t", uri="file:///bad.bin", content=b"\x00\x01\x02" * 100))  # a reject
    return documents_table(raws, "t")


def test_parallel_equals_serial(monkeypatch):
    docs = _documents(140)
    monkeypatch.setattr(batch, "PARALLEL_MIN", 10)
    monkeypatch.setattr(batch, "CHUNK", 25)  # several chunks per worker: order must survive
    parallel = normalize_documents(docs, "load", workers=2)
    serial = normalize_serial(docs, "load")
    assert parallel.articles.num_rows > 100
    assert parallel.articles.equals(serial.articles)
    assert parallel.links.equals(serial.links)
    assert parallel.rejects == serial.rejects and parallel.rejects


def test_small_batches_and_one_worker_stay_in_process(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("no worker processes expected")

    monkeypatch.setattr(batch, "_parallel", refuse)
    docs = _documents(20)
    assert normalize_documents(docs, "load").articles.num_rows > 0  # below PARALLEL_MIN
    monkeypatch.setattr(batch, "PARALLEL_MIN", 1)
    assert normalize_documents(docs, "load", workers=1).articles.num_rows > 0
