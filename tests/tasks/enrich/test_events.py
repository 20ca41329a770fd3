from datetime import datetime, timedelta, timezone

from .event_samples import OTHER_EVENT, SAME_EVENT, UNRELATED
from tasks.enrich.embeddings import embed_texts
from tasks.enrich.events import StoryVector, event_id_for, group_events

T0 = datetime(2023, 2, 6, 8, tzinfo=timezone.utc)
SYRIA_A = (
    "Vladimir Putin told Russian forces to start leaving Syria on Monday, announcing the pullback "
    "during an unannounced stop at the Khmeimim air base, where Bashar Assad met him."
)
SYRIA_B = (
    "Russia will bring most of its troops home from Syria, President Putin declared while visiting "
    "the Khmeimim airfield, saying the war against Islamic State had been won. Assad thanked him."
)


def _stories(items):
    vectors = embed_texts([text for _, _, text, _ in items])
    return [
        StoryVector(sid, T0 + timedelta(days=day), vec, frozenset(ents))
        for (sid, day, _, ents), vec in zip(items, vectors)
    ]


def _events(rows):
    groups = {}
    for row in rows:
        groups.setdefault(row.event_id, set()).add(row.story_id)
    return sorted(map(sorted, groups.values()))


def test_two_wordings_share_an_event_unrelated_does_not():
    items = [
        ("s2", 0, SYRIA_A, {"Vladimir Putin", "Syria", "Khmeimim air base", "Bashar Assad"}),
        ("s1", 0, SYRIA_B, {"Vladimir Putin", "Syria", "Khmeimim air base", "Bashar Assad"}),
        UNRELATED,
    ]
    rows = group_events(_stories(items))
    assert _events(rows) == [["s1", "s2"]]
    assert {r.event_id for r in rows} == {event_id_for(["s1", "s2"])}
    assert all(0.5 <= r.score <= 1.0 for r in rows)


def test_calibration_set_same_events_group_hard_negatives_stay_apart():
    items = [x for pair in SAME_EVENT.values() for x in pair] + OTHER_EVENT + [UNRELATED]
    got = _events(group_events(_stories(items)))
    assert got == sorted(sorted(x[0] for x in pair) for pair in SAME_EVENT.values())


def test_time_window_and_tuple_input():
    vec = [1.0] + [0.0] * 383
    far = group_events([("a", T0, vec, {"X"}), ("b", T0 + timedelta(days=10), vec, {"X"})])
    assert far == []
    near = group_events([("a", T0, vec, {"X"}), ("b", None, vec, set())])
    assert _events(near) == [["a", "b"]]


def test_singletons_and_determinism():
    vec_a, vec_b = [1.0] + [0.0] * 383, [0.0, 1.0] + [0.0] * 382
    rows = group_events([("b", T0, vec_a, set()), ("a", T0, vec_b, set())], include_singletons=True)
    assert [(r.story_id, r.score) for r in rows] == sorted([("a", 1.0), ("b", 1.0)], key=lambda x: event_id_for([x[0]]))
    assert group_events([]) == []
