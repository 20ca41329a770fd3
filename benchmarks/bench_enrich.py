"""Benchmark enrich_articles on N articles built from the seed bodies; prints a JSON report.

    .venv/bin/python benchmarks/bench_enrich.py --n 200 [--mode threads|serial|processes|all]
                                                [--max-windows 8] [--graphs] [--keywords]

Articles are variants of the two seed stories: paragraphs dropped and reordered, names and
places swapped, so every body differs. Model loading is timed apart from the run (a pipeline
process loads once and enriches many batches). Peak RSS comes from resource.getrusage.

Other processes on the machine slow the wall clock, not the CPU seconds: each run also gives
the CPU milliseconds per article of the two threads of "threads" mode (the main thread's steps,
with the embedding chunks it takes once they are done, `embeddings_main`; and the embedding
thread) and the rate two idle cores would reach if each thread had one
(`two_core_bound_articles_per_s`, a ceiling computed from CPU time, not a measurement).
`--graphs` adds the embedding alone on one thread, shipped ONNX graph against the lean int8
graph the enrichment runs (tasks/enrich/minilm_graph.py), measured side by side. `--keywords`
adds YAKE alone, compiled (yake-rust, what the enrichment runs) against python `yake`: CPU ms
per article and how many of the 10 keywords the two have in common.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import sys
import time
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.enrich.batch import StepTimes, enrich_articles  # noqa: E402
from tasks.enrich.embeddings import MAX_WINDOWS, embed_texts, load_embedder  # noqa: E402
from tasks.enrich.entities import load_nlp  # noqa: E402
from tasks.enrich.geo import resolve_place  # noqa: E402
from tasks.enrich.keywords import extract_keywords  # noqa: E402
from tasks.enrich.language import detect_language  # noqa: E402
from tasks.enrich.tone import score_tone  # noqa: E402

SWAPS = [
    ("Putin", "Erdogan"), ("Assad", "Sisi"), ("Syria", "Libya"), ("Cairo", "Tunis"),
    ("Ankara", "Athens"), ("Trenin", "Kortunov"), ("TASS", "Interfax"), ("Russian", "Turkish"),
]


def seed_bodies() -> list[str]:
    bodies = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        lines = [l for l in raw.splitlines() if not l.startswith(("#", "**", "Original url", "<http", "http"))]
        bodies.append(re.sub(r"\[([^\]]*)\]\(#\)", r"\1", "\n".join(lines)).strip())
    return bodies


def build_articles(n: int, seed: int = 7) -> pa.Table:
    """n distinct article bodies: seed variants with dropped/reordered paragraphs and swapped names."""
    rng = random.Random(seed)
    bases = seed_bodies()
    bodies = []
    for i in range(n):
        paragraphs = [p for p in bases[i % len(bases)].split("\n\n") if p.strip()]
        keep = max(4, int(len(paragraphs) * rng.uniform(0.6, 1.0)))
        head, rest = paragraphs[:2], paragraphs[2:]
        rng.shuffle(rest)
        body = "\n\n".join(head + rest[: keep - 2])
        for old, new in rng.sample(SWAPS, rng.randint(0, 4)):
            body = body.replace(old, new)
        bodies.append(body + f"\n\nStory {i}.")
    return pa.table({
        "article_id": [f"bench-{i:05d}" for i in range(n)],
        "body": bodies,
        "language": [None] * n,
        "title": [b.split("\n", 1)[0][:80] for b in bodies],
    })


def load_models() -> float:
    started = time.perf_counter()
    detect_language("warm up the language identifier")
    load_nlp()
    load_embedder(0)
    resolve_place("Syria")
    extract_keywords("warm up yake with a sentence")
    score_tone("warm up vader.")
    return time.perf_counter() - started


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _machine_busy_seconds() -> float | None:
    """CPU seconds all processes on the machine have used (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = [int(x) for x in handle.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def run(articles: pa.Table, mode: str, max_windows: int) -> dict:
    timings = StepTimes()
    load_before = os.getloadavg()[0]
    busy_before = _machine_busy_seconds()
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    tables = enrich_articles(articles, "bench", parallel=mode, workers=2, max_windows=max_windows, timings=timings)
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    busy_after = _machine_busy_seconds()
    others = None if busy_before is None or busy_after is None else max(0.0, busy_after - busy_before - cpu)
    n = articles.num_rows
    main_ms = 1000 * sum(v for k, v in timings.cpu_seconds.items() if k != "embeddings") / n
    embed_ms = 1000 * timings.cpu_seconds.get("embeddings", 0.0) / n
    # Per-step seconds are summed over workers in "processes" mode; in "threads" mode the
    # embedding runs beside the other steps, so only its leftover wait shows.
    return {
        "mode": mode,
        "max_windows": max_windows,
        "articles": n,
        "seconds": round(elapsed, 2),
        "articles_per_s": round(n / elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        # What 2 uncontended cores would give if the work split evenly: a ceiling, not a measurement.
        "articles_per_cpu_s_x2": round(2 * n / cpu, 2),
        "cpu_ms_per_article": round(1000 * cpu / n, 1),
        "thread_cpu_ms_per_article": {"main": round(main_ms, 1), "embeddings": round(embed_ms, 1)},
        # threads mode: each thread on its own idle core, the slower one sets the pace.
        "two_core_bound_articles_per_s": round(1000 / max(main_ms, embed_ms), 1) if mode == "threads" else None,
        "loadavg_1m_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        # Cores other processes kept busy during the run, on average: the wall-clock rate
        # above had only what they left.
        "other_processes_cores_busy": None if others is None else round(others / elapsed, 2),
        "step_seconds": {k: round(v, 2) for k, v in timings.seconds.items()},
        "step_articles_per_s": {k: round(n / v, 1) for k, v in timings.seconds.items() if v > 0},
        "step_cpu_ms_per_article": {k: round(1000 * v / n, 1) for k, v in timings.cpu_seconds.items()},
        "rows": {name: t.num_rows for name, t in tables.items()},
    }


def compare_graphs(articles: pa.Table, max_windows: int) -> dict:
    """Embedding CPU ms per article on one thread: the shipped graph against the lean int8 one."""
    texts = articles.column("body").to_pylist()
    out = {}
    for graph in ("shipped", "quantized"):
        embed_texts(texts[:2], 1, max_windows, graph=graph)  # load and warm up
        cpu = time.thread_time()
        vectors = embed_texts(texts, 1, max_windows, graph=graph)
        out[graph] = {"cpu_ms_per_article": round(1000 * (time.thread_time() - cpu) / len(texts), 1)}
        out[graph]["vectors"] = vectors
    cosines = (out["shipped"].pop("vectors") * out["quantized"].pop("vectors")).sum(axis=1)
    out["speedup"] = round(out["shipped"]["cpu_ms_per_article"] / out["quantized"]["cpu_ms_per_article"], 2)
    out["cosine_min_mean"] = [round(float(cosines.min()), 4), round(float(cosines.mean()), 4)]
    return out


def compare_keywords(articles: pa.Table) -> dict:
    """YAKE CPU ms per article, compiled against python yake, and the keywords they share."""
    from tasks.enrich import keywords
    from tasks.enrich.textmap import clean_text

    texts = [clean_text(body).text for body in articles.column("body").to_pylist()]
    compiled = keywords._candidates

    def python_yake(text: str, language: str, n: int) -> list[tuple[str, float]]:
        return [(k, float(s)) for k, s in keywords._python_extractor(language, n).extract_keywords(text)]

    out, found = {}, {}
    for name, candidates in (("yake_rust", compiled), ("python_yake", python_yake)):
        keywords._candidates = candidates
        try:
            extract_keywords(texts[0])  # warm up
            cpu = time.thread_time()
            found[name] = [{k.casefold() for k, _ in extract_keywords(text)} for text in texts]
            out[name] = {"cpu_ms_per_article": round(1000 * (time.thread_time() - cpu) / len(texts), 2)}
        finally:
            keywords._candidates = compiled
    shared = [len(a & b) for a, b in zip(found["yake_rust"], found["python_yake"])]
    out["speedup"] = round(out["python_yake"]["cpu_ms_per_article"] / out["yake_rust"]["cpu_ms_per_article"], 1)
    out["mean_keywords_in_common_of_10"] = round(sum(shared) / len(shared), 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--mode", default="threads", choices=["threads", "serial", "processes", "all"])
    parser.add_argument("--max-windows", type=int, default=MAX_WINDOWS)
    parser.add_argument("--graphs", action="store_true", help="also compare the embedding graphs")
    parser.add_argument("--keywords", action="store_true", help="also compare yake-rust with python yake")
    args = parser.parse_args()
    articles = build_articles(args.n)
    body_chars = sum(len(b) for b in articles.column("body").to_pylist()) / args.n
    report = {
        "cpus": os.cpu_count(),
        "n": args.n,
        "mean_body_chars": round(body_chars),
        "model_load_seconds": round(load_models(), 2),
        "runs": [],
    }
    # Unmeasured warm-up batch: first-call costs (YAKE/VADER lazy tables, ORT arenas).
    enrich_articles(articles.slice(0, 4), "warmup", parallel="serial")
    modes = ["serial", "threads", "processes"] if args.mode == "all" else [args.mode]
    for mode in modes:
        report["runs"].append(run(articles, mode, args.max_windows))
    if args.graphs:
        report["embedding_graphs_one_thread"] = compare_graphs(articles, args.max_windows)
    if args.keywords:
        report["keywords_one_thread"] = compare_keywords(articles)
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report["peak_rss_children_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
