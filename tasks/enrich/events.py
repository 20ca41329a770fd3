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
    matrix = np.asarray([np.asarray(s.vector, dtype=np.float32) for s in items])
    matrix /= np.clip(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12, None)
    sims = matrix @ matrix.T  # fine for the thousands of stories of one window; block beyond
    n = len(items)
    parent = list(range(n))
    best = np.full(n, -1.0)
    for i in range(n):
        for j in np.nonzero(sims[i, i + 1 :] >= threshold)[0] + i + 1:
            a, b = items[i], items[j]
            if a.published_at and b.published_at and abs(a.published_at - b.published_at) > window:
                continue
            score = float(sims[i, j])
            if require_shared_entity and score < strong and not (a.entities & b.entities):
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
