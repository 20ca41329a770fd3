"""The story merge: one story per component, with the best of what every copy knows."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.dedup.cluster import Component, new_story_id
from tasks.dedup.match import METHOD_RANK, METHODS, sorted_unique

_EARLIEST_CREDIBLE = datetime(1990, 1, 1, tzinfo=timezone.utc)
TIMESTAMP = pa.timestamp("us", tz="UTC")  # the warehouse's TS
AS_WRITTEN = ("published_local", "published_offset_minutes", "published_raw")  # come with the chosen date


def completeness(meta: dict) -> tuple:
    """Sort key of the survivor: has title, date, canonical URL, longest clean body, then earliest."""
    published = meta.get("published_at") or datetime.max.replace(tzinfo=timezone.utc)
    return (
        meta.get("title") is None,
        meta.get("published_at") is None,
        meta.get("canonical_url") is None,
        -(meta.get("word_count") or 0),
        published,
        meta["article_id"],
    )


def merge_component(
    comp: Component,
    articles: dict[str, dict],
    old_stories: dict[str, dict],
    now: datetime,
    old_members: dict[str, dict] | None = None,
) -> tuple[list[dict], list[dict]]:
    """(story_members rows, stories rows) for one component; absorbed stories get a merged_into row."""
    metas = [articles[a] for a in comp.article_ids]
    canonical = min(metas, key=completeness)
    story_id = _survivor_story_id(comp, old_stories)
    members = _member_rows(comp, canonical["article_id"], story_id, old_members or {})
    first_seen = min(
        [old_stories[s]["first_seen_at"] for s in comp.old_story_ids if old_stories.get(s, {}).get("first_seen_at")]
        + [m["fetched_at"] for m in metas if m.get("fetched_at")]
        or [now]
    )
    dated = [m for m in metas if m.get("published_at") and _credible(m["published_at"], now)]
    # the earliest date; of equal ones the survivor's, else the first member's by article_id
    earliest = min(dated, key=lambda m: (m["published_at"], m is not canonical, m["article_id"])) if dated else {}
    title, title_from = _chosen(canonical, metas, "title")
    url, url_from = _chosen(canonical, metas, "canonical_url")
    story = {
        "story_id": story_id,
        "canonical_article_id": canonical["article_id"],
        "title": title,
        "published_at": earliest.get("published_at"),
        **{name: earliest.get(name) for name in AS_WRITTEN},
        "canonical_url": url,
        "title_from": title_from,
        "date_from": earliest.get("article_id"),
        "url_from": url_from,
        "article_count": len(metas),
        "source_count": len({m.get("source") for m in metas}),
        "first_seen_at": first_seen,
        "updated_at": now,
        "merged_into": None,
    }
    absorbed = [
        {**old_stories[s], "merged_into": story_id, "updated_at": now}
        for s in comp.old_story_ids
        if s != story_id and s in old_stories
    ]
    return members, [story, *absorbed]


def _survivor_story_id(comp: Component, old_stories: dict[str, dict]) -> str:
    """Keep the id of the oldest stored story the component contains; a brand-new one is named by content."""
    if comp.old_story_ids:
        def age(s: str) -> tuple:
            seen = old_stories.get(s, {}).get("first_seen_at") or datetime.max.replace(tzinfo=timezone.utc)
            return (seen, s)
        return min(comp.old_story_ids, key=age)
    return new_story_id(comp.article_ids)


def _member_rows(comp: Component, canonical_id: str, story_id: str, old_members: dict[str, dict]) -> list[dict]:
    """Each member's strongest edge to the rest of the story says how it matched.

    A stored member with no new edge keeps how it matched before; a former survivor that
    lost its place takes the edge that joined its old story to this one.
    """
    best: dict[str, tuple[str, float]] = {}
    for edge in comp.edges:
        for article_id in (edge.a, edge.b):
            current = best.get(article_id)
            if current is None or (METHOD_RANK[edge.method], -edge.score) < (METHOD_RANK[current[0]], -current[1]):
                best[article_id] = (edge.method, edge.score)
    joining = min(((METHOD_RANK[e.method], -e.score, e.method, e.score) for e in comp.edges), default=None)
    rows = []
    for article_id in comp.article_ids:
        old = old_members.get(article_id)
        if article_id == canonical_id:
            method, score = "canonical", 1.0
        elif article_id in best:
            method, score = best[article_id]
        elif old and old["method"] != "canonical":
            method, score = old["method"], old["score"]
        elif joining:
            method, score = joining[2], joining[3]
        else:
            method, score = "near", 0.0
        rows.append({"article_id": article_id, "story_id": story_id, "method": method, "score": score})
    return rows


def _chosen(canonical: dict, metas: list[dict], name: str) -> tuple[str | None, str | None]:
    """The survivor's value of a field, else the most common one among the members; and the
    member it came from (the survivor, else the first member by article_id that has it)."""
    if canonical.get(name):
        return canonical[name], canonical["article_id"]
    value = _most_common(m.get(name) for m in metas)
    return value, min((m["article_id"] for m in metas if value and m.get(name) == value), default=None)


def _credible(value: datetime, now: datetime) -> bool:
    return _EARLIEST_CREDIBLE <= value <= now


def _most_common(values) -> str | None:
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))[0][0]


# ---------------------------------------------------------------- many components at once

_NEVER = np.iinfo(np.int64).max
STORIES_AS_WRITTEN = {"published_local": pa.string(), "published_offset_minutes": pa.int32(), "published_raw": pa.string()}
_MEMBER_METHODS = pa.array([*METHODS, "canonical", "near"], pa.string())  # codes 0-2 edges, 3 canonical, 4 no edge


def merge_new_components(metas: pa.Table, comp: np.ndarray, edges: tuple[np.ndarray, ...], now: datetime) -> tuple[pa.Table, pa.Table]:
    """`merge_component` of many components made only of new articles (no stored story or member), in arrays.

    metas: each member's META_COLUMNS (those present), components one after another, members of one
    component by article_id; comp: the component number of each row (0, 1, ... non-decreasing);
    edges: (row of a, row of b, METHODS code, score) of the components' edges.
    Returns (story_members, stories) columns without load_id, one story per component.
    """
    m = metas.num_rows
    starts = np.flatnonzero(np.r_[True, comp[1:] != comp[:-1]]) if m else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[starts, m])
    ids = metas.column("article_id")
    title, url, source = (_column(metas, c, pa.string()) for c in ("title", "canonical_url", "source"))
    published, fetched = (_micros(_column(metas, c, TIMESTAMP)) for c in ("published_at", "fetched_at"))
    words = np.asarray(pc.fill_null(_column(metas, "word_count", pa.int64()), 0).to_numpy(zero_copy_only=False), np.int64)
    no_title, no_url = _nulls(title), _nulls(url)

    # the survivor: completeness() as sort keys (rows already ascend by article_id within a component)
    order = np.lexsort((np.arange(m), published, -words, no_url, published == _NEVER, no_title, comp))
    canonical = order[starts]

    # each member's strongest edge; a member without one takes the component's strongest (_member_rows)
    a, b, method, score = edges
    method_code = np.full(m, 4, np.int8)
    member_score = np.zeros(m)
    if len(a):
        ends, codes, scores = np.r_[a, b], np.r_[method, method], np.r_[score, score]
        best = np.lexsort((-scores, codes, ends))
        best = best[np.r_[True, ends[best][1:] != ends[best][:-1]]]
        has_edge = np.zeros(m, bool)
        has_edge[ends[best]] = True
        joining = np.lexsort((-score, method, comp[a]))
        joining = joining[np.r_[True, comp[a][joining][1:] != comp[a][joining][:-1]]]
        comp_code, comp_score = np.full(len(starts), 4, np.int8), np.zeros(len(starts))
        comp_code[comp[a][joining]], comp_score[comp[a][joining]] = method[joining], score[joining]
        method_code, member_score = comp_code[comp], comp_score[comp]
        method_code[ends[best]], member_score[ends[best]] = codes[best], scores[best]
    method_code[canonical], member_score[canonical] = 3, 1.0
    story_ids = pa.concat_arrays([  # named by their smallest member, a slice at a time (no 700k str list)
        pa.array([new_story_id([a]) for a in ids.take(starts[lo : lo + 65_536]).to_pylist()], pa.string())
        for lo in range(0, len(starts), 65_536)
    ] or [pa.array([], pa.string())])
    members = pa.table({
        "article_id": ids, "story_id": story_ids.take(comp),
        "method": _MEMBER_METHODS.take(pa.array(method_code)), "score": pa.array(member_score, pa.float64()),
    })

    now_us, earliest_us = _micro(now), _micro(_EARLIEST_CREDIBLE)
    credible = np.where((published != _NEVER) & (published >= earliest_us) & (published <= now_us), published, _NEVER)
    not_canonical = np.ones(m, bool)
    not_canonical[canonical] = False
    earliest = np.lexsort((np.arange(m), not_canonical, credible, comp))[starts]  # as in merge_component
    dates = credible[earliest]
    undated = pa.array(dates == _NEVER)
    title_chosen, title_from = _or_most_common(title, no_title, canonical, starts, sizes, ids)
    url_chosen, url_from = _or_most_common(url, no_url, canonical, starts, sizes, ids)
    first_seen = np.minimum.reduceat(fetched, starts) if m else np.zeros(0, np.int64)
    source_codes = np.asarray(source.dictionary_encode().indices.fill_null(-1).to_numpy(zero_copy_only=False), np.int64)
    distinct = sorted_unique(comp * (int(source_codes.max(initial=0)) + 2) + source_codes + 1)
    stories = pa.table({
        "story_id": story_ids,
        "canonical_article_id": ids.take(canonical),
        "title": title_chosen,
        "published_at": _timestamps(dates),
        **{name: pc.if_else(undated, None, _column(metas, name, STORIES_AS_WRITTEN[name]).take(earliest)) for name in AS_WRITTEN},
        "canonical_url": url_chosen,
        "title_from": title_from,
        "date_from": pc.if_else(undated, None, ids.take(earliest).cast(pa.string())),
        "url_from": url_from,
        "article_count": pa.array(sizes, pa.int32()),
        "source_count": pa.array(np.bincount(distinct // (int(source_codes.max(initial=0)) + 2), minlength=len(starts)), pa.int32()),
        "first_seen_at": _timestamps(np.where(first_seen == _NEVER, now_us, first_seen)),
        "updated_at": pa.array(np.full(len(starts), now_us), pa.int64()).cast(TIMESTAMP),
        "merged_into": pa.nulls(len(starts), pa.string()),
    })
    return members, stories



def vectorizable(metas: pa.Table, now: datetime) -> bool:
    """Whether merge_new_components computes exactly what merge_component would for these columns."""
    if now.tzinfo is None or now.utcoffset() is None:
        return False
    types = metas.schema
    for name in ("published_at", "fetched_at"):
        if name in types.names:
            t = types.field(name).type
            if not (pa.types.is_timestamp(t) and t.tz is not None and t.unit != "ns"):
                return False
    for name in ("title", "canonical_url", "source"):
        if name in types.names and not pa.types.is_string(types.field(name).type) and not pa.types.is_large_string(types.field(name).type):
            return False
    return "word_count" not in types.names or pa.types.is_integer(types.field("word_count").type)


def _column(table: pa.Table, name: str, type_: pa.DataType) -> pa.Array:
    if name not in table.column_names:
        return pa.nulls(table.num_rows, type_)
    return table.column(name).combine_chunks().cast(type_)


def _nulls(values: pa.Array) -> np.ndarray:
    return np.asarray(values.is_null().to_numpy(zero_copy_only=False), bool)


def _micros(values: pa.Array) -> np.ndarray:
    """Microseconds since the epoch (UTC instants); null -> _NEVER."""
    return np.asarray(pc.fill_null(values.cast(pa.int64()), _NEVER).to_numpy(zero_copy_only=False), np.int64)


def _micro(value: datetime) -> int:
    return pa.scalar(value, TIMESTAMP).cast(pa.int64()).as_py()


def _timestamps(micros: np.ndarray) -> pa.Array:
    return pa.array(micros, pa.int64(), mask=micros == _NEVER).cast(TIMESTAMP)


def _or_most_common(values: pa.Array, null: np.ndarray, canonical: np.ndarray, starts: np.ndarray, sizes: np.ndarray,
                    ids: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The survivor's value, or (null or empty) the most common one of its component; and the
    member it came from (`_chosen`)."""
    chosen, origin = values.take(canonical), ids.take(canonical).cast(pa.string())
    empty = np.flatnonzero(null[canonical] | np.asarray(pc.fill_null(pc.equal(chosen, ""), False).to_numpy(zero_copy_only=False), bool))
    if not len(empty):
        return chosen, origin
    out, out_from = chosen.to_pylist(), origin.to_pylist()
    for c in empty.tolist():
        members = values.slice(int(starts[c]), int(sizes[c])).to_pylist()
        out[c] = _most_common(members)
        out_from[c] = ids[int(starts[c]) + members.index(out[c])].as_py() if out[c] else None
    return pa.array(out, pa.string()), pa.array(out_from, pa.string())
