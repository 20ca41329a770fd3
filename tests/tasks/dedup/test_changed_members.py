"""Which of dedup's member rows a run writes: stored ones left as they were are dropped."""

from __future__ import annotations

import pyarrow as pa

from tasks.dedup.batch import StoredContext, changed_members
from warehouse.schemas import FINGERPRINTS, STORY_MEMBERS


def _members(rows: list[tuple]) -> pa.Table:
    return pa.Table.from_pylist([dict(zip(("article_id", "story_id", "method", "score", "load_id"), r)) for r in rows],
                                schema=STORY_MEMBERS.schema)


def test_stored_members_left_as_they_were_are_not_rewritten() -> None:
    context = StoredContext(candidates=FINGERPRINTS.schema.empty_table())
    for article, story, method, score in [("a1", "s1", "canonical", 1.0), ("a2", "s1", "near", 0.8), ("a3", "s1", "exact", 1.0)]:
        context.members[article] = story
        context.member_rows[article] = {"method": method, "score": score}
    deduped = _members([
        ("a1", "s1", "canonical", 1.0, "run2"),  # as stored: dropped
        ("a2", "s1", "near", 0.8, "run2"),  # as stored: dropped
        ("a3", "s1", "near", 0.9, "run2"),  # matched another way now: rewritten
        ("a4", "s1", "near", 0.85, "run2"),  # new: written
    ])
    assert changed_members(deduped, context).column("article_id").to_pylist() == ["a3", "a4"]


def test_a_member_moved_to_another_story_is_rewritten() -> None:
    context = StoredContext(candidates=FINGERPRINTS.schema.empty_table())
    context.members["a1"] = "s1"
    context.member_rows["a1"] = {"method": "canonical", "score": 1.0}
    deduped = _members([("a1", "s0", "canonical", 1.0, "run2")])
    assert changed_members(deduped, context).num_rows == 1
