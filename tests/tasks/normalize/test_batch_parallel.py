"""normalize_documents over worker processes gives exactly what one process gives."""

import pyarrow as pa

from benchmarks import corpus
from tasks.dedup.fingerprint import fingerprint_articles
from tasks.dedup.fold import body_hash
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
    # Zulu: fastText (no Zulu) is unsure, so workers leave it to the parent's fallback detector
    raws.append(RawDocument(source="t", uri="file:///zu.txt", content=ZULU.encode()))
    return documents_table(raws, "t")


ZULU = ("Ngiyabonga kakhulu ngosizo lwakho namhlanje, umngane wami. Izingane zifunda esikoleni "
        "sasemakhaya futhi abazali bazo bayajabula kakhulu ngempumelelo yazo.\n")


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
    assert parallel.fingerprints.equals(serial.fingerprints)
    assert "zu" in parallel.articles.column("language").to_pylist() and not parallel.undecided_languages


def test_fingerprints_made_with_the_articles_are_the_dedup_stage_s():
    normalized = normalize_serial(_documents(60), "load")
    articles, fingerprints = normalized.articles, normalized.fingerprints
    assert fingerprints.equals(fingerprint_articles(articles, "load", workers=1))
    assert articles.column("body_hash").to_pylist() == [body_hash(b) for b in articles.column("body").to_pylist()]
    without = normalize_serial(_documents(60), "load", fingerprints=False)
    assert without.fingerprints is None and without.articles.equals(articles)


def test_small_batches_and_one_worker_stay_in_process(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("no worker processes expected")

    monkeypatch.setattr(batch, "_parallel", refuse)
    docs = _documents(20)
    assert normalize_documents(docs, "load").articles.num_rows > 0  # below PARALLEL_MIN
    monkeypatch.setattr(batch, "PARALLEL_MIN", 1)
    assert normalize_documents(docs, "load", workers=1).articles.num_rows > 0


def test_workers_start_with_ctrl_c_blocked_and_this_process_keeps_it():
    # a Ctrl-C while a spawned worker is still importing (before its initializer) printed a
    # KeyboardInterrupt traceback from it; started with SIGINT blocked, a worker never gets one
    import multiprocessing
    import os
    import signal
    from concurrent.futures import ProcessPoolExecutor
    from pathlib import Path

    from tasks.normalize.batch import _ignore_interrupts, _start_workers

    def blocked(pid: int) -> int:
        line = next(row for row in Path(f"/proc/{pid}/status").read_text().splitlines() if row.startswith("SigBlk:"))
        return int(line.split()[1], 16)

    sigint = 1 << (signal.SIGINT - 1)
    pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_interrupts)
    try:
        _start_workers(pool, 2)
        assert len(pool._processes) == 2
        assert all(blocked(pid) & sigint for pid in pool._processes)
        assert not blocked(os.getpid()) & sigint and pool.submit(int, "7").result() == 7
    finally:
        pool.shutdown()
