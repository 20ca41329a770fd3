"""Events for the stories a run touched: their canonical article's vector and entities,
placed among the stored stories published within the event window (`tasks.enrich.events`)."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from tasks.enrich.events import WINDOW, EventRow, StoryVector
from warehouse.schemas import EVENTS, STORY_VECTORS

EVENT_LABELS = ("PERSON", "ORG", "LOC")


def article_features(embeddings: pa.Table, entities: pa.Table) -> dict[str, tuple[list[float], frozenset[str]]]:
    """article_id -> (embedding, normalized PERSON/ORG/LOC names) from enrichment tables."""
    names: dict[str, set[str]] = {}
    for row in entities.select(["article_id", "label", "normalized"]).to_pylist():
        if row["label"] in EVENT_LABELS and row["normalized"]:
            names.setdefault(row["article_id"], set()).add(row["normalized"])
    return {
        row["article_id"]: (row["vector"], frozenset(names.get(row["article_id"], ())))
        for row in embeddings.select(["article_id", "vector"]).to_pylist()
        if row["vector"] is not None
    }


def touched_vectors(stories: list[dict], features: dict[str, tuple[list[float], frozenset[str]]]) -> list[StoryVector]:
    """StoryVector of each live story whose canonical article has an embedding."""
    out = []
    for story in stories:
        if story.get("merged_into"):
            continue
        feature = features.get(story["canonical_article_id"])
        if feature:
            out.append(StoryVector(story["story_id"], story.get("published_at") or story.get("first_seen_at"), feature[0], feature[1]))
    return out


def story_vectors_table(stories: list[dict], features: dict[str, tuple[list[float], frozenset[str]]], load_id: str) -> pa.Table:
    """`story_vectors` rows of the live stories among `stories` whose canonical article has an embedding
    (its vector and names from `features`, as `article_features` makes them)."""
    rows = []
    for story in stories:
        feature = None if story.get("merged_into") else features.get(story["canonical_article_id"])
        if feature:
            rows.append({"story_id": story["story_id"], "dated_at": story.get("published_at") or story.get("first_seen_at"),
                         "canonical_article_id": story["canonical_article_id"], "vector": list(feature[0]),
                         "names": sorted(feature[1]), "load_id": load_id})
    return pa.Table.from_pylist(rows, schema=STORY_VECTORS.schema)


def window_of(stories: list[StoryVector]) -> list[tuple[datetime, datetime]]:
    """The date ranges a stored story must fall in to be linked with one of `stories`: each
    story's date ± WINDOW, overlapping ranges joined (a run of stories months apart reads the
    days around each, not the months between)."""
    ranges: list[tuple[datetime, datetime]] = []
    for day in sorted(s.published_at for s in stories if s.published_at):
        if ranges and day - WINDOW <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], day + WINDOW)
        else:
            ranges.append((day - WINDOW, day + WINDOW))
    return ranges


def events_table(rows: list[EventRow], load_id: str) -> pa.Table:
    """`events` rows of this run (`tasks.enrich.events.place_events`)."""
    return pa.Table.from_pylist(
        [{"event_id": r.event_id, "story_id": r.story_id, "score": r.score, "load_id": load_id} for r in rows],
        schema=EVENTS.schema,
    )
