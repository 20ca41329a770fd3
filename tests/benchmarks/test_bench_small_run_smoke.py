"""Smoke test of benchmarks/bench_small_run.py: two runs counted, the report's shape. The ratio
is the benchmark's business (a timed assertion here would be noise)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from benchmarks.bench_small_run import measure  # noqa: E402


def test_small_runs_are_timed_both_ways(prefect_harness, tmp_path):
    report = measure(2, tmp_path, start_server=False)  # the suite's server
    assert report["runs_each"] == 1 and report["documents_per_run"] == 2
    assert all(len(v) == 1 and v[0] > 0 for v in report["seconds"].values())
    assert report["default_over_without"] > 0
