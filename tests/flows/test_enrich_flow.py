"""Enrichment through the flow: semantic search over stories, events across stories, copies reuse rows."""

from __future__ import annotations

import json
import shutil

import pytest

from flows.pipeline import news_pipeline
from tests.conftest import REPO
from tests.tasks.enrich.event_samples import SAME_EVENT
from tests.tasks.enrich.test_embeddings import UNRELATED
from warehouse.search import search_stories
from warehouse.lake import Warehouse
from warehouse.lake import connect


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, prefect_harness):
    inbox = tmp_path_factory.mktemp("inbox")
    for seed in (REPO / "seeds").iterdir():
        shutil.copy(seed, inbox / seed.name)
    for n, text in enumerate(UNRELATED):
        (inbox / f"unrelated_{n:02d}.txt").write_text(f"Unrelated report number {n}\n\n{text}\n\n{text} Officials said more later.\n")
    for story_id, day, text, _ in SAME_EVENT["quake-tr"]:
        (inbox / f"{story_id}.json").write_text(json.dumps({"title": f"Quake report {story_id}", "body": text,
                                                             "published_at": f"2023-02-0{6 + day}T08:00:00Z"}))
    root = tmp_path_factory.mktemp("wh") / "wh"
    news_pipeline([str(inbox)], str(root))
    return root


def test_search_ranks_the_seed_story_first(warehouse):
    con = connect(Warehouse(warehouse))
    stories = con.execute("SELECT count(*) FROM stories").fetchall()[0][0]
    assert stories >= len(UNRELATED) + 2
    hits = search_stories(con, "Russia pulls troops out of Syria", limit=5)
    assert hits[0][1] == "Putin Orders Russian Military to Withdraw During Surprise Syria Visit"
    assert hits[0][2] > hits[1][2]


def test_two_tellings_of_one_event_share_an_event(warehouse):
    con = connect(Warehouse(warehouse))
    rows = con.execute(
        """
        SELECT s.title, e.event_id FROM events e JOIN stories s USING (story_id) ORDER BY s.title
        """
    ).fetchall()
    by_title = dict(rows)
    assert by_title.get("Quake report q1") is not None
    assert by_title["Quake report q1"] == by_title.get("Quake report q2")
    assert "Putin Orders Russian Military to Withdraw During Surprise Syria Visit" not in by_title


def test_exact_copy_reuses_enrichment_rows(warehouse):
    con = connect(Warehouse(warehouse))
    per_article = con.execute(
        """
        SELECT a.format, count(*) FROM entities n JOIN articles a USING (article_id)
        WHERE a.uri LIKE '%/000_%' OR a.uri LIKE '%/001_%' GROUP BY 1
        """
    ).fetchall()
    counts = dict(per_article)
    assert counts["markdown"] == counts["plaintext"] > 0


def test_search_cli_json(warehouse):
    import os
    import subprocess
    import sys
    from pathlib import Path

    out = subprocess.run([str(Path(sys.executable).parent / "newsflow"), "search", "Russia pulls troops out of Syria",
                          "--format", "json", "--limit", "3", "--warehouse", str(warehouse)],
                         capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert out.returncode == 0, out.stderr[-2000:]
    hits = json.loads(out.stdout)
    assert set(hits[0]) == {"story_id", "title", "score"}
    assert hits[0]["title"].startswith("Putin Orders")


def _run_quake_report(inbox, root, name: str, body: str, day: int) -> None:
    """One run of one JSON article, "Quake report NAME", published on 2023-02-(6 + day)."""
    inbox.mkdir()
    (inbox / f"{name}.json").write_text(json.dumps({"title": f"Quake report {name}", "body": body,
                                                    "published_at": f"2023-02-0{6 + day}T08:00:00Z"}))
    news_pipeline([str(inbox)], str(root))


def test_a_later_run_places_its_story_into_the_stored_event(tmp_path, prefect_harness):
    """q1 alone in one run (no event yet), q2 in the next: the second run finds q1 in the window
    and both share one event; a third run of unrelated text writes no events row."""
    root = tmp_path / "wh"
    for name, (story_id, day, text, _) in zip(("one", "two"), SAME_EVENT["quake-tr"]):
        _run_quake_report(tmp_path / name, root, story_id, text, day)
        con = connect(Warehouse(root))
        events = con.execute("SELECT s.title, e.event_id, e.score FROM events e JOIN stories s USING (story_id) ORDER BY 1").fetchall()
        con.close()
        if name == "one":
            assert events == []
    assert [title for title, _, _ in events] == ["Quake report q1", "Quake report q2"]
    assert events[0][1] == events[1][1] and events[0][2] == events[1][2] >= 0.5
    inbox = tmp_path / "three"
    inbox.mkdir()
    (inbox / "other.txt").write_text(f"Unrelated report\n\n{UNRELATED[0]}\n\n{UNRELATED[0]} More later.\n")
    news_pipeline([str(inbox)], str(root))
    con = connect(Warehouse(root))
    assert con.execute("SELECT count(*), count(DISTINCT load_id) FROM events").fetchone() == (2, 1)


def test_story_vectors_stay_the_join_of_stories_and_embeddings(tmp_path, prefect_harness):
    """After every run (a new story, a copy that touches the stored one, another telling), the
    `story_vectors` a run keeps (vectors and names) are the rows of the join they stand for."""
    from warehouse.story_vectors import ROWS_SQL

    (first, day, text, _), (second, day2, text2, _) = SAME_EVENT["quake-tr"]
    runs = [(first, text, day), (first + "-copy", text + " Rescuers said the search would go on through the night.", day),
            (second, text2, day2)]
    root = tmp_path / "wh"
    for n, (name, body, when) in enumerate(runs):
        _run_quake_report(tmp_path / f"run{n}", root, name, body, when)
        con = connect(Warehouse(root))
        kept = con.execute("SELECT story_id, dated_at, canonical_article_id, vector, names FROM story_vectors ORDER BY 1").fetchall()
        joined = con.execute(f"SELECT story_id, dated_at, canonical_article_id, vector, names FROM ({ROWS_SQL}) ORDER BY 1").fetchall()
        stories = con.execute("SELECT count(*) FROM stories").fetchone()[0]
        members = con.execute("SELECT count(*) FROM story_members").fetchone()[0]
        con.close()
        assert kept == joined and len(kept) == stories and all(names for *_, names in kept), f"run {n}"
    assert (stories, members) == (2, 3)  # the copy joined the first story: a stored story was touched and rewritten
