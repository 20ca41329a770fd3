"""Smoke test of benchmarks/bench_fleet.py at a tiny size: the report's shape, the steady cycle's
counts, the per-source comparison, a short poll loop and fault injection with nothing silently missing. Timing
thresholds belong to the real run (docs/POLLING.md), not to this test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.bench_fleet import main  # noqa: E402
from flows import allocator  # noqa: E402

pytestmark = pytest.mark.slow


def test_bench_fleet_small(capsys, prefect_harness) -> None:
    import prefect.settings

    # the session's Prefect server stands in for the one the benchmark would start (~14 s)
    report = main(["--feeds", "40", "--per-source", "1", "--fault-cycles", "3", "--loop-cycles", "3", "--loop-feeds", "5",
                   "--prefect-api", prefect.settings.PREFECT_API_URL.value()])
    steady = report["steady"]["steady_cycle"]
    assert (steady["documents"], steady["not_modified"]) == (2, 38)
    assert report["per_source"]["feeds"] == 1 and report["per_feed_cpu_ratio_per_source_vs_poll"] > 1
    loop = report["loop"]  # one poll process, 3 cycles: 2 new items before each of the last two
    assert loop["cycles"] == 3 and loop["documents"] >= 4 and loop["rss_mb"]["at_the_end"] > 0
    # the loop re-executed itself with mimalloc preloaded (flows/allocator.py)
    assert loop["allocator"] == (allocator.MIMALLOC if allocator.mimalloc_library() else allocator.SYSTEM)
    faults = report["faults"]
    assert faults["missing"] == 0 and faults["as_articles"] > 0, faults
    assert '"steady"' in capsys.readouterr().out
