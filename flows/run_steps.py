"""The steps every run shares, from stored-document check to the one transaction.

    documents, checked_at = drop_stored(wh, documents)        # outside the lock
    enrichment = enrich_articles(wh, articles, load_id)       # outside the lock: the slowest stage
    result = write_run(wh, load_id, started, source, documents, normalized, enrichment, ...)

`news-pipeline` (flows/pipeline.py) and `news-poll` (flows/poll.py) wire them; benchmarks call
them without Prefect around.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.fanout import enrich_batches
from tasks.dedup.batch import changed_members, dedup_articles
from tasks.enrich.batch import TABLES as ENRICH_TABLES
from tasks.enrich.entity_stage import entity_names_batch
from tasks.enrich.event_stage import article_features, events_table, story_vectors_table, touched_vectors, window_of
from tasks.enrich.events import event_links, link_groups, place_events
from tasks.ingest import merge_sightings, rejects_table
from tasks.records import Reject
from tasks.sources.collect import fetch_log_table
from warehouse.faults import checkpoint
from warehouse.lake import Warehouse, snapshot_id
from warehouse.lookups import (event_members, load_dedup_context, load_enrichment, neighbour_story_vectors, stored_copies,
                               stored_events, stored_keys, stored_sightings)
from warehouse.publish import commit_message, load_row, publish_tables


def new_load_id(now: datetime) -> str:
    """Sortable by time, unique across concurrent runs."""
    return f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


@dataclass
class RunWritten:
    counts: dict
    committed: bool = False
    story_rows: list[dict] = field(default_factory=list)
    member_rows: list[dict] = field(default_factory=list)
    new_ids: set[str] = field(default_factory=set)
    stored_story_ids: set[str] = field(default_factory=set)


def write_run(wh: Warehouse, load_id: str, started: datetime, source: str, documents: pa.Table, normalized, enrichment: dict,
              rejects: list[Reject], fetch_log: list[dict], inputs: int, skipped: dict,
              extra: dict[str, pa.Table] | None = None, sightings: pa.Table | None = None,
              checked_at: int | None = None) -> RunWritten:
    """Under the writer lock, in ONE transaction: re-check what is stored, match against it,
    and write every table and the `loads` row. The run commits whole or not at all.

    `extra`: more batches of other tables for the same transaction (checked against stored keys,
    or upserted for current-state tables), e.g. a poll cycle's item states. `sightings`: every
    input's (document, source, uri), stored ones included (`tasks.ingest.sightings_table`).
    `checked_at`: the snapshot `documents` were checked against (`drop_stored`); while it is
    still the latest, the check is not repeated."""
    with wh.writing() as con:
        checkpoint("locked")
        unchanged = checked_at is not None and checked_at == wh.begin_snapshot
        stored_docs = set() if unchanged else stored_keys(con, "documents", "document_id", documents.column("document_id").to_pylist())
        documents = documents.filter(pc.invert(pc.is_in(documents.column("document_id"), pa.array(list(stored_docs), pa.string()))))
        articles = normalized.articles.filter(pc.is_in(normalized.articles.column("document_id"), documents.column("document_id")))
        articles = _with_fetched_at(articles, documents)
        new_docs = set(documents.column("document_id").to_pylist())
        # another run may have stored some of these documents since we read them: their rejects are its
        rejects = [r for r in rejects if r.document_id is None or r.document_id in new_docs]
        links = normalized.links.filter(pc.is_in(normalized.links.column("article_id"), articles.column("article_id")))
        enrichment = {name: t.filter(pc.is_in(t.column("article_id"), articles.column("article_id"))) for name, t in enrichment.items()}
        fingerprints = normalized.fingerprints.filter(pc.is_in(normalized.fingerprints.column("article_id"), articles.column("article_id")))
        with wh.big_work(con, documents.num_rows):
            context = load_dedup_context(con, fingerprints)
        deduped = dedup_articles(articles, fingerprints, context, started, load_id)
        deduped.members = changed_members(deduped.members, context)
        checkpoint("dedup")
        # Python rows of what dedup touched, made once for events and the two summaries
        story_rows = deduped.stories.to_pylist()
        member_rows = deduped.members.select(["article_id", "story_id", "method"]).to_pylist()
        new_ids = set(articles.column("article_id").to_pylist())
        events, story_vectors = _events(con, story_rows, enrichment, load_id, new_ids)
        names, stored_names = entity_names_batch(con, enrichment["entities"], load_id)
        reject_rows = rejects_table(rejects, load_id)
        batches = {
            "documents": documents,
            "articles": articles,
            "links": links,
            "fingerprints": fingerprints,
            "story_members": deduped.members,
            "stories": deduped.stories,
            "rejects": reject_rows,
            "fetch_log": fetch_log_table(fetch_log, load_id),
            **enrichment,
            "events": events,
            "entity_names": names,
        }
        extra = {name: t for name, t in (extra or {}).items() if t.num_rows}
        seen, seen_again = (merge_sightings(sightings, stored_sightings(con, sightings)) if sightings is not None and sightings.num_rows
                            else (None, None))
        if seen is not None and seen.num_rows:
            batches["sightings"] = seen
        if story_vectors is not None:
            batches["story_vectors"] = story_vectors
        new_rejects = set(reject_rows.column("reject_id").to_pylist())
        if documents.num_rows == 0 and not fetch_log and not extra and "sightings" not in batches and not new_rejects - stored_keys(con, "rejects", "reject_id", list(new_rejects)):
            counts = {"load_id": None, "inputs": inputs, **summarize(documents, story_rows, member_rows, new_ids, set(), rejects, {}),
                      "source": source, "fetches": 0, "skipped": skipped}
            return RunWritten(counts)
        checkpoint("started")
        # documents were checked just above, under the lock; every other row belongs to them,
        # except rejects (the same bad input seen again) and fetches
        stored_members = pc.is_in(deduped.members.column("article_id"), pa.array(list(context.members), pa.string()))
        stored_stories = pc.is_in(deduped.stories.column("story_id"), pa.array(list(context.stories), pa.string()))
        with wh.big_work(con, documents.num_rows):
            written = publish_tables(con, batches, may_be_stored=frozenset({"rejects", "fetch_log"}), stored_keys={
                "story_members": deduped.members.filter(stored_members).select(["article_id"]),
                "stories": deduped.stories.filter(stored_stories).select(["story_id"]),
                # a stored story this run touched may have lost its vector (a new canonical article without one)
                "story_vectors": deduped.stories.filter(stored_stories).select(["story_id"]),
                "entity_names": stored_names,
                **({"sightings": seen_again} if seen_again is not None else {}),
            })
        if extra:
            written.update(publish_tables(con, extra))
        counts = {"inputs": inputs, **summarize(documents, story_rows, member_rows, new_ids, set(context.stories), rejects, written)}
        counts.update(source=source, fetches=len(fetch_log), skipped=skipped)
        publish_tables(con, {"loads": load_row(load_id, flow_run_id(), started, counts, source)}, may_be_stored=frozenset())
        commit_message(con, load_id, f"{source}: {documents.num_rows} documents")
        checkpoint("commit")
    checkpoint("committed")
    return RunWritten(counts, True, story_rows, member_rows, new_ids, set(context.stories))


# no retries: a failed statement rolls the run's transaction back whole
write_run_task = task(name="dedup-and-publish", cache_policy=NO_CACHE)(write_run)


def enrich_articles(wh: Warehouse, articles: pa.Table, load_id: str, batch_rows: int | None = None) -> dict:
    """Enrich each new body once (on the flow's task runner); an exact copy of a stored article reuses its stored rows."""
    copies, rows = stored_enrichment(wh, articles)
    return enrich_batches(articles.select(ENRICH_INPUT), copies, rows, load_id, batch_rows)


ENRICH_INPUT = ["article_id", "body", "language", "body_hash"]


def stored_enrichment(wh: Warehouse, articles: pa.Table) -> tuple[dict[str, str], dict[str, pa.Table]]:
    """(new article_id -> its stored exact copy, the copies' stored enrichment rows per table)."""
    if not (articles.num_rows and wh.exists()):
        return {}, {}
    with wh.reading(for_run=True) as con:
        copies = stored_copies(con, articles)
        return copies, load_enrichment(con, sorted(set(copies.values())), ENRICH_TABLES)


def _events(con, stories: list[dict], enrichment: dict, load_id: str, new_ids: set[str]) -> tuple[pa.Table, pa.Table | None]:
    """Place the touched stories into the events of stored ones of the same days that tell the same
    event: (the `events` rows that change, the touched stories' `story_vectors` rows, None when
    nothing has a vector: a run without enrichment leaves the table as it is)."""
    features = article_features(enrichment["embeddings"], enrichment["entities"])
    # a new article's enrichment is all in `enrichment`; only stored canonical articles are read
    missing = [s["canonical_article_id"] for s in stories if s["canonical_article_id"] not in new_ids]
    if missing:
        vectors = load_enrichment(con, missing, ("embeddings",))["embeddings"]
        if vectors.num_rows:  # entities matter only beside a vector
            entities = load_enrichment(con, vectors.column("article_id").to_pylist(), ("entities",))["entities"]
            features.update(article_features(vectors, entities))
    touched = touched_vectors(stories, features)
    vectors = story_vectors_table(stories, features, load_id) if features else None
    links = event_links(touched, neighbour_story_vectors(con, window_of(touched), {s.story_id for s in touched}))
    stored = stored_events(con, sorted({s for a, b, _ in links for s in (a, b)}))
    groups = link_groups(links, {story: event for story, (event, _) in stored.items()})
    merging = {event for group in groups if len(group.events) > 1 for event in group.events}
    return events_table(place_events(groups, links, stored, event_members(con, merging)), load_id), vectors


def enrich_rejects(articles: pa.Table, failed: dict[str, str]) -> list[Reject]:
    if not failed:
        return []
    meta = {r["article_id"]: r for r in articles.select(["article_id", "uri", "document_id"]).to_pylist()}
    return [Reject(uri=meta[a]["uri"], stage="enrich", reason="enrich-error", detail=d, document_id=meta[a]["document_id"])
            for a, d in sorted(failed.items())]


def summarize(documents: pa.Table, stories: list[dict], members: list[dict], new_ids: set[str], stored_story_ids: set[str],
              rejects: list[Reject], written: dict) -> dict:
    """The run's counts. stories/members: dedup's rows (touched stories); new_ids: this run's article_ids."""
    live = [s for s in stories if s["merged_into"] is None]
    duplicates = sum(1 for m in members if m["article_id"] in new_ids and m["method"] != "canonical")
    return {
        "documents": documents.num_rows,
        "articles": len(new_ids),
        "stories_new": sum(1 for s in live if s["story_id"] not in stored_story_ids),
        "stories_touched": len(live),
        "stories_merged": len(stories) - len(live),
        "duplicates": duplicates,
        "rejects": len(rejects),
        "rejects_by_reason": dict(Counter(f"{r.stage}/{r.reason}" for r in rejects)),
        "rows_written": written,
    }


def drop_stored(wh: Warehouse, documents: pa.Table) -> tuple[pa.Table, int | None]:
    """The documents not stored yet, and the snapshot that was checked against (None: no lake yet).
    `write_run` given that snapshot re-checks only if another run committed since."""
    if not wh.exists() or documents.num_rows == 0:
        return documents, None
    with wh.reading(for_run=True) as con:
        con.execute("BEGIN TRANSACTION")  # the keys and the snapshot id from the same snapshot
        try:
            checked_at = snapshot_id(con)
            stored = stored_keys(con, "documents", "document_id", documents.column("document_id").to_pylist())
        finally:
            con.execute("ROLLBACK")
    return documents.filter(pc.invert(pc.is_in(documents.column("document_id"), pa.array(list(stored), pa.string())))), checked_at


def _with_fetched_at(articles: pa.Table, documents: pa.Table) -> pa.Table:
    """`articles` with their documents' fetch time (stored with them: story look-ups read it there)."""
    by_doc = dict(zip(documents.column("document_id").to_pylist(), documents.column("fetched_at").to_pylist()))
    fetched = pa.array([by_doc.get(d) for d in articles.column("document_id").to_pylist()], documents.schema.field("fetched_at").type)
    if "fetched_at" in articles.column_names:
        return articles.set_column(articles.schema.get_field_index("fetched_at"), "fetched_at", fetched)
    return articles.append_column("fetched_at", fetched)


def flow_run_id() -> str | None:
    run_id = flow_run.id
    return str(run_id) if run_id else None
