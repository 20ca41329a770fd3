"""Benchmark sections for run_all.py; each runs in its own process and returns a JSON-able dict.

Rates are given twice: `docs_per_s` from wall-clock time and `docs_per_cpu_s` from the CPU time
of the process and its workers, which a busy shared machine disturbs less.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import corpus  # noqa: E402
from benchmarks.measure import Timer, peak_rss_mb, rate, ratio, timed  # noqa: E402

# generated corpora are cached here (NEWSFLOW_BENCH_CACHE moves them, e.g. for tests)
OUT = Path(os.environ.get("NEWSFLOW_BENCH_CACHE") or Path(__file__).resolve().parent / "out")


# ---------------------------------------------------------------- corpora


def body_corpus(n: int, dup_rate: float, seed: int) -> Path:
    """Synthetic normalized bodies as Parquet under benchmarks/out (generated once, then reused)."""
    path = OUT / f"corpus-bodies-v{corpus.VERSION}-{n}-{dup_rate}-{seed}.parquet"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        corpus.write_parquet(tmp, corpus.iter_bodies(n, dup_rate, seed), corpus.BODY_SCHEMA)
        tmp.replace(path)
    return path


def documents(n: int, renditions: tuple[str, ...], seed: int = 11) -> pa.Table:
    """A `documents` batch of n rendered documents, as ingest would build it."""
    from tasks.ingest import documents_table
    from tasks.records import RawDocument

    raws = [RawDocument(source="bench", uri=uri, content=content)
            for b in corpus.iter_documents(n, 0.3, seed, renditions)
            for uri, content in zip(b.column("uri").to_pylist(), b.column("content").to_pylist())]
    return documents_table(raws, "bench")


# ---------------------------------------------------------------- reference dedup (datasketch)

_WORD = re.compile(r"\w+")


def reference_dedup(bodies: list[str], threshold: float = 0.5, num_perm: int = 128) -> int:
    """What one would write with datasketch: exact hash, word 4-gram MinHash, MinHashLSH query
    then insert, verified by estimated Jaccard, union-find. Returns the number of clusters."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    parent = list(range(len(bodies)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    exact: dict[str, int] = {}
    sigs: list[MinHash] = []
    for i, body in enumerate(bodies):
        words = _WORD.findall(body.lower())
        key = hashlib.sha256(" ".join(words).encode()).hexdigest()
        shingles = {" ".join(words[j : j + 4]) for j in range(max(len(words) - 3, 1))}
        m = MinHash(num_perm=num_perm, seed=1)
        m.update_batch([s.encode() for s in shingles])
        sigs.append(m)
        if key in exact:
            parent[find(i)] = find(exact[key])
        else:
            exact[key] = i
        for other in lsh.query(m):
            j = int(other)
            if m.jaccard(sigs[j]) >= threshold:
                parent[find(i)] = find(j)
        lsh.insert(str(i), m)
    return len({find(i) for i in range(len(bodies))})


# ---------------------------------------------------------------- sections


def section_normalize(n: int, html_n: int) -> dict:
    """normalize_documents on text renditions; on HTML pages beside plain trafilatura."""
    import trafilatura

    from tasks.normalize.batch import normalize_documents

    out = {}
    docs = documents(n, corpus.TEXT_RENDITIONS)
    with timed() as t:
        result = normalize_documents(docs, "bench")
    out["text"] = rate(n, t, articles=result.articles.num_rows, rejects=len(result.rejects))
    pages = documents(html_n, ("html",), seed=12)
    normalize_documents(pages.slice(0, 5), "bench")  # imports trafilatura's first-use caches
    with timed() as t:
        result = normalize_documents(pages, "bench")
    out["html"] = rate(html_n, t, articles=result.articles.num_rows, rejects=len(result.rejects))
    htmls = [c.decode("utf-8") for c in pages.column("content").to_pylist()]
    with timed() as t:
        extracted = [trafilatura.extract(h, with_metadata=True) for h in htmls]
    out["html_trafilatura_reference"] = rate(html_n, t, extracted=sum(1 for e in extracted if e))
    out["html_ratio_vs_trafilatura"] = ratio(out["html"], out["html_trafilatura_reference"])
    return out


