"""Two runs at once over overlapping inputs (a scheduled run and a manual trigger)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import prefect.settings
import pytest

from flows.pipeline import news_pipeline
from tests.conftest import REPO
from tests.reliability.helpers import make_corpus, snapshot


@pytest.mark.slow
def test_two_overlapping_runs_at_once_equal_sequential_runs(tmp_path, prefect_harness):
    corpus = make_corpus(tmp_path / "all", stories=5, seed=3)
    files = sorted(corpus.iterdir())
    left, right = tmp_path / "left", tmp_path / "right"
    left.mkdir()
    right.mkdir()
    for index, f in enumerate(files):  # two thirds overlap
        if index % 3 != 0:
            shutil.copy(f, left / f.name)
        if index % 3 != 1:
            shutil.copy(f, right / f.name)
    # whichever run takes the writer lock first wins the first-seen uri and story ids:
    # the concurrent result must equal one of the two sequential orders, exactly
    orders = []
    for name, first, second in (("lr", left, right), ("rl", right, left)):
        news_pipeline([str(first)], str(tmp_path / name))
        news_pipeline([str(second)], str(tmp_path / name))
        orders.append(snapshot(tmp_path / name))

    concurrent = tmp_path / "concurrent"
    code = "import sys; from flows.pipeline import news_pipeline; news_pipeline([sys.argv[2]], sys.argv[1])"
    env = {**os.environ, "PREFECT_API_URL": prefect.settings.PREFECT_API_URL.value()}
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(concurrent), str(folder)], cwd=REPO, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for folder in (left, right)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]

    got = snapshot(concurrent)  # also asserts no duplicate rows in any table
    assert got in orders, [_diff(got, o) for o in orders]
    con_articles = {row[0] for row in got["articles"]}
    assert len(con_articles) == len(got["articles"])
    from warehouse.lake import Warehouse
    from warehouse.lake import connect

    loads = connect(Warehouse(concurrent)).execute("SELECT count(*) FROM loads WHERE status = 'committed'").fetchone()[0]
    assert loads == 2  # neither commit was lost


def _diff(a, b):
    return {t: (sorted(a[t] - b[t])[:3], sorted(b[t] - a[t])[:3]) for t in a if a[t] != b[t]}
