"""Group stories that tell the same event in different words.

Two stories are linked when their body embeddings are close (cosine >= `threshold`), they
were published within `window` of each other, and — unless the embeddings are very close
(cosine >= `strong`) — they name at least one common entity. Groups are the connected
components of those links (union-find), so A~B and B~C put A, B, C in one event.

Thresholds, measured on the hand-written samples in tests/tasks/enrich/event_samples.py
(all-MiniLM-L6-v2 body vectors): paraphrases of one event scored 0.54–0.73; different events
of the same kind (two earthquakes, two matches, two rate decisions, two phone launches)
0.27–0.47; unrelated stories lower. 0.5 sits in the gap; the shared-entity gate adds a second,
independent condition below 0.75 (no different-event pair came near that).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Sequence

import numpy as np

THRESHOLD = 0.5
STRONG = 0.75
WINDOW = timedelta(days=3)


@dataclass(frozen=True)
class StoryVector:
    story_id: str
    published_at: datetime | None  # None: compared with every story, no time gate
    vector: Sequence[float]
    entities: frozenset[str] = frozenset()  # normalized PERSON/ORG/LOC names


@dataclass(frozen=True)
class EventRow:
    event_id: str
    story_id: str
    score: float  # the member's best cosine to another member of its event


def event_id_for(story_ids: Iterable[str]) -> str:
    """Deterministic id of an event: a hash of its smallest story_id (stable as it grows)."""
    return "ev_" + hashlib.sha256(min(story_ids).encode()).hexdigest()[:16]


def _unit_rows(items: Sequence[StoryVector]) -> np.ndarray:
    matrix = np.asarray([np.asarray(s.vector, dtype=np.float32) for s in items])
    matrix /= np.clip(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12, None)
    return matrix


def _linked(a: StoryVector, b: StoryVector, score: float, strong: float, window: timedelta, require_shared_entity: bool) -> bool:
    """Whether two stories as similar as `score` (already >= the threshold) are linked."""
    if a.published_at and b.published_at and abs(a.published_at - b.published_at) > window:
        return False
    return not (require_shared_entity and score < strong and not (a.entities & b.entities))


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def group_events(
    stories: Sequence[StoryVector | tuple],
    threshold: float = THRESHOLD,
    strong: float = STRONG,
    window: timedelta = WINDOW,
    require_shared_entity: bool = True,
    include_singletons: bool = False,
) -> list[EventRow]:
    """Rows (event_id, story_id, score) for every story in an event of two or more stories.

    `stories` are StoryVector or plain (story_id, published_at, vector, entities) tuples.
    With `include_singletons` every other story gets its own event with score 1.0.
    """
    items = [s if isinstance(s, StoryVector) else StoryVector(s[0], s[1], s[2], frozenset(s[3] or ())) for s in stories]
    if not items:
        return []
    matrix = _unit_rows(items)
    sims = matrix @ matrix.T  # fine for the thousands of stories of one window; block beyond
    n = len(items)
    parent = list(range(n))
    best = np.full(n, -1.0)
    for i in range(n):
        for j in np.nonzero(sims[i, i + 1 :] >= threshold)[0] + i + 1:
            score = float(sims[i, j])
            if not _linked(items[i], items[j], score, strong, window, require_shared_entity):
                continue
            parent[_find(parent, i)] = _find(parent, int(j))
            best[i], best[j] = max(best[i], score), max(best[j], score)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(_find(parent, i), []).append(i)
    rows = []
    for members in groups.values():
        if len(members) < 2 and not include_singletons:
            continue
        eid = event_id_for(items[m].story_id for m in members)
        for m in members:
            rows.append(EventRow(eid, items[m].story_id, float(best[m]) if len(members) > 1 else 1.0))
    return sorted(rows, key=lambda r: (r.event_id, r.story_id))


# A scheduled run places its touched stories into the stored events instead of grouping the
# whole window again: `event_links` compares the touched stories with the window's (one
# similarity row each), `link_groups` joins the links with the stored events of their ends,
# `place_events` gives the rows that change. Events grow and merge, never split: a story once
# placed stays in its event (the union of the links every run has seen). Grouping the window
# from scratch each run cost a similarity matrix of the window squared, and rewrote every member
# of an event however few stories the run touched: ~1-5 s a run once chains of links had made
# events of 2,000 stories (bench_steady --enrich, run 2,000).


@dataclass(frozen=True)
class LinkGroup:
    stories: frozenset[str]  # the stories this run's links join
    events: frozenset[str]  # the stored events of those stories (two or more merge)


def event_links(touched: Sequence[StoryVector], others: Sequence[StoryVector], threshold: float = THRESHOLD,
                strong: float = STRONG, window: timedelta = WINDOW,
                require_shared_entity: bool = True) -> list[tuple[str, str, float]]:
    """(story, story, score) of every link with a touched story at one end (a pair of touched
    stories once), as `group_events` links them; `others`: the window's stored stories."""
    if not touched:
        return []
    touched_ids = {t.story_id for t in touched}
    everyone = list(touched) + [o for o in others if o.story_id not in touched_ids]
    matrix = _unit_rows(everyone)
    sims = matrix[: len(touched)] @ matrix.T
    links = []
    for i, a in enumerate(touched):
        for j in np.nonzero(sims[i] >= threshold)[0]:
            j = int(j)
            if j < len(touched) and j <= i:  # itself, or a touched pair already seen from its first story
                continue
            score = float(sims[i, j])
            if _linked(a, everyone[j], score, strong, window, require_shared_entity):
                links.append((a.story_id, everyone[j].story_id, score))
    return links


