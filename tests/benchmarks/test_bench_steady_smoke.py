"""Smoke test of benchmarks/bench_steady.py: a few runs, the report's shape, upkeep by itself.
The 2,000-run measurement is the benchmark's business, not the suite's."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from benchmarks.bench_steady import run_steady  # noqa: E402


def test_steady_runs_report_their_figures(tmp_path, monkeypatch):
    import warehouse.maintenance as maintenance

    monkeypatch.setattr(maintenance, "UpkeepPolicy", _small_policy(maintenance))
    monkeypatch.setattr(maintenance.upkeep, "__defaults__", (_small_policy(maintenance)(), False, None))
    report = run_steady(runs=24, docs=3, renditions=0.3, enrich=False, seed=3, folder=tmp_path, paired=4, fresh_rounds=1)
    assert report["articles"] > 0 and 0 < report["stories"] <= report["articles"]
    assert all(v > 0 for v in report["run_ms_median"].values())
    assert report["warehouse_ms_median"]["all"] > 0 and report["idle_poll_ms_median"]["late"] > 0
    assert report["count_stories_ms"]["query_only_best"] > 0
    # upkeep flushed and merged by itself: the rows are in a few files, not one per run
    assert 0 < report["parquet_files"]["live"] <= 3 * 25
    assert report["dedup_lookup_plan"]["fingerprint_bands_rows"] > 0
    assert 0 < report["rss_mb"]["after_early_window"] and 0 < report["rss_mb"]["after_last_run"]
    # the same documents into the final lake and the copy kept after the early window
    paired = report["paired"]
    assert paired["pairs"] == 4 and paired["final_over_early"] > 0 and all(v > 0 for v in paired["warehouse_ms_median"].values())
    assert paired["calibration_ms_median"] > 0 and report["calibration_ms_median"]["late"] > 0
    # the reference run after runs 10 and 20: the same documents into a new copy of the run-1 lake, then removed
    reference = report["reference_run"]
    assert reference["measurements"] == 2 and all(v > 0 for v in reference["ms_median"].values())
    assert reference["run_late_over_early_on_reference"] > 0 and not (tmp_path / "wh-reference-run").exists()
    # both lakes again, each in a process of its own (profile_run.py)
    fresh = report["fresh_processes"]
    assert fresh["rounds"] == 1 and all(len(v) == 1 and v[0] > 0 for v in fresh["warehouse_ms"].values()) and fresh["final_over_early"] > 0
    # and the early lake the same way in this process, beside them
    assert set(fresh["warehouse_ms"]) == {"early_lake", "final_lake", "early_lake_in_this_process"} and fresh["this_process_over_fresh"] > 0


def _small_policy(maintenance):
    from dataclasses import dataclass
    from datetime import timedelta

    @dataclass(frozen=True)
    class Small(maintenance.UpkeepPolicy):
        flush_snapshots: int = 5
        merge_files: int = 2
        check_every: int = 2
        retention: timedelta = timedelta(days=7)

    return Small
