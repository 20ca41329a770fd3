"""The `news-reprocess` flow: rebuild derived tables from stored documents, without refetching.

After a parser, dedup or enrichment upgrade. The rebuilt tables are emptied and written again
inside ONE transaction: readers see the old tables until it commits, the new ones after; a
crash leaves the old ones in place.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum

import pyarrow as pa
from prefect import flow, get_run_logger

from flows.config import DEFAULT_WAREHOUSE
from flows.run_steps import flow_run_id, new_load_id
from tasks.dedup.batch import StoredContext, dedup_articles
from tasks.dedup.fingerprint import fingerprint_articles
from tasks.enrich.batch import TABLES as ENRICH_TABLES
from tasks.enrich.canonical import entity_name_rows
from tasks.enrich.stage import enrich_new_articles
from tasks.ingest import rejects_table
from tasks.normalize.batch import normalize_documents
from flows.warehouses import open_warehouse
from warehouse.faults import checkpoint
from warehouse.publish import commit_message, load_row, publish_tables
from warehouse.schemas import ENTITY_NAMES, FINGERPRINTS, to_table
from warehouse.story_vectors import rebuild as rebuild_story_vectors

CHUNK = 2_000  # documents per normalize/enrich batch: bounded memory on any warehouse size


class Stage(str, Enum):
    normalize = "normalize"  # articles, links and everything derived from them
    dedup = "dedup"  # fingerprints, story_members, stories
    enrich = "enrich"  # languages, entities (and entity_names), quotes, keywords, tone, embeddings (and story_vectors)


REBUILDS = {
    Stage.normalize: ["articles", "links", "fingerprints", "fingerprint_bands", "story_members", "stories", "story_merges",
                      *ENRICH_TABLES, "entity_names"],
    Stage.dedup: ["fingerprints", "fingerprint_bands", "story_members", "stories", "story_merges"],
    Stage.enrich: [*ENRICH_TABLES, "entity_names"],
}


@flow(name="news-reprocess", log_prints=False)
def news_reprocess(warehouse: str = DEFAULT_WAREHOUSE, stage: Stage = Stage.normalize, catalog: str | None = None) -> dict:
    """Rebuild the tables of `stage` and every stage after it from the raw layer."""
    logger = get_run_logger()
    stage = Stage(stage)
    started = datetime.now(timezone.utc)
    load_id = new_load_id(started)
    wh = open_warehouse(warehouse, catalog=catalog)
    written: dict[str, int] = {}
    replacing = frozenset(REBUILDS[stage])
    with wh.writing() as con:
        for name in sorted(replacing):  # emptied first, inside the transaction: readers see the old rows until it commits
            con.execute(f'DELETE FROM "{name}"')
        if stage == Stage.normalize:
            ids = [r[0] for r in con.execute("SELECT document_id FROM documents ORDER BY document_id").fetchall()]
            metas, fingerprints = [], []
            for start in range(0, len(ids), CHUNK):
                con.register("_chunk", pa.table({"document_id": ids[start : start + CHUNK]}))
                docs = con.execute("SELECT * FROM documents WHERE document_id IN (SELECT document_id FROM _chunk)").to_arrow_table()
                normalized = normalize_documents(docs, load_id)
                articles = _with_fetched_at(con, normalized.articles)
                enrichment = enrich_new_articles(articles, {}, {}, load_id)
                enrichment.pop("_failed")
                fps = normalized.fingerprints
                _add(written, publish_tables(con, {"articles": articles, "links": normalized.links, **enrichment,
                                                   "rejects": rejects_table(normalized.rejects, load_id)}))
                fingerprints.append(fps)
                metas.append(articles)
                checkpoint("reprocess:chunk")
                logger.info("reprocessed %d / %d documents", min(start + CHUNK, len(ids)), len(ids))
            articles = pa.concat_tables(metas) if metas else None
        else:
            articles = _with_fetched_at(con, con.execute("SELECT * FROM articles ORDER BY article_id").to_arrow_table())
            fingerprints = [fingerprint_articles(articles, load_id)] if stage == Stage.dedup else []
            if stage == Stage.enrich:
                for start in range(0, articles.num_rows, CHUNK):
                    enrichment = enrich_new_articles(articles.slice(start, CHUNK), {}, {}, load_id)
                    enrichment.pop("_failed")
                    _add(written, publish_tables(con, enrichment))
        if "entity_names" in replacing:  # from every entity row, as one run over an empty table would
            mentions = con.execute("SELECT article_id, label, coalesce(normalized, text) FROM entities").fetchall()
            _add(written, publish_tables(con, {"entity_names": to_table(ENTITY_NAMES, entity_name_rows(mentions, [], load_id))}))
        if stage != Stage.enrich and articles is not None:
            fps = pa.concat_tables(fingerprints) if fingerprints else FINGERPRINTS.schema.empty_table()
            deduped = dedup_articles(articles, fps, StoredContext(candidates=fps.schema.empty_table()), started, load_id)
            _add(written, publish_tables(con, {"fingerprints": fps, "story_members": deduped.members, "stories": deduped.stories}))
        written["story_vectors"] = rebuild_story_vectors(con)  # every stage rebuilds stories or embeddings
        counts = {"reprocess": stage.value, "rows_written": written}
        publish_tables(con, {"loads": load_row(load_id, flow_run_id(), started, counts, "reprocess")})
        commit_message(con, load_id, f"reprocess from {stage.value}")
        checkpoint("reprocess:commit")
    logger.info("reprocess %s committed as load %s: %s", stage.value, load_id, written)
    return {"load_id": load_id, **counts}


def _with_fetched_at(con, articles: pa.Table) -> pa.Table:
    """`articles` with the fetch time of their documents (rows stored before articles kept it have none)."""
    if "fetched_at" in articles.column_names:
        if articles.column("fetched_at").null_count == 0:
            return articles
        articles = articles.drop_columns(["fetched_at"])
    con.register("_arts", articles.select(["article_id", "document_id"]))
    fetched = dict(con.execute(
        "SELECT a.article_id, d.fetched_at FROM _arts a JOIN (SELECT document_id, fetched_at FROM documents) d USING (document_id)"
    ).fetchall())
    con.unregister("_arts")
    column = pa.array([fetched.get(a) for a in articles.column("article_id").to_pylist()], pa.timestamp("us", tz="UTC"))
    return articles.append_column("fetched_at", column)


def _add(total: dict[str, int], more: dict[str, int]) -> None:
    for name, n in more.items():
        total[name] = total.get(name, 0) + n
