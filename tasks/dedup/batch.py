"""The dedup stage: new articles + what the warehouse knows → story_members and stories rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.dedup.cluster import Component, component_roots
from tasks.dedup.fingerprint import with_bands
from tasks.dedup.match import METHODS, Edge, Matches, match_rows, sorted_unique
from tasks.dedup.stories import merge_component, merge_new_components, vectorizable
from warehouse.schemas import DEDUP_STORIES, STORY_MEMBERS

META_COLUMNS = ["article_id", "title", "published_at", "published_local", "published_offset_minutes", "published_raw",
                "canonical_url", "word_count", "source", "fetched_at"]


@dataclass
class StoredContext:
    """What dedup needs from the warehouse about stored articles near the new ones."""

    candidates: pa.Table  # fingerprints of stored articles sharing a hash, URL or band with a new one (bands optional)
    members: dict[str, str] = field(default_factory=dict)  # stored article_id -> story_id
    member_rows: dict[str, dict] = field(default_factory=dict)  # stored article_id -> its story_members row
    story_articles: dict[str, list[str]] = field(default_factory=dict)  # story_id -> stored members
    stories: dict[str, dict] = field(default_factory=dict)  # story_id -> stored stories row
    articles: dict[str, dict] = field(default_factory=dict)  # article_id -> META_COLUMNS


@dataclass
class DedupResult:
    members: pa.Table
    stories: pa.Table
    edges: Sequence[Edge]  # an EdgeList: Edge objects only when read


def dedup_articles(new_articles: pa.Table, new_fps: pa.Table, stored: StoredContext, now: datetime, load_id: str) -> DedupResult:
    """Match new articles against each other and the stored candidates; merge the touched stories.

    In arrays throughout: nodes are article ids (dictionary-encoded), components come from an array
    union-find, and components made only of new articles are merged by `merge_new_components`
    (the same rows `merge_component` gives, without a Python object per article). Components that
    touch stored stories or stored articles go through `merge_component`.
    """
    candidates = with_bands(stored.candidates)
    fps = pa.concat_tables([new_fps.select(candidates.column_names), candidates]) if candidates.num_rows else new_fps
    ids = fps.column("article_id")
    new_ids = new_articles.column("article_id")
    is_new = np.asarray(pc.is_in(ids, value_set=pc.unique(new_ids).cast(ids.type)).to_numpy(zero_copy_only=False), dtype=bool)
    matches = match_rows(fps, is_new)
    edges = EdgeList(matches, ids)

    # nodes: the new articles, both ends of every edge, every stored member of a story an edge touches
    ends = sorted_unique(np.concatenate([matches.a, matches.b]))
    end_ids = ids.take(ends)
    story_articles: dict[str, list[str]] = {}
    if stored.members:
        touched = {stored.members[a] for a in end_ids.to_pylist() if a in stored.members}
        story_articles = {s: stored.story_articles.get(s, []) for s in touched}
    linked = [a for members in story_articles.values() for a in members]
    firsts = [members[0] for members in story_articles.values() for _ in members]
    strings = pa.chunked_array(
        [c.cast(pa.string()) for c in (*new_ids.chunks, *end_ids.chunks)] + [pa.array(linked + firsts, pa.string())], pa.string()
    ).combine_chunks().dictionary_encode()
    node = np.asarray(strings.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    names = strings.dictionary
    k_new, k_ends, k_linked = len(new_ids), len(new_ids) + len(ends), len(new_ids) + len(ends) + len(linked)
    row_node = np.full(fps.num_rows, -1, np.int64)
    row_node[ends] = node[k_new:k_ends]
    edge_a, edge_b = row_node[matches.a], row_node[matches.b]
    root = component_roots(len(names), np.r_[edge_a, node[k_linked:]], np.r_[edge_b, node[k_ends:k_linked]])

    # output order: components by their smallest article id, members by article id
    rank = np.empty(len(names), np.int64)
    rank[np.asarray(pc.sort_indices(names).to_numpy(zero_copy_only=False), dtype=np.int64)] = np.arange(len(names))
    key = np.full(len(names), len(names), np.int64)
    np.minimum.at(key, root, rank)
    key = key[root]
    order = np.lexsort((rank, key))

    last_row = np.full(len(names), -1, np.int64)  # a repeated new id keeps its last row, as a dict would
    np.maximum.at(last_row, node[:k_new], np.arange(k_new))
    meta_columns = [c for c in META_COLUMNS if c in new_articles.column_names]
    metas = new_articles.select(meta_columns)
    plain = last_row >= 0  # a component of new articles only, none of them stored, takes the array path
    if stored.members:
        plain &= ~np.asarray(pc.is_in(names, value_set=pa.array(list(stored.members), pa.string())).to_numpy(zero_copy_only=False), bool)
    if not vectorizable(metas, now):
        plain[:] = False
    simple = ~np.isin(root, root[~plain])

    fast = order[simple[order]]
    comp = np.r_[0, np.cumsum(key[fast][1:] != key[fast][:-1])] if len(fast) else np.zeros(0, np.int64)
    position = np.full(len(names), -1, np.int64)
    position[fast] = np.arange(len(fast))
    on_fast = simple[edge_a] if len(edge_a) else np.zeros(0, bool)
    members, stories = merge_new_components(
        metas.take(last_row[fast]), comp,
        (position[edge_a[on_fast]], position[edge_b[on_fast]], matches.method[on_fast], matches.score[on_fast]), now,
    )
    member_keys, story_keys = [(key[fast], rank[fast])], [(key[fast][np.r_[True, comp[1:] != comp[:-1]]] if len(fast) else key[fast], None)]

    slow = order[~simple[order]]
    if len(slow):
        slow_ids = names.take(slow).to_pylist()
        comps: dict[int, Component] = {}
        for k, article_id in zip(key[slow].tolist(), slow_ids):
            comps.setdefault(k, Component(article_ids=[])).article_ids.append(article_id)
        for i in np.flatnonzero(~on_fast).tolist():
            comps[int(key[edge_a[i]])].edges.append(edges[i])
        for c in comps.values():
            c.old_story_ids = sorted({stored.members[a] for a in c.article_ids if a in stored.members})
        rows = last_row[slow]
        new_metas = metas.take(rows[rows >= 0]).to_pylist()
        articles = {**stored.articles, **{row["article_id"]: row for row in new_metas}}
        member_rows: list[dict] = []
        story_rows: list[dict] = []
        m_keys: list[int] = []
        s_keys: list[int] = []
        for k, c in comps.items():
            m, s = merge_component(c, articles, stored.stories, now, stored.member_rows)
            member_rows += m
            story_rows += s
            m_keys += [k] * len(m)
            s_keys += [k] * len(s)
        members = pa.concat_tables([members, pa.Table.from_pylist(member_rows, schema=members.schema)])
        stories = pa.concat_tables([stories, pa.Table.from_pylist(story_rows, schema=stories.schema)])
        member_keys.append((np.array(m_keys, np.int64), rank[slow]))
        story_keys.append((np.array(s_keys, np.int64), None))
    return DedupResult(
        members=_ordered(members, member_keys, load_id, STORY_MEMBERS.schema),
        stories=_ordered(stories, story_keys, load_id, DEDUP_STORIES),
        edges=edges,
    )


def changed_members(members: pa.Table, stored: StoredContext) -> pa.Table:
    """dedup's member rows without the stored ones it left as they were (same story, method and
    score): a run writes neither a DELETE nor a new row for those, and they keep the load that
    set them. dedup emits every member of a story it touched, so without this a copy joining a
    large story rewrote all its members."""
    if not stored.members or members.num_rows == 0:
        return members
    keep = [
        stored.members.get(a) != story
        or (stored.member_rows[a]["method"], stored.member_rows[a]["score"]) != (method, score)
        for a, story, method, score in zip(*(members.column(c).to_pylist() for c in ("article_id", "story_id", "method", "score")))
    ]
    return members if all(keep) else members.filter(pa.array(keep))


def _ordered(table: pa.Table, keys: list[tuple[np.ndarray, np.ndarray | None]], load_id: str, schema: pa.Schema) -> pa.Table:
    """Rows sorted by component (then by the second key, else kept in order), with load_id, as `schema`."""
    primary = np.concatenate([k for k, _ in keys])
    secondary = np.concatenate([s if s is not None else np.zeros(len(k), np.int64) for k, s in keys])
    order = np.lexsort((np.arange(len(primary)), secondary, primary))
    if np.any(order[1:] < order[:-1]):  # rows of new-only components come in order already: no copy then
        table = table.take(order)
    table = table.append_column("load_id", pa.repeat(pa.scalar(load_id, pa.string()), table.num_rows))
    return table.select(schema.names).cast(schema).combine_chunks()


class EdgeList(Sequence):
    """The batch's edges, in `find_edges` order; Edge objects are made only when read."""

    def __init__(self, matches: Matches, ids: pa.ChunkedArray) -> None:
        self.matches = matches
        self.a_ids, self.b_ids = ids.take(matches.a), ids.take(matches.b)

    def __len__(self) -> int:
        return len(self.matches)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        return Edge(self.a_ids[k].as_py(), self.b_ids[k].as_py(), METHODS[self.matches.method[k]], float(self.matches.score[k]))

    def __iter__(self):
        for lo in range(0, len(self), 65_536):
            hi = lo + 65_536
            yield from (
                Edge(a, b, METHODS[m], s)
                for a, b, m, s in zip(self.a_ids[lo:hi].to_pylist(), self.b_ids[lo:hi].to_pylist(),
                                      self.matches.method[lo:hi].tolist(), self.matches.score[lo:hi].tolist())
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(x == y for x, y in zip(self, other))


dedup_task = task(name="dedup", cache_policy=NO_CACHE)(dedup_articles)