def section_text_pipeline(n: int) -> dict:
    """normalize (which makes the fingerprints too) + exact/near dedup of text documents, vs the
    normalize-only parse + datasketch MinHashLSH; and the fingerprint stage alone (as reprocessing
    stored articles runs it) + dedup vs datasketch alone."""
    from tasks.dedup.batch import StoredContext, dedup_articles
    from tasks.dedup.fingerprint import fingerprint_articles
    from tasks.normalize.batch import normalize_documents

    docs = documents(n, corpus.TEXT_RENDITIONS, seed=13)
    with timed() as tn:
        normalized = normalize_documents(docs, "bench")
    articles, fps = normalized.articles, normalized.fingerprints
    with timed() as td:
        deduped = dedup_articles(articles, fps, StoredContext(candidates=fps.slice(0, 0)), datetime.now(timezone.utc), "bench")
    with timed() as tp:
        plain = normalize_documents(docs, "bench", fingerprints=False).articles
    with timed() as tf:
        alone = fingerprint_articles(articles, "bench")
    assert alone.equals(fps) and plain.equals(articles)  # the same work, measured two ways
    bodies = plain.column("body").to_pylist()
    with timed() as tr:
        ref_clusters = reference_dedup(bodies)
    total, ref_total, dedup_t = Timer(), Timer(), Timer()
    total.wall, total.cpu = tn.wall + td.wall, tn.cpu + td.cpu
    ref_total.wall, ref_total.cpu = tp.wall + tr.wall, tp.cpu + tr.cpu
    dedup_t.wall, dedup_t.cpu = tf.wall + td.wall, tf.cpu + td.cpu
    stories = deduped.stories.column("merged_into").null_count
    out = {
        "normalize_with_fingerprints": rate(n, tn), "dedup_match_cluster": rate(articles.num_rows, td),
        "normalize_plus_dedup": rate(n, total, stories=stories),
        "normalize_without_fingerprints": rate(n, tp), "fingerprint_stage_alone": rate(articles.num_rows, tf),
        "dedup_only": rate(articles.num_rows, dedup_t),
        "datasketch_reference_dedup": rate(articles.num_rows, tr, clusters=ref_clusters),
        "normalize_plus_datasketch_reference": rate(n, ref_total),
    }
    out["ratio_vs_reference"] = ratio(out["normalize_plus_dedup"], out["normalize_plus_datasketch_reference"])
    out["dedup_ratio_vs_reference"] = ratio(out["dedup_only"], out["datasketch_reference_dedup"])
    return out


def section_dedup(n: int, dup_rate: float, seed: int, reference_max: int, lookup: bool) -> dict:
    """fingerprint (streamed, worker processes) + match + cluster of n synthetic bodies; optionally
    the stored-fingerprint lookup of a 1,000-article run against them, and datasketch on the same bodies."""
    import pyarrow.compute as pc

    from tasks.dedup.batch import META_COLUMNS, StoredContext, dedup_articles
    from tasks.dedup.fingerprint import CHUNK, PARALLEL_MIN, band_keys, default_workers, fingerprint_chunks, fingerprints_table

    with timed() as tg:
        path = body_corpus(n, dup_rate, seed)
    # pre_buffer=False: the default read-ahead cache keeps every body column chunk read so far
    # (1.6 GB at 1M) until the iterator ends; the pipeline never reads bodies from a file
    source = pq.ParquetFile(path, pre_buffer=False)
    metas, fps = [], []
    batches = list(source.iter_batches(batch_size=CHUNK, columns=["article_id", "canonical_url", "title", "published_at"]))
    workers = default_workers() if n >= PARALLEL_MIN else 1  # the rule fingerprint_bodies applies
    with timed() as tf:
        bodies = (b.column("body").to_pylist() for b in source.iter_batches(batch_size=CHUNK, columns=["body"]))
        for meta, (hashes, counts, sigs) in zip(batches, fingerprint_chunks(bodies, workers)):
            table = pa.Table.from_batches([meta])
            fps.append(fingerprints_table(table, hashes, counts, sigs, band_keys(sigs), "bench"))
            metas.append(table)
        fps_table = pa.concat_tables(fps)
        del fps
    articles = pa.concat_tables(metas).select([c for c in META_COLUMNS if c in metas[0].column_names])
    with timed() as td:
        deduped = dedup_articles(articles, fps_table, StoredContext(candidates=fps_table.slice(0, 0)), datetime.now(timezone.utc), "bench")
    both = Timer()
    both.wall, both.cpu = tf.wall + td.wall, tf.cpu + td.cpu
    truth = pq.read_table(path, columns=["cluster"]).column("cluster")
    out = {
        "documents": n, "dup_rate": dup_rate, "workers": workers, "corpus_seconds": round(tg.wall, 1),
        "fingerprint": rate(n, tf), "match_cluster": rate(n, td), "dedup": rate(n, both),
        "stories": deduped.stories.column("merged_into").null_count,  # counted in Arrow: no 700k row dicts
        "true_stories": pc.count_distinct(truth).as_py(), "edges": len(deduped.edges),
        "per_doc_ms": round(1000 * both.wall / n, 4), "per_doc_cpu_ms": round(1000 * both.cpu / n, 4),
    }
    del deduped, articles
    out["peak_rss"] = peak_rss_mb()  # of fingerprint + match + cluster: read before the lookup below
    if lookup:
        out["incremental_lookup"] = _lookup(fps_table, seed)
        out["incremental_lookup"]["peak_rss_with_publish"] = peak_rss_mb()
    del fps_table
    if n <= reference_max:
        bodies = pq.read_table(path, columns=["body"]).column("body").to_pylist()
        with timed() as tr:
            clusters = reference_dedup(bodies)
        out["datasketch_reference"] = rate(n, tr, clusters=clusters)
        out["ratio_vs_reference"] = ratio(out["dedup"], out["datasketch_reference"])
    return out


