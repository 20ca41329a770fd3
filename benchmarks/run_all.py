"""`make bench`: every stage, the whole flow and the reference pipelines in one run; writes
benchmarks/out/report.json and prints it.

    .venv/bin/python benchmarks/run_all.py                      # full: dedup at 10k/100k/1M (about an hour on 2 busy cores)
    .venv/bin/python benchmarks/run_all.py --quick              # a few minutes
    .venv/bin/python benchmarks/run_all.py --sizes 10000,100000 --sections dedup,entities

Each section runs in a fresh process, so its peak RSS is its own. Corpora come from
benchmarks/corpus.py (real sentences from ../shared/eval); generated body corpora are cached in
benchmarks/out/ and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

FULL = {"sizes": [10_000, 100_000, 1_000_000], "normalize": 5_000, "html": 1_000, "text_pipeline": [10_000, 100_000],
        "flow": 10_000, "entities": 1_000_000, "reference_max": 10_000}
QUICK = {"sizes": [2_000, 20_000], "normalize": 300, "html": 100, "text_pipeline": [500, 5_000],
         "flow": 300, "entities": 100_000, "reference_max": 20_000}


def run_section(name: str, kwargs: dict) -> dict:
    """One section in a fresh interpreter; its JSON result comes back on stdout."""
    code = (
        "import json, sys; sys.path.insert(0, %r); from benchmarks.stages import SECTIONS; "
        "print('\\n@@RESULT@@' + json.dumps(SECTIONS[%r](**json.loads(sys.argv[1]))))"
    ) % (str(ROOT), name)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(kwargs)], cwd=ROOT, capture_output=True, text=True)
    elapsed = round(time.perf_counter() - start, 1)
    if proc.returncode != 0 or "@@RESULT@@" not in proc.stdout:
        return {"error": proc.stderr.strip().splitlines()[-5:] or ["no output"], "section_seconds": elapsed}
    result = json.loads(proc.stdout.rsplit("@@RESULT@@", 1)[1])
    result["section_seconds"] = elapsed
    return result


def environment() -> dict:
    packages = ("prefect", "duckdb", "deltalake", "pyarrow", "rensa", "datasketch", "trafilatura", "numpy")
    return {
        "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "versions": {p: version(p) for p in packages},
    }


def build_report(cfg: dict, sections: list[str], dup_rate: float, seed: int, log=print, partial: Path | None = None) -> dict:
    """Run the planned sections one by one; `partial` gets the report so far after each one."""
    report: dict = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]) if sys.argv else "run_all",
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": {**cfg, "dup_rate": dup_rate, "seed": seed, "sections": sections},
        "environment": environment(),
    }
    start = time.perf_counter()
    plan: list[tuple[str, str, dict]] = []
    if "normalize" in sections:
        plan.append(("normalize", "normalize", {"n": cfg["normalize"], "html_n": cfg["html"]}))
    if "text_pipeline" in sections:
        for n in cfg["text_pipeline"]:
            plan.append((f"text_pipeline_{n}", "text_pipeline", {"n": n}))
    if "dedup" in sections:
        for n in cfg["sizes"]:
            plan.append((f"dedup_{n}", "dedup", {"n": n, "dup_rate": dup_rate, "seed": seed,
                                                  "reference_max": cfg["reference_max"], "lookup": n == max(cfg["sizes"])}))
    if "flow" in sections:
        plan.append(("flow", "flow", {"n_files": cfg["flow"]}))
    if "entities" in sections:
        plan.append(("entities", "entities", {"n_articles": cfg["entities"]}))
    for key, name, kwargs in plan:
        log(f"[bench] {key} {kwargs} ...", file=sys.stderr)
        report[key] = run_section(name, kwargs)
        log(f"[bench] {key} done in {report[key]['section_seconds']} s", file=sys.stderr)
        if partial is not None:
            partial.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(json.dumps(report, indent=1) + "\n")
    report["summary"] = summarize(report)
    report["total_seconds"] = round(time.perf_counter() - start, 1)
    report["environment"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return report


def summarize(report: dict) -> dict:
    """The figures the targets are stated in, pulled out of the sections."""
    s: dict = {}
    texts = {k: v for k, v in report.items() if k.startswith("text_pipeline_") and "normalize_plus_dedup" in v}
    if texts:
        s["text_normalize_plus_dedup_docs_per_s"] = {k: v["normalize_plus_dedup"]["docs_per_s"] for k, v in texts.items()}
        s["text_normalize_plus_dedup_ratio_vs_datasketch"] = {k: v["ratio_vs_reference"] for k, v in texts.items()}
        s["dedup_ratio_vs_datasketch"] = {k: v["dedup_ratio_vs_reference"] for k, v in texts.items()}
    norm = report.get("normalize", {})
    if "html_ratio_vs_trafilatura" in norm:
        s["html_ratio_vs_trafilatura"] = norm["html_ratio_vs_trafilatura"]
    dedups = {k: v for k, v in report.items() if k.startswith("dedup_") and "dedup" in v}
    if dedups:
        s["dedup"] = {k: {"docs_per_s": v["dedup"]["docs_per_s"], "seconds": v["dedup"]["seconds"],
                          "per_doc_ms": v["per_doc_ms"], "peak_rss_mb": v["peak_rss"]["self_mb"] + v["peak_rss"]["largest_child_mb"]}
                      for k, v in dedups.items()}
        for key, field in (("dedup_per_doc_cost_spread", "per_doc_ms"), ("dedup_per_doc_cpu_cost_spread", "per_doc_cpu_ms")):
            costs = [v[field] for v in dedups.values() if field in v]
            if costs:  # (largest / smallest) - 1 over the sizes: 0.2 means within +-20% of each other's
                s[key] = round(max(costs) / min(costs) - 1, 3)
    if "nothing_new_added_seconds" in report.get("flow", {}):
        s["nothing_new_added_seconds"] = report["flow"]["nothing_new_added_seconds"]
        s["flow_outside_task_bodies_share"] = report["flow"]["outside_task_bodies_share"]
    if "query_seconds_best_of_3" in report.get("entities", {}):
        s["top_entities_per_day_seconds"] = report["entities"]["query_seconds_best_of_3"]
        s["top_entities_per_day_canned_query_seconds"] = report["entities"].get("canned_query_seconds_best_of_3")
    return s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a few minutes")
    parser.add_argument("--sizes", help="dedup sizes, comma-separated (default 10000,100000,1000000)")
    parser.add_argument("--sections", default="normalize,text_pipeline,dedup,flow,entities")
    parser.add_argument("--flow-files", type=int, help="documents for the whole-flow run")
    parser.add_argument("--normalize-docs", type=int, help="documents for the normalize and text-pipeline sections (one size)")
    parser.add_argument("--entities-articles", type=int)
    parser.add_argument("--reference-max", type=int, help="largest dedup size that also runs datasketch")
    parser.add_argument("--dup-rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "report.json")
    args = parser.parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL)
    if args.sizes:
        cfg["sizes"] = [int(x) for x in args.sizes.split(",")]
    if args.flow_files:
        cfg["flow"] = args.flow_files
    if args.normalize_docs:
        cfg["normalize"], cfg["text_pipeline"] = args.normalize_docs, [args.normalize_docs]
        cfg["html"] = max(50, args.normalize_docs // 5)
    if args.entities_articles:
        cfg["entities"] = args.entities_articles
    if args.reference_max is not None:
        cfg["reference_max"] = args.reference_max
    report = build_report(cfg, args.sections.split(","), args.dup_rate, args.seed, partial=args.out.with_suffix(".partial.json"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    return 0 if not any(isinstance(v, dict) and "error" in v for v in report.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
