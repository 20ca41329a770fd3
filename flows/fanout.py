"""Stage tasks submitted to the flow's task runner, optionally in batches (for Dask).

Calling a Prefect task runs it in the flow's process whatever the task runner; `.submit()`
hands it to the runner (Dask workers with `--executor dask`). Batching keeps every result equal
to the one-batch result: normalize works document by document, and enrich batches keep all
articles with one body together (the smallest article_id of a body is enriched, the rest copy).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from tasks.arrow_slices import compact_slice
from tasks.enrich.stage import enrich_task
from tasks.normalize.batch import NormalizeResult, normalize_task


def run_task(task, *args):
    """Run one task on the flow's task runner and wait for its result."""
    return task.submit(*args).result()


def normalize_batches(documents: pa.Table, load_id: str, batch_rows: int | None) -> NormalizeResult:
    slices = _slices(documents.num_rows, batch_rows)
    if len(slices) <= 1:
        return run_task(normalize_task, documents, load_id)
    futures = [normalize_task.submit(compact_slice(documents, start, length), load_id) for start, length in slices]
    return NormalizeResult.concat([f.result() for f in futures])


def enrich_batches(articles: pa.Table, copies: dict, rows: dict, load_id: str, batch_rows: int | None) -> dict:
    groups = _body_groups(articles, batch_rows)
    if len(groups) <= 1:
        return run_task(enrich_task, articles, copies, rows, load_id)
    futures = []
    for ids in groups:
        part = articles.filter(pc.is_in(articles.column("article_id"), pa.array(ids, pa.string())))
        members = set(ids)
        part_copies = {a: s for a, s in copies.items() if a in members}
        futures.append(enrich_task.submit(part, part_copies, rows, load_id))
    parts = [f.result() for f in futures]
    out = {name: pa.concat_tables([p[name] for p in parts], promote_options="permissive") for name in parts[0] if name != "_failed"}
    out["_failed"] = {a: e for p in parts for a, e in p["_failed"].items()}
    return out


def _slices(rows: int, batch_rows: int | None) -> list[tuple[int, int]]:
    if not batch_rows or rows <= batch_rows:
        return [(0, rows)]
    return [(start, min(batch_rows, rows - start)) for start in range(0, rows, batch_rows)]


def _body_groups(articles: pa.Table, batch_rows: int | None) -> list[list[str]]:
    """article_id batches of about `batch_rows`, never splitting one body_hash across two."""
    if not batch_rows or articles.num_rows <= batch_rows:
        return [articles.column("article_id").to_pylist()]
    by_hash: dict[str, list[str]] = {}
    for article_id, body_hash in zip(articles.column("article_id").to_pylist(), articles.column("body_hash").to_pylist()):
        by_hash.setdefault(body_hash, []).append(article_id)
    groups, current = [], []
    for body_hash in sorted(by_hash, key=str):
        current.extend(by_hash[body_hash])
        if len(current) >= batch_rows:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups
