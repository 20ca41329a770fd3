"""The dedup stage: new articles + what the warehouse knows → story_members and stories rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.dedup.cluster import build_components
from tasks.dedup.fingerprint import fingerprint_bodies
from tasks.dedup.match import Edge, find_edges
from tasks.dedup.stories import merge_component
from tasks.normalize.urls import normalize_url
from warehouse.schemas import FINGERPRINTS, STORIES, STORY_MEMBERS

META_COLUMNS = ["article_id", "title", "published_at", "canonical_url", "word_count", "source", "fetched_at"]


@dataclass
class StoredContext:
    """What dedup needs from the warehouse about stored articles near the new ones."""

    candidates: pa.Table  # fingerprints of stored articles sharing a hash, URL or band with a new one
    members: dict[str, str] = field(default_factory=dict)  # stored article_id -> story_id
    member_rows: dict[str, dict] = field(default_factory=dict)  # stored article_id -> its story_members row
    story_articles: dict[str, list[str]] = field(default_factory=dict)  # story_id -> stored members
    stories: dict[str, dict] = field(default_factory=dict)  # story_id -> stored stories row
    articles: dict[str, dict] = field(default_factory=dict)  # article_id -> META_COLUMNS


@dataclass
class DedupResult:
    members: pa.Table
    stories: pa.Table
    edges: list[Edge]


def fingerprint_articles(articles: pa.Table, load_id: str, workers: int | None = None) -> pa.Table:
    """Fingerprints of each article body and canonical URL (the body only: no titles or footers).

    workers: processes for large batches (see `fingerprint_bodies`)."""
    hashes, counts, signatures, bands = fingerprint_bodies(articles.column("body").to_pylist(), workers)
    return fingerprints_table(articles, hashes, counts, signatures, bands, load_id)


def fingerprints_table(
    articles: pa.Table, hashes: list[str], counts: np.ndarray, signatures: np.ndarray, bands: np.ndarray, load_id: str
) -> pa.Table:
    """The FINGERPRINTS rows of `articles` (article_id, canonical_url) from computed fingerprints."""
    n = articles.num_rows
    return pa.table(
        {
            "article_id": articles.column("article_id"),
            "body_hash": pa.array(hashes, pa.string()),
            "url_key": pa.array([url_key(u) for u in articles.column("canonical_url").to_pylist()], pa.string()),
            "shingle_count": pa.array(counts, pa.int32()),
            "minhash": _list_array(signatures.astype(np.int64), n),
            "bands": _list_array(bands.view(np.int64), n),
            "load_id": pa.array([load_id] * n, pa.string()),
        },
        schema=FINGERPRINTS.schema,
    )


def url_key(url: str | None) -> str | None:
    """Scheme-less normalized URL; None for a site root, which many pages claim as canonical."""
    normalized = normalize_url(url)
    if not normalized:
        return None
    key = normalized.split("://", 1)[1]
    return key if "/" in key.strip("/") else None


def _list_array(matrix: np.ndarray, n: int) -> pa.Array:
    width = matrix.shape[1] if matrix.ndim == 2 and n else 0
    offsets = pa.array(np.arange(n + 1, dtype=np.int32) * width)
    return pa.ListArray.from_arrays(offsets, pa.array(matrix.reshape(-1), pa.int64()))


def dedup_articles(new_articles: pa.Table, new_fps: pa.Table, stored: StoredContext, now: datetime, load_id: str) -> DedupResult:
    """Match new articles against each other and the stored candidates; merge the touched stories."""
    new_ids = new_articles.column("article_id").to_pylist()
    fps = pa.concat_tables([new_fps.select(stored.candidates.column_names), stored.candidates]) if stored.candidates.num_rows else new_fps
    edges = find_edges(fps, set(new_ids))
    edge_stories = {stored.members[a] for e in edges for a in (e.a, e.b) if a in stored.members}
    story_articles = {s: stored.story_articles.get(s, []) for s in edge_stories}
    metas = {**stored.articles, **{row["article_id"]: row for row in new_articles.select(
        [c for c in META_COLUMNS if c in new_articles.column_names]).to_pylist()}}
    member_rows: list[dict] = []
    story_rows: list[dict] = []
    for comp in build_components(new_ids, edges, stored.members, story_articles):
        members, stories = merge_component(comp, metas, stored.stories, now, stored.member_rows)
        member_rows.extend(members)
        story_rows.extend(stories)
    for row in member_rows:
        row["load_id"] = load_id
    for row in story_rows:
        row["load_id"] = load_id
    return DedupResult(
        members=pa.Table.from_pylist(member_rows, schema=STORY_MEMBERS.schema),
        stories=pa.Table.from_pylist(story_rows, schema=STORIES.schema),
        edges=edges,
    )


fingerprint_task = task(name="fingerprint", cache_policy=NO_CACHE)(fingerprint_articles)
dedup_task = task(name="dedup", cache_policy=NO_CACHE)(dedup_articles)
