"""kill -9 a run at named points in every stage, rerun, and get the warehouse an uninterrupted run gives.

A run is one DuckLake transaction: a kill before its COMMIT leaves nothing of it, after it
everything; there is nothing to clean up either way.

The killed runs are processes of their own (tests/reliability/killed_runs.py forks them, two at a
time); each rerun happens in this process and the result must equal, row for row, a warehouse
that was never interrupted.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from flows.pipeline import news_pipeline
from flows.serve import prefect_server
from tests.conftest import REPO, seed_prefect_home
from tests.warehouse.servers import free_port
from tests.reliability.helpers import make_corpus, snapshot
from warehouse.publish import PUBLISH_ORDER

# Inside the transaction every kill is alike to DuckLake (nothing before COMMIT shows), so the
# publish points are one table of each way of writing: the first insert, upserts, rows replaced in
# place (DELETE + INSERT), current-state tables and the loads row written last. (A folder run
# writes no `items` or `source_polls`: a kill at their turn is the kill at `loads`.)
PUBLISH_POINTS = ["documents", "sightings", "story_members", "stories", "story_merges", "entity_names", "events", "loads"]
NAMED = ["ingest", "normalize", "enrich", "locked", "started", "dedup", "commit", "committed", "upkeep"] + [
    f"publish:{t}" for t in PUBLISH_POINTS
]
# a second crash in the run after the first: nothing of either may show
DOUBLE = ["locked", "commit"]
# when a run is killed, as a share of the time the quickest of the runs killed at the commit took
# to get there (measured beside one another, as the random ones run): inside the run, before its COMMIT
RANDOM_MOMENTS = [random.Random(seed).uniform(0.05, 0.8) for seed in range(3)]
CLOCKS = {"commit", "committed", "upkeep", "publish:loads"}
KILLED_RUNS = Path(__file__).with_name("killed_runs.py")


@pytest.fixture(scope="module")
def setup(tmp_path_factory, prefect_harness):
    base = tmp_path_factory.mktemp("crash")
    part1 = make_corpus(base / "part1", stories=2, seed=1)
    part2 = base / "part2"
    part2.mkdir()
    # part 2 holds corrected copies of part-1 stories (stories get updated) and new stories
    for f in sorted(part1.glob("story*_a.txt")):
        (part2 / f.name.replace("_a.txt", "_c.txt")).write_text(f.read_text() + "\nCorrection: an earlier version misspelled a name.\n")
    make_corpus(base / "extra", stories=2, seed=2)
    for f in (base / "extra").glob("story*"):
        shutil.copy(f, part2 / f"x_{f.name}")
    reference = base / "reference"
    news_pipeline([str(part1)], str(reference))
    base_wh = base / "base"
    shutil.copytree(reference, base_wh)
    news_pipeline([str(part2)], str(reference))
    assert set(PUBLISH_POINTS) <= set(PUBLISH_ORDER)
    jobs = [{"name": "uninterrupted", "points": [None]}] + [{"name": p, "points": [p], "clock": p in CLOCKS} for p in NAMED]
    jobs += [{"name": f"double-{p}", "points": ["publish:stories", p]} for p in DOUBLE]
    jobs += [{"name": f"random-{n}", "points": [None], "fraction": share} for n, share in enumerate(RANDOM_MOMENTS)]
    for job in jobs:
        job.update(root=str(base / f"wh-{job['name'].replace(':', '_')}"), inputs=str(part2))
        shutil.copytree(base_wh, job["root"])
    # The killed runs report to a Prefect server of their own: a client killed mid-request can leave
    # a SQLite-backed server answering "database is locked" (503, retried with back-off for up to a
    # minute) for a while, and the session's server goes on serving the rest of the suite.
    home = base / "prefect-home"
    seed_prefect_home(home, prefect_harness)
    with mock.patch.dict(os.environ, {"PREFECT_HOME": str(home)}):
        os.environ.pop("PREFECT_API_URL", None)  # (restored with the rest on leaving)
        with prefect_server("127.0.0.1", free_port(), home / "server.log") as api:
            killed = subprocess.run([sys.executable, str(KILLED_RUNS)], input=json.dumps(jobs), capture_output=True, text=True, cwd=REPO,
                                    env={**os.environ, "PREFECT_API_URL": api}, timeout=900)
    assert killed.returncode == 0, killed.stderr[-3000:]
    codes = json.loads(killed.stdout)["exit_codes"]
    assert codes["uninterrupted"] == [0] and snapshot(Path(jobs[0]["root"])) == snapshot(reference)
    return {"part2": part2, "reference": snapshot(reference), "crashed": {j["name"]: (Path(j["root"]), codes[j["name"]]) for j in jobs}}


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMED + [f"double-{p}" for p in DOUBLE])
def test_kill_at_named_point_then_rerun(setup, name):
    root, codes = setup["crashed"][name]
    assert codes == [-signal.SIGKILL] * len(codes), f"{name}: the run was not killed where asked (exit codes {codes})"
    news_pipeline([str(setup["part2"])], str(root))
    assert snapshot(root) == setup["reference"]


@pytest.mark.slow
@pytest.mark.parametrize("n", range(len(RANDOM_MOMENTS)))
def test_kill_at_a_random_moment_then_rerun(setup, n):
    root, codes = setup["crashed"][f"random-{n}"]
    assert codes == [-signal.SIGKILL], f"the run ended before its kill (exit code {codes})"
    news_pipeline([str(setup["part2"])], str(root))
    assert snapshot(root) == setup["reference"]
