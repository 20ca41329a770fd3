from datetime import datetime, timedelta, timezone

from .event_samples import OTHER_EVENT, SAME_EVENT, UNRELATED
from tasks.enrich.embeddings import embed_texts
from tasks.enrich.events import StoryVector, event_id_for, event_links, group_events, link_groups, place_events

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



def _at(degrees: float) -> list[float]:
    import math

    return [math.cos(math.radians(degrees)), math.sin(math.radians(degrees))] + [0.0] * 382


def _place(state: dict[str, tuple[str, float]], touched: list[StoryVector], others: list[StoryVector]) -> list:
    """One run's placement against `state` (story_id -> (event_id, score)), as the flow does it; state updated."""
    links = event_links(touched, others)
    linked = {s for a, b, _ in links for s in (a, b)}
    stored = {s: state[s] for s in linked if s in state}
    groups = link_groups(links, {s: e for s, (e, _) in stored.items()})
    merging = {e for g in groups if len(g.events) > 1 for e in g.events}
    members_of = {e: [(s, sc) for s, (ev, sc) in state.items() if ev == e] for e in merging}
    rows = place_events(groups, links, stored, members_of)
    state.update({r.story_id: (r.event_id, r.score) for r in rows})
    return rows


def test_a_run_places_its_stories_into_stored_events():
    """a ~ b ~ c (cos 0.77 each step), a and c far apart (cos 0.17); d ~ e apart from them.
    Run 1 stores a, c, d, e: events {d, e} only. Run 2 brings b: it joins a and c into one new
    event; {d, e} is not rewritten. Run 3 brings f ~ e and g ~ c: both events grow, keeping their ids."""
    a, b, c, d, e, f, g = (StoryVector(sid, T0, _at(deg), frozenset()) for sid, deg in
                           (("a", 0), ("b", 40), ("c", 80), ("d", 180), ("e", 200), ("f", 215), ("g", 95)))
    state: dict = {}
    _place(state, [a, c, d, e], [])
    assert {s: ev for s, (ev, _) in state.items()} == {"d": event_id_for("de"), "e": event_id_for("de")}
    rows = _place(state, [b], [a, c, d, e])
    assert sorted(r.story_id for r in rows) == ["a", "b", "c"] and {r.event_id for r in rows} == {event_id_for("abc")}
    rows = _place(state, [f, g], [a, b, c, d, e])
    assert {(r.story_id, r.event_id) for r in rows} >= {("f", event_id_for("de")), ("g", event_id_for("abc"))}
    assert {s for s, (ev, _) in state.items() if ev == event_id_for("de")} == {"d", "e", "f"}


def test_a_story_linking_two_stored_events_merges_them_into_the_larger():
    """{a, a2, b} and {x, y} are stored; e (80°) is 40° from b and from x: one event now, under
    the larger one's id; only e and the smaller event's members are written."""
    a, a2, b, e, x, y = (StoryVector(sid, T0, _at(deg), frozenset()) for sid, deg in
                         (("a", 0), ("a2", 20), ("b", 40), ("e", 80), ("x", 120), ("y", 160)))
    state: dict = {}
    _place(state, [a, a2, b, x, y], [])
    assert {ev for ev, _ in state.values()} == {event_id_for(["a", "a2", "b"]), event_id_for("xy")}
    rows = _place(state, [e], [a, a2, b, x, y])
    assert [(r.event_id, r.story_id) for r in rows] == [(event_id_for(["a", "a2", "b"]), s) for s in ("e", "x", "y")]
    assert {ev for ev, _ in state.values()} == {event_id_for(["a", "a2", "b"])}


def test_runs_of_placements_end_where_one_grouping_of_everything_does():
    """Random clustered stories arriving in runs of 5, each run placed against every story
    before it: the same events (members and scores) as `group_events` over all of them at once."""
    import numpy as np

    rng = np.random.default_rng(5)
    centres = rng.normal(size=(12, 384))
    stories = [StoryVector(f"s{i:03d}", T0 + timedelta(hours=int(rng.integers(0, 200))),
                           (centres[i % 12] + rng.normal(scale=0.9, size=384)).tolist(), frozenset({f"E{int(rng.integers(0, 6))}"}))
               for i in range(300)]
    order = rng.permutation(len(stories))
    state: dict = {}
    for start in range(0, len(stories), 5):
        _place(state, [stories[k] for k in order[start:start + 5]], [stories[k] for k in order[:start]])
    full = group_events(stories)
    assert len({r.event_id for r in full}) > 10
    placed: dict[str, set] = {}
    for story, (event, _) in state.items():
        placed.setdefault(event, set()).add(story)
    assert sorted(map(sorted, placed.values())) == _events(full)
    scores = {r.story_id: r.score for r in full}
    assert all(abs(state[s][1] - scores[s]) < 1e-5 for s in scores)


def test_the_window_is_the_days_around_each_touched_story():
    from tasks.enrich.event_stage import window_of

    at = [T0, T0 + timedelta(days=2), T0 + timedelta(days=60)]
    stories = [StoryVector(f"s{i}", day, [1.0, 0.0]) for i, day in enumerate(at)] + [StoryVector("undated", None, [0.0, 1.0])]
    day = timedelta(days=1)
    assert window_of(stories) == [(T0 - 3 * day, T0 + 5 * day), (T0 + 57 * day, T0 + 63 * day)]  # not the 60 days between
    assert window_of([]) == []