def link_groups(links: Iterable[tuple[str, str, float]], stored_event: dict[str, str]) -> list[LinkGroup]:
    """The connected groups of the links' stories, each with the stored events its stories are in
    (`stored_event`: story_id -> event_id, for the stories that have one)."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    stories: set[str] = set()
    for a, b, _ in links:
        stories.update((a, b))
        parent[find("s:" + a)] = find("s:" + b)
    for story in stories:
        if story in stored_event:
            parent[find("s:" + story)] = find("e:" + stored_event[story])
    groups: dict[str, tuple[set[str], set[str]]] = {}
    for story in stories:
        members, events = groups.setdefault(find("s:" + story), (set(), set()))
        members.add(story)
        if story in stored_event:
            events.add(stored_event[story])
    return sorted((LinkGroup(frozenset(m), frozenset(e)) for m, e in groups.values()), key=lambda g: min(g.stories))


def place_events(groups: Sequence[LinkGroup], links: Iterable[tuple[str, str, float]], stored: dict[str, tuple[str, float | None]],
                 members_of: dict[str, list[tuple[str, float | None]]]) -> list[EventRow]:
    """The `events` rows that change. `stored`: story_id -> (event_id, score) of the links'
    stories that have one; `members_of`: every stored member (story_id, score) of the events
    that merge (groups with two or more). A group keeps the id of its largest stored event (the
    fewest rows rewritten; a tie, the smaller id), or a new group takes `event_id_for` its stories.
    A story's score is its best link, stored or new."""
    best: dict[str, float] = {}
    for a, b, score in links:
        best[a], best[b] = max(best.get(a, -1.0), score), max(best.get(b, -1.0), score)
    rows = []
    for group in groups:
        if group.events:
            kept = min(group.events, key=lambda e: (-len(members_of.get(e, ())), e))
        else:
            kept = event_id_for(group.stories)
        for story in sorted(group.stories):
            event, score = stored.get(story, (None, None))
            new_score = max(best.get(story, -1.0), score if score is not None else -1.0)
            if event != kept or score is None or new_score > score:
                rows.append(EventRow(kept, story, new_score))
        for event in sorted(group.events - {kept}):
            rows.extend(EventRow(kept, story, score) for story, score in members_of[event] if story not in group.stories)
    return sorted(rows, key=lambda r: (r.event_id, r.story_id))
