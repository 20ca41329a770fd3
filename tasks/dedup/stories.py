"""The story merge: one story per component, with the best of what every copy knows."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from tasks.dedup.cluster import Component, new_story_id
from tasks.dedup.match import METHOD_RANK

_EARLIEST_CREDIBLE = datetime(1990, 1, 1, tzinfo=timezone.utc)


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
    dates = [m["published_at"] for m in metas if m.get("published_at") and _credible(m["published_at"], now)]
    story = {
        "story_id": story_id,
        "canonical_article_id": canonical["article_id"],
        "title": canonical.get("title") or _most_common(m.get("title") for m in metas),
        "published_at": min(dates) if dates else None,
        "canonical_url": canonical.get("canonical_url") or _most_common(m.get("canonical_url") for m in metas),
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


def _credible(value: datetime, now: datetime) -> bool:
    return _EARLIEST_CREDIBLE <= value <= now


def _most_common(values) -> str | None:
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))[0][0]
