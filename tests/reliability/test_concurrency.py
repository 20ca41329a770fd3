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
    from warehouse.lake import Warehouse

    Warehouse(concurrent).connect(read_only=False).close()  # an empty lake the CLI opens before the runs
    reader = _duckdb_cli(concurrent)
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

    # the CLI held the lake open read-only all along: no lock error, and after re-attaching it
    # sees both runs
    reattached = _ask(reader, "USE memory; DETACH lake; " + attach_sql_of(concurrent) + "; SELECT count(*) FROM lake.loads;")
    assert reattached == "2", reattached
    reader.stdin.close()
    assert reader.wait(timeout=30) == 0, reader.stderr.read()

    got = snapshot(concurrent)  # also asserts no duplicate rows in any table
    assert got in orders, [_diff(got, o) for o in orders]
    con_articles = {row[0] for row in got["articles"]}
    assert len(con_articles) == len(got["articles"])
    from warehouse.lake import connect

    loads = connect(Warehouse(concurrent)).execute("SELECT count(*) FROM loads WHERE status = 'committed'").fetchone()[0]
    assert loads == 2  # neither commit was lost


def attach_sql_of(root) -> str:
    from warehouse.lake import Warehouse

    return Warehouse(root).attach_sql(read_only=True)


def _duckdb_cli(root) -> subprocess.Popen:
    """The duckdb CLI with the lake attached read-only, kept open (a person at `newsflow shell`)."""
    from warehouse.lake import Warehouse
    from warehouse.shell import attach_script, duckdb_cli

    cli = duckdb_cli(shutil.which("duckdb"))
    if cli is None:
        pytest.skip("duckdb CLI not installed")
    proc = subprocess.Popen([cli, "-csv", "-noheader"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert _ask(proc, attach_script(Warehouse(root)) + "\nSELECT count(*) FROM lake.loads;") == "0"
    return proc


def _ask(proc: subprocess.Popen, sql: str) -> str:
    """Send statements, return the last result line (a marker query closes each answer)."""
    proc.stdin.write(sql + "\nSELECT 'END-OF-ANSWER';\n")
    proc.stdin.flush()
    lines = []
    while True:
        line = proc.stdout.readline()
        if not line or line.strip() == "END-OF-ANSWER":
            break
        lines.append(line.strip())
    return lines[-1] if lines else ""


def _diff(a, b):
    return {t: (sorted(a[t] - b[t])[:3], sorted(b[t] - a[t])[:3]) for t in a if a[t] != b[t]}
