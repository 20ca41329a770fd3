"""The enrich stage: enrich each distinct body once; exact copies reuse the canonical's rows."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks import progress
from tasks.enrich.batch import TABLES, enrich_articles
from warehouse import schemas

# Articles enriched per call: progress moves and a stop request is seen at every chunk. Rows do
# not depend on the articles enriched with them; 64 keeps the two cores' overlap (embedding
# beside NER) and costs one short idle tail (a few embeddings) per chunk.
CHUNK = 64


def enrich_new_articles(
    articles: pa.Table,
    stored_copies: dict[str, str],
    stored_rows: dict[str, pa.Table],
    load_id: str,
) -> dict:
    """Enrichment tables for new `articles` (article_id, body, language, body_hash), plus
    `_failed`: {article_id: error} for articles the enrichers could not handle.

    stored_copies: new article_id -> a stored article with the same body, whose enrichment rows
    (stored_rows, per table) are copied instead of computed again. Among new articles with one
    body, the smallest article_id is enriched and the others get copies.
    """
    progress.add_total("enrich", articles.num_rows)
    if articles.num_rows == 0:
        return {**{name: schemas.empty(schemas.TABLES[name]) for name in TABLES}, "_failed": {}}
    ids = articles.column("article_id").to_pylist()
    hashes = articles.column("body_hash").to_pylist()
    source_of: dict[str, str] = {}  # article -> the article whose rows it takes
    first_by_hash: dict[str, str] = {}
    for article_id, body_hash in sorted(zip(ids, hashes)):
        if article_id in stored_copies:
            source_of[article_id] = stored_copies[article_id]
        elif body_hash in first_by_hash:
            source_of[article_id] = first_by_hash[body_hash]
        else:
            first_by_hash[body_hash] = article_id
    computed_ids = set(first_by_hash.values())
    to_enrich = articles.filter(pc.is_in(articles.column("article_id"), pa.array(sorted(computed_ids), pa.string())))
    computed, failed = _enrich_chunks(to_enrich, load_id, articles.num_rows - to_enrich.num_rows)
    source_of = {a: s for a, s in source_of.items() if s not in failed}
    out = {}
    for name in TABLES:
        pool = [computed[name]] + ([stored_rows[name]] if name in stored_rows and stored_rows[name].num_rows else [])
        out[name] = pa.concat_tables([computed[name], *_copies(pool, source_of, load_id, schemas.TABLES[name])])
    out["_failed"] = failed
    return out


def _enrich_chunks(articles: pa.Table, load_id: str, copies: int) -> tuple[dict[str, pa.Table], dict[str, str]]:
    """_enrich_guarded over CHUNK articles at a time; `copies`: articles that take others' rows."""
    progress.advance("enrich", copies)
    parts, failed = [], {}
    for start in range(0, articles.num_rows, CHUNK):
        progress.check_stop()
        chunk = articles.slice(start, CHUNK)
        tables, chunk_failed = _enrich_guarded(chunk, load_id)
        parts.append(tables)
        failed.update(chunk_failed)
        progress.advance("enrich", chunk.num_rows)
    if len(parts) == 1:
        return parts[0], failed
    return {name: pa.concat_tables([schemas.empty(schemas.TABLES[name])] + [p[name] for p in parts]) for name in TABLES}, failed


def _enrich_guarded(articles: pa.Table, load_id: str) -> tuple[dict[str, pa.Table], dict[str, str]]:
    """Enrich the batch; if it fails, article by article, so one bad body cannot sink the rest."""
    try:
        return enrich_articles(articles, load_id), {}
    except Exception:  # noqa: BLE001 — isolate the culprit below, each failure becomes a reject
        pass
    parts, failed = [], {}
    for index in range(articles.num_rows):
        one = articles.slice(index, 1)
        try:
            parts.append(enrich_articles(one, load_id))
        except Exception as exc:  # noqa: BLE001
            failed[one.column("article_id")[0].as_py()] = f"{type(exc).__name__}: {exc}"
    tables = {name: pa.concat_tables([schemas.empty(schemas.TABLES[name])] + [p[name] for p in parts]) for name in TABLES}
    return tables, failed


def _copies(pool: list[pa.Table], source_of: dict[str, str], load_id: str, spec: schemas.TableSpec) -> list[pa.Table]:
    by_source: dict[str, list[str]] = {}
    for target, source in source_of.items():
        by_source.setdefault(source, []).append(target)
    rows = []
    for table in pool:
        for row in table.to_pylist():
            for target in by_source.get(row["article_id"], []):
                rows.append({**row, "article_id": target, "load_id": load_id})
    return [schemas.to_table(spec, [{k: r.get(k) for k in spec.schema.names} for r in rows])] if rows else []


enrich_task = task(name="enrich", cache_policy=NO_CACHE)(enrich_new_articles)