def _lookup(stored: pa.Table, seed: int) -> dict:
    """Write `stored` fingerprints (and their bands) as one run, then time what a run of 100 new
    documents (10 copies of stored ones) spends in the warehouse for dedup: the candidate
    lookups and the writes of its fingerprints and bands, with the commit."""
    from tasks.dedup.fingerprint import fingerprint_articles
    from warehouse.lake import Warehouse
    from warehouse.lookups import load_dedup_context
    from warehouse.publish import publish_tables

    with tempfile.TemporaryDirectory(prefix="nf-bench-") as root:
        wh = Warehouse(root)
        with timed() as tp, wh.writing() as con:
            publish_tables(con, {"fingerprints": stored}, may_be_stored=frozenset())
        new = pa.Table.from_batches(list(corpus.iter_bodies(90, 0.0, seed + 1)))
        new_fps = fingerprint_articles(new, "new", workers=1)
        copies = stored.slice(0, 10).set_column(0, "article_id", pa.array([f"copy{i}" for i in range(10)]))
        new_fps = pa.concat_tables([new_fps, copies.cast(new_fps.schema)])
        with timed() as tl, wh.writing(upkeep=False) as con:
            with timed() as tq:
                context = load_dedup_context(con, new_fps)
            publish_tables(con, {"fingerprints": new_fps}, may_be_stored=frozenset())
        return {"stored": stored.num_rows, "new": new_fps.num_rows, "candidates": context.candidates.num_rows,
                "lookup_seconds": round(tq.wall, 3), "lookups_writes_commit_seconds": round(tl.wall, 3),
                "publish_fingerprints": rate(stored.num_rows, tp)}


def section_flow(n_files: int) -> dict:
    """news_pipeline over n_files text documents (enrichment replaced by a no-op: its speed is
    measured by bench_enrich.py), then the same again (nothing new), beside an empty Prefect flow."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from prefect import flow

    import flows.pipeline as pipeline
    from flows.run_steps import write_run_task
    from tasks.enrich.batch import TABLES as ENRICH_TABLES
    from tasks.enrich.stage import enrich_task
    from tasks.ingest import read_paths_task
    from tasks.normalize.batch import normalize_task
    from warehouse import schemas

    def skip_enrichment(articles, copies, rows, load_id):
        return {**{name: schemas.empty(schemas.TABLES[name]) for name in ENRICH_TABLES}, "_failed": {}}

    enrich_task.fn = skip_enrichment
    bodies: dict[str, float] = {}
    for prefect_task in (read_paths_task, normalize_task, write_run_task, enrich_task):
        _time_task_body(prefect_task, bodies)

    @flow(name="bench-noop")
    def noop() -> int:
        return 1

    with tempfile.TemporaryDirectory(prefix="nf-bench-") as tmp:
        folder = Path(tmp) / "docs"
        corpus.write_files(folder, n_files, 0.3, 21)
        noop()  # starts Prefect's temporary server: every figure below is warm
        with timed() as tnoop:
            noop()
        warehouse = str(Path(tmp) / "wh")
        with timed() as t1:
            counts = pipeline.news_pipeline([str(folder)], warehouse)
        first = dict(bodies)
        bodies.clear()
        with timed() as t2:
            again = pipeline.news_pipeline([str(folder)], warehouse)
        task_s = sum(first.values())
        return {
            "files": n_files, "articles": counts["articles"], "duplicates": counts["duplicates"],
            "flow": rate(n_files, t1), "task_bodies_seconds": {k: round(v, 3) for k, v in first.items()},
            "outside_task_bodies_seconds": round(t1.wall - task_s, 3),
            "outside_task_bodies_share": round((t1.wall - task_s) / t1.wall, 4),
            "dedup_and_publish": rate(counts["articles"], _t(first.get("dedup-and-publish", 0.0))),
            "empty_prefect_flow_seconds": round(tnoop.wall, 3),
            "nothing_new_run_seconds": round(t2.wall, 3), "nothing_new_articles": again["articles"],
            "nothing_new_added_seconds": round(t2.wall - tnoop.wall, 3),
            "nothing_new_task_bodies_seconds": {k: round(v, 3) for k, v in bodies.items()},
            "peak_rss": peak_rss_mb(),
        }


def _t(seconds: float) -> Timer:
    t = Timer()
    t.wall = t.cpu = seconds
    return t


def _time_task_body(prefect_task, into: dict[str, float]) -> None:
    """Wrap a task's function so the time spent inside its body is summed per task name."""
    import functools

    fn = prefect_task.fn

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            into[prefect_task.name] = into.get(prefect_task.name, 0.0) + time.perf_counter() - start

    prefect_task.fn = wrapper


def section_entities(n_articles: int, per_article: int = 10) -> dict:
    """Top entities per day over a synthetic warehouse of n_articles articles (per_article entity
    mentions each, Zipf-distributed names over a year), through the warehouse views."""
    from warehouse.canned import get_query
    from warehouse.lake import Warehouse, connect
    from warehouse.publish import publish_tables

    rng = np.random.default_rng(5)
    with tempfile.TemporaryDirectory(prefix="nf-bench-") as root:
        wh = Warehouse(root)
        ids = np.char.add("a", np.arange(n_articles).astype(str))
        published = pa.array(np.datetime64("2024-01-01T00:00:00") + rng.integers(0, 365 * 86400, n_articles).astype("timedelta64[s]"))
        with timed() as tw, wh.writing() as out:
            for lo in range(0, n_articles, 250_000):
                hi = min(lo + 250_000, n_articles)
                k = hi - lo
                publish_tables(out, {"articles": pa.table({"article_id": ids[lo:hi], "document_id": ids[lo:hi], "source": ["bench"] * k,
                                              "published_at": published.slice(lo, k).cast(pa.timestamp("us", tz="UTC")),
                                              "load_id": ["bench"] * k})}, may_be_stored=frozenset())
                names = rng.zipf(1.3, k * per_article) % 50_000
                labels = np.array(["PERSON", "ORG", "GPE", "LOC"])[names % 4]
                publish_tables(out, {"entities": pa.table({"article_id": np.repeat(ids[lo:hi], per_article), "text": np.char.add("Name ", names.astype(str)),
                                              "label": labels, "start": np.tile(np.arange(per_article, dtype=np.int32) * 50, k),
                                              "normalized": np.char.add("name ", names.astype(str)), "load_id": ["bench"] * (k * per_article)})},
                               may_be_stored=frozenset())
        # each day's top 10 as one top-N aggregate (min_by with a count): ~20% less CPU than
        # row_number() over every (day, name) pair + QUALIFY, same rows
        query = """
            WITH days AS (SELECT article_id, published_at::DATE AS day FROM articles),
            counts AS (
                SELECT d.day, e.normalized, count(*) AS mentions
                FROM entities e JOIN days d USING (article_id)
                GROUP BY ALL
            ),
            top AS (SELECT day, unnest(min_by({'normalized': normalized, 'mentions': mentions}, (-mentions, normalized), 10)) AS t
                    FROM counts GROUP BY day)
            SELECT day, t.normalized AS normalized, t.mentions AS mentions FROM top
            ORDER BY day, mentions DESC, normalized
        """
        con = connect(wh)
        times = best_of_3(lambda: con.execute(query).fetchall())
        rows = con.execute(query).fetchall()
        # the canned query users run (`newsflow sql --query top_entities_per_day`) does more: the
        # story's date for undated articles, distinct articles per name, a label filter
        canned = get_query("top_entities_per_day")
        canned_times = best_of_3(lambda: canned.run(con))
        con.close()
        return {"articles": n_articles, "entity_rows": n_articles * per_article, "days": len({r[0] for r in rows}),
                "query_seconds_best_of_3": round(min(times), 3), "query_seconds_all": [round(t, 3) for t in times],
                "canned_query_seconds_best_of_3": round(min(canned_times), 3),
                "write_seconds": round(tw.wall, 1), "query": " ".join(query.split())}


def best_of_3(run) -> list[float]:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


SECTIONS = {
    "normalize": section_normalize,
    "text_pipeline": section_text_pipeline,
    "dedup": section_dedup,
    "flow": section_flow,
    "entities": section_entities,
}
