"""Smoke test of the benchmark harness (`make bench`): tiny sizes, the report's shape and positive
rates only — timing thresholds belong to the real run on a known machine, not to tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from benchmarks.run_all import build_report  # noqa: E402

TINY = {"sizes": [200, 400], "normalize": 20, "html": 10, "text_pipeline": [30], "flow": 20,
        "entities": 2_000, "reference_max": 200}


def _quiet(*args, **kwargs) -> None:
    pass


def _rates(node) -> list[float]:
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k in ("docs_per_s", "docs_per_cpu_s")]
        return found + [r for v in node.values() for r in _rates(v)]
    return []


def test_stage_sections_report_positive_rates(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_BENCH_CACHE", str(tmp_path))
    report = build_report(TINY, ["normalize", "text_pipeline", "dedup", "entities"], 0.3, 7, log=_quiet)
    errors = {k: v["error"] for k, v in report.items() if isinstance(v, dict) and "error" in v}
    assert not errors
    assert {"command", "started_at", "config", "environment", "summary", "total_seconds"} <= set(report)
    assert {"normalize", "text_pipeline_30", "dedup_200", "dedup_400", "entities"} <= set(report)
    assert {"text", "html", "html_trafilatura_reference", "html_ratio_vs_trafilatura"} <= set(report["normalize"])
    assert report["text_pipeline_30"]["ratio_vs_reference"]["wall"] > 0
    assert report["summary"]["text_normalize_plus_dedup_docs_per_s"]["text_pipeline_30"] > 0
    dedup = report["dedup_200"]
    assert dedup["datasketch_reference"]["docs"] == 200 and dedup["ratio_vs_reference"]["cpu"] > 0
    assert dedup["peak_rss"]["self_mb"] > 0 and dedup["stories"] > 0
    assert "incremental_lookup" in report["dedup_400"]  # the largest size also times the stored lookup
    assert report["entities"]["query_seconds_best_of_3"] > 0 and report["entities"]["days"] > 0
    assert report["entities"]["canned_query_seconds_best_of_3"] > 0
    rates = _rates(report)
    assert rates and all(r > 0 for r in rates)
    assert {"text_normalize_plus_dedup_docs_per_s", "html_ratio_vs_trafilatura", "dedup",
            "dedup_per_doc_cost_spread", "top_entities_per_day_seconds"} <= set(report["summary"])


@pytest.mark.slow
def test_flow_section_reports_prefect_overhead(tmp_path, monkeypatch, prefect_harness):
    import prefect.settings

    monkeypatch.setenv("NEWSFLOW_BENCH_CACHE", str(tmp_path))
    monkeypatch.setenv("PREFECT_API_URL", prefect.settings.PREFECT_API_URL.value())  # the session's server, not a temporary one
    report = build_report(TINY, ["flow"], 0.3, 7, log=_quiet)
    flow = report["flow"]
    assert "error" not in flow, flow.get("error")
    assert flow["flow"]["docs_per_s"] > 0 and flow["articles"] > 0
    assert 0 <= flow["outside_task_bodies_share"] < 1
    assert flow["nothing_new_articles"] == 0
    assert {"normalize", "dedup-and-publish"} <= set(flow["task_bodies_seconds"])  # normalize makes the fingerprints; dedup runs in the transaction
