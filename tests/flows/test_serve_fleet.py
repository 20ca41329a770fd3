"""`newsflow serve` with 200 feed sources polling on a short interval: never two cycles at once,
SIGINT exits within 10 s and leaves no process running. The short version of
`benchmarks/bench_fleet.py --serve-seconds 300 --serve-sources 200` (5 minutes on a 1-minute poll)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.bench_fleet import serve_fleet  # noqa: E402
from benchmarks.newsweb import NewsWeb  # noqa: E402

pytestmark = pytest.mark.slow


def test_serve_200_sources_one_cycle_at_a_time_and_a_clean_sigint(tmp_path: Path, prefect_harness: Path) -> None:
    with NewsWeb(feeds=200, items=0) as web:  # no pages: the first cycle is quick
        report = serve_fleet(web, tmp_path, sources=200, seconds=12, poll_interval="6s", catch_cycle_seconds=10,
                             prefect_database=prefect_harness)
    assert report["overlapping_cycles"] == 0, report
    # at least two cycles were scheduled and one completed (on a loaded machine a cycle can take
    # longer than the interval: the next one is then cancelled, never run beside it)
    assert report["first_cycle_done_after_s"] is not None and report["poll_runs"].get("Completed", 0) >= 1, report
    assert sum(report["poll_runs"].values()) >= 2, report
    # the on-demand deployments are registered beside the running schedule (~0.3 s each)
    assert report["manual_deployments_registered"] > 0, report
    assert report["exit_code"] == 0 and report["exit_seconds"] <= 10, report
    # SIGINT is sent while a cycle runs when one is caught running (cycles of 200 feeds without
    # pages are short, so a run may miss the moment); either way nothing may be left running
    assert report["processes_left"] == 0, report
