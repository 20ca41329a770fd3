"""kill -9 a run at named points in every stage, rerun, and get the warehouse an uninterrupted run gives.

A run is one DuckLake transaction: a kill before its COMMIT leaves nothing of it, after it
everything; there is nothing to clean up either way.

The killed runs are subprocesses (two at a time, one per core); each rerun happens in this
process and the result must equal, row for row, a warehouse that was never interrupted.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import prefect.settings
import pytest

from flows.pipeline import news_pipeline
from tests.conftest import REPO
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
RANDOM_DELAYS = [random.Random(seed).uniform(1.5, 12.0) for seed in range(3)]
RUN = "import sys; from flows.pipeline import news_pipeline; news_pipeline([sys.argv[2]], sys.argv[1])"


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
    ctx = {"part2": part2, "reference": snapshot(reference), "base": base_wh, "tmp": base,
           "env": {**os.environ, "PREFECT_API_URL": prefect.settings.PREFECT_API_URL.value()}}
    jobs = [(p, [p], None) for p in NAMED] + [(f"double-{p}", ["publish:stories", p], None) for p in DOUBLE]
    jobs += [(f"random-{n}", [None], delay) for n, delay in enumerate(RANDOM_DELAYS)]
    with ThreadPoolExecutor(2) as pool:  # two killed runs at a time: one per core
        ctx["crashed"] = dict(zip([j[0] for j in jobs], pool.map(lambda job: _crash(ctx, *job), jobs)))
    return ctx


def _crash(ctx, name: str, kill_points: list[str | None], delay: float | None) -> tuple[Path, list[int]]:
    root = ctx["tmp"] / f"wh-{name.replace(':', '_')}"
    shutil.copytree(ctx["base"], root)
    codes = []
    for point in kill_points:
        env = {**ctx["env"], "NEWSFLOW_KILL_AT": point} if point else ctx["env"]
        proc = subprocess.Popen([sys.executable, "-c", RUN, str(root), str(ctx["part2"])], cwd=REPO, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if delay is not None:
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
        codes.append(proc.wait(timeout=300))
    return root, codes


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMED + [f"double-{p}" for p in DOUBLE])
def test_kill_at_named_point_then_rerun(setup, name):
    root, codes = setup["crashed"][name]
    assert codes == [-signal.SIGKILL] * len(codes), f"{name}: the run was not killed where asked (exit codes {codes})"
    news_pipeline([str(setup["part2"])], str(root))
    assert snapshot(root) == setup["reference"]


@pytest.mark.slow
@pytest.mark.parametrize("n", range(len(RANDOM_DELAYS)))
def test_kill_at_a_random_moment_then_rerun(setup, n):
    root, _ = setup["crashed"][f"random-{n}"]
    news_pipeline([str(setup["part2"])], str(root))
    assert snapshot(root) == setup["reference"]
