"""kill -9 a run at named points in every stage, rerun, and get the warehouse an uninterrupted run gives."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time

import prefect.settings
import pytest

from flows.pipeline import news_pipeline
from tests.conftest import REPO
from tests.reliability.helpers import make_corpus, snapshot
from warehouse.publish import PUBLISH_ORDER

# tables the news-pipeline flow writes today
WIRED = {"documents", "articles", "links", "fingerprints", "story_members", "stories", "rejects"}

POINTS = ["ingest", "normalize", "locked", "started", "dedup", "commit", "committed"] + [
    f"publish:{t}" for t in PUBLISH_ORDER if t in WIRED
]


@pytest.fixture(scope="module")
def setup(tmp_path_factory, prefect_harness):
    base = tmp_path_factory.mktemp("crash")
    part1 = make_corpus(base / "part1", stories=3, seed=1)
    part2 = base / "part2"
    part2.mkdir()
    # part 2 holds copies of part-1 stories (stories get updated) and new ones
    for f in sorted(part1.glob("story*_a.txt")):
        shutil.copy(f, part2 / f.name.replace("_a.txt", "_c.txt"))
        (part2 / f.name.replace("_a.txt", "_c.txt")).write_text(f.read_text() + "\nCorrection: an earlier version misspelled a name.\n")
    make_corpus(base / "extra", stories=2, seed=2)
    for f in (base / "extra").glob("story*"):
        shutil.copy(f, part2 / f"x_{f.name}")
    reference = base / "reference"
    news_pipeline([str(part1)], str(reference))
    base_wh = base / "base"
    shutil.copytree(reference, base_wh)
    news_pipeline([str(part2)], str(reference))
    api = prefect.settings.PREFECT_API_URL.value()
    return {"part1": part1, "part2": part2, "reference": snapshot(reference), "base": base_wh, "api": api, "tmp": base}


def crash_then_rerun(setup, name: str, env: dict[str, str], kill_after: float | None = None):
    root = setup["tmp"] / f"wh-{name}"
    shutil.copytree(setup["base"], root)
    code = "import sys; from flows.pipeline import news_pipeline; news_pipeline([sys.argv[2]], sys.argv[1])"
    proc = subprocess.Popen([sys.executable, "-c", code, str(root), str(setup["part2"])], cwd=REPO,
                            env={**__import__("os").environ, "PREFECT_API_URL": setup["api"], **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if kill_after is not None:
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=180)
    return root, proc.returncode, err


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
def test_kill_at_named_point_then_rerun(setup, point):
    root, code, err = crash_then_rerun(setup, point.replace(":", "_"), {"NEWSFLOW_KILL_AT": point})
    assert code == -signal.SIGKILL, f"the run was not killed at {point}: exit {code}\n{err[-2000:]}"
    news_pipeline([str(setup["part2"])], str(root))
    assert snapshot(root) == setup["reference"]


@pytest.mark.slow
@pytest.mark.parametrize("point", ["cleanup:articles", "cleanup:stories"])
def test_kill_during_cleanup_of_an_earlier_crash(setup, point):
    root, code, _ = crash_then_rerun(setup, f"double-{point.split(':')[1]}", {"NEWSFLOW_KILL_AT": "publish:stories"})
    assert code == -signal.SIGKILL
    code = "import sys; from flows.pipeline import news_pipeline; news_pipeline([sys.argv[2]], sys.argv[1])"
    second = subprocess.run([sys.executable, "-c", code, str(root), str(setup["part2"])], cwd=REPO,
                            env={**__import__("os").environ, "PREFECT_API_URL": setup["api"], "NEWSFLOW_KILL_AT": point},
                            capture_output=True, text=True, timeout=180)
    assert second.returncode == -signal.SIGKILL
    news_pipeline([str(setup["part2"])], str(root))
    assert snapshot(root) == setup["reference"]


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_kill_at_a_random_moment_then_rerun(setup, seed):
    delay = random.Random(seed).uniform(2.0, 6.0)
    root, _, _ = crash_then_rerun(setup, f"random-{seed}", {}, kill_after=delay)
    news_pipeline([str(setup["part2"])], str(root))
    assert snapshot(root) == setup["reference"]
