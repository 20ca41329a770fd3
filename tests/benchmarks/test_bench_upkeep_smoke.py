"""Smoke test of benchmarks/bench_upkeep.py: a small lake, the report's shape. The 1M-fingerprint
measurement is the benchmark's business, not the suite's (tests/warehouse/test_maintenance.py
checks that merges leave settled files be)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from benchmarks.bench_upkeep import run_upkeep_cycles  # noqa: E402


def test_upkeep_cycles_report_their_seconds_and_files(tmp_path):
    report = run_upkeep_cycles(stored_n=3_000, commits=2, cycles=2, seed=3, folder=tmp_path)
    assert report["stored_fingerprints"] == 3_000 and report["commits_per_cycle"] == 2
    for policy in ("settled_files", "no_size_limit"):
        assert len(report[policy]["upkeep_seconds"]) == 2 and all(s > 0 for s in report[policy]["upkeep_seconds"])
        # a small lake's files are all under the settled size: both policies merge them into one a table
        assert report[policy]["live_files"][-1] == {"fingerprints": 1, "fingerprint_bands": 1}
