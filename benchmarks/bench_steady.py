"""Steady state: many consecutive small runs into one local warehouse, as a schedule makes them.

    .venv/bin/python benchmarks/bench_steady.py                       # 2,000 runs of 5 documents
    .venv/bin/python benchmarks/bench_steady.py --runs 300 --enrich   # with real enrichment

Each run is the flow's own code without Prefect around it: documents (30% renditions of
recent stories, benchmarks/corpus.py) → normalize → enrichment (a no-op unless --enrich: its
speed is bench_enrich.py's business) → `flows.run_steps.write_run` (writer lock, lookups,
dedup, one transaction, upkeep). Every 10th run is also followed by an idle poll: a run with
only a fetch_log row. Prints JSON: medians of early and late windows, the warehouse part of a
run, idle polls, `count(*)` on stories at the end, the rows the dedup lookups read (EXPLAIN
ANALYZE), the Parquet files on disk and the process's memory after the early window and after the
last run (`rss_mb`: it must not grow with the runs). No manual command is run. The process runs
as a `newsflow poll` loop does, on mimalloc unless NEWSFLOW_ALLOCATOR=system (flows/allocator.py;
`allocator` in the JSON); the processes it starts inherit that.

The windows are minutes apart, and a shared machine's speed drifts by ±20% in that time. So the
lake is also copied as the early window leaves it, and after the last run `--paired` more runs
write the same documents into both lakes, alternating: `paired.final_over_early` is the growth
measured side by side. `calibration_ms_median`: a fixed piece of work timed after every 10th run, in
each window and during the paired runs, so a window's figures can be read against the machine's
speed at the time. `reference_run`: with it, the same 5 documents written into a new copy of the
lake as run 50 left it, a run whose work never changes; `run_late_over_early_on_reference` is the
sequential ratio divided by the reference run's own late/early ratio (the machine's drift, and the
age of this process, measured on a run's kind of work). The figures taken at the end (`count(*)`, files, the look-up plan) come
after the paired runs, so from a lake of `--runs` + `--paired` runs.

`fresh_processes` (`--fresh-rounds`): then both lakes are measured by profile_run.py, each in a
process of its own (as Prefect's runner runs every flow run), alternating: a run's warehouse
part on the lake's size alone, without the age of this long benchmark process; and the early lake
the same way inside this process, in turn with them (`this_process_over_fresh`: the process's age).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import corpus  # noqa: E402
from benchmarks.measure import cpu_seconds, current_rss_mb, emit, peak_rss_mb  # noqa: E402
from flows.allocator import active as active_allocator, ensure_preferred  # noqa: E402


def median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 1) if values else float("nan")


def window(values: list[float], start: int, end: int) -> list[float]:
    return values[start:end]


def run_steady(runs: int, docs: int, renditions: float, enrich: bool, seed: int, folder: Path,
               retention_seconds: float | None = None, paired: int = 100, fresh_rounds: int = 0) -> dict:
    from warehouse.lake import Warehouse
    from warehouse.maintenance import live_file_counts

    retention = timedelta(seconds=retention_seconds) if retention_seconds else None
    wh = Warehouse(folder / "wh", retention=retention)
    maker = corpus.StoryMaker(seed)
    rng = random.Random(seed)
    run_s, warehouse_s, idle_s, cpu_s = [], [], [], []
    speed = Calibration(enrich)
    early = (50, min(150, runs)) if runs >= 200 else (0, runs // 2)
    late = (max(runs - 100, 0), runs)
    early_copy = None
    rss = {}
    for n in range(runs):
        if n == max(early[0], 1):  # the reference run's lake and documents: the next run's, as of now
            speed.keep_reference(folder / "wh", folder / "wh-reference",
                                 _documents(copy.deepcopy(maker), copy.deepcopy(rng), docs, renditions, n))
        raws = _documents(maker, rng, docs, renditions, n)
        wall, in_warehouse, cpu = _run(wh, raws, enrich)
        run_s.append(wall)
        warehouse_s.append(in_warehouse)
        cpu_s.append(cpu)
        if n % 10 == 9:  # an idle poll: the feed answered 304, only its fetch_log row is new
            idle_s.append(_idle_poll(wh, n))
            speed.take(n)
        if n + 1 == early[1]:
            rss["after_early_window"] = current_rss_mb()
        if paired and n + 1 == early[1]:  # the lake as the early window left it, for the paired runs
            early_copy = folder / "wh-early"
            shutil.copytree(folder / "wh", early_copy)
        if (n + 1) % max(1, runs // 20) == 0:
            print(f"run {n + 1}/{runs}: {median_ms(run_s[-50:])} ms median of the last 50", file=sys.stderr, flush=True)
    rss["after_last_run"] = current_rss_mb()
    # stories of their own: renditions of the main runs' stories would find matches in the final
    # lake only, and spare the early one the work of updating a story
    pairs = _paired_runs(wh, Warehouse(early_copy, retention=retention), corpus.StoryMaker(seed + 1), rng, docs, renditions,
                         enrich, paired, runs, speed) if early_copy else None
    fresh = _fresh_processes(folder / "wh", early_copy, enrich, fresh_rounds) if early_copy and fresh_rounds else None

    count_times = []
    for _ in range(5):
        t0 = time.perf_counter()
        with wh.reading() as con:
            t1 = time.perf_counter()
            stories = con.execute("SELECT count(*) FROM stories").fetchone()[0]
            t2 = time.perf_counter()
        count_times.append((t1 - t0, t2 - t1))
    con = wh.connect(read_only=False)  # not the locked-down reader: profiling is a setting
    plan = _lookup_plan(con)
    articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    live = live_file_counts(con)
    con.close()
    files_on_disk = sum(1 for _ in Path(wh.data_path).rglob("*.parquet"))
    result = {
        "runs": runs, "documents_per_run": docs, "renditions": renditions, "enrichment": enrich, "allocator": active_allocator(),
        "snapshot_retention_seconds": retention_seconds,
        "articles": articles, "stories": stories,
        "run_ms_median": {f"runs_{early[0] + 1}_{early[1]}": median_ms(window(run_s, *early)),
                          f"runs_{late[0] + 1}_{late[1]}": median_ms(window(run_s, *late))},
        "late_over_early": round(statistics.median(window(run_s, *late)) / statistics.median(window(run_s, *early)), 3),
        "warehouse_ms_median": {"early": median_ms(window(warehouse_s, *early)), "late": median_ms(window(warehouse_s, *late)),
                                "all": median_ms(warehouse_s)},
        "run_cpu_ms_median": {"early": median_ms(window(cpu_s, *early)), "late": median_ms(window(cpu_s, *late))},
        "calibration_ms_median": {"early": median_ms(speed.within(*early)), "late": median_ms(speed.within(*late))},
        "reference_run": _reference_figures(speed, early, late, run_s),
        "paired": pairs,
        "fresh_processes": fresh,
        "idle_poll_ms_median": {"early": median_ms(idle_s[: len(idle_s) // 10 or 1]), "late": median_ms(idle_s[-(len(idle_s) // 10 or 1):])},
        "count_stories_ms": {"query_only_best": round(min(q for _, q in count_times) * 1000, 1),
                             "connect_and_query_median": round(statistics.median(a + q for a, q in count_times) * 1000, 1)},
        "parquet_files": {"live": sum(live.values()), "on_disk": files_on_disk},
        "dedup_lookup_plan": plan,
        "rss_mb": rss,
        "peak_rss": peak_rss_mb(),
    }
    return result


class Calibration:
    """The machine's speed while the benchmark runs, taken after every 10th run:

    - `measure()`: a fixed piece of work (small DuckDB statements, like a run's, and a Python loop);
    - once `keep_reference()` has kept the lake as it stood at the start of the early window, a
      *reference run*: the same 5 documents written into a new copy of that lake, each time (a new
      DuckDB instance, warmed by a connection before the clock starts). Its work never changes, so
      its time moves with the machine only, and it moves as a run does (the small loop above drifts
      less than runs do: memory-bound work feels a busy neighbour more).

    A shared machine here drifts by ±30% over minutes; a window's figures read beside these tell
    the lake's growth from the machine's drift (the paired runs measure the growth directly)."""

    def __init__(self, enrich: bool) -> None:
        import duckdb

        self.con = duckdb.connect()
        self.con.execute("SET threads = 1")
        self.enrich = enrich
        self.taken: list[tuple[int, float]] = []  # (run index, seconds)
        self.reference_runs: list[tuple[int, float]] = []  # (run index, seconds of the reference run)
        self.reference: tuple[Path, list] | None = None  # (the kept lake, its documents)

    def measure(self) -> float:
        t0 = time.perf_counter()
        for i in range(40):
            self.con.execute(f"SELECT count(*) FROM range(20000) t(v) WHERE v % 7 = {i % 7}").fetchone()
        total = 0
        for i in range(100_000):
            total += i * i % 13
        return time.perf_counter() - t0

    def keep_reference(self, lake: Path, kept: Path, raws: list) -> None:
        shutil.copytree(lake, kept)
        self.reference = (kept, raws)

    def reference_run(self) -> float:
        from warehouse.lake import Warehouse, close_instances

        kept, raws = self.reference
        scratch = kept.with_name(kept.name + "-run")
        shutil.copytree(kept, scratch)
        wh = Warehouse(scratch)  # the default retention: no snapshot expires during the benchmark
        try:
            wh.connect(read_only=False).close()  # the instance opened (extensions, ATTACH) off the clock
            return _run(wh, raws, self.enrich)[0]
        finally:
            close_instances(wh)
            shutil.rmtree(scratch)

    def take(self, run: int) -> None:
        self.taken.append((run, self.measure()))
        if self.reference is not None:
            self.reference_runs.append((run, self.reference_run()))

    def within(self, start: int, end: int) -> list[float]:
        return [t for run, t in self.taken if start <= run < end]

    def reference_within(self, start: int, end: int) -> list[float]:
        return [t for run, t in self.reference_runs if start <= run < end]


KINDS = ("markdown", "wrapped", "wire", "json")
BASE = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _documents(maker, rng: random.Random, docs: int, renditions: float, n: int) -> list:
    from tasks.records import RawDocument

    raws = []
    for d in range(docs):
        story, _copy = maker.pick(renditions)
        text = corpus.render_document(story, rng.choice(KINDS), rng)
        raws.append(RawDocument(uri=f"file:///feeds/run{n:05d}/doc{d}.txt", content=text.encode(), source="steady",
                                fetched_at=BASE + timedelta(minutes=15 * n)))
    return raws


def _run(wh, raws: list, enrich: bool) -> tuple[float, float, float]:
    """One scheduled run as the flow makes it: (wall seconds, seconds in the warehouse, CPU seconds)."""
    from flows.run_steps import ENRICH_INPUT, drop_stored, new_load_id, stored_enrichment, write_run
    from tasks.enrich.batch import TABLES as ENRICH_TABLES
    from tasks.enrich.stage import enrich_new_articles
    from tasks.ingest import documents_table
    from tasks.normalize.batch import normalize_documents
    from warehouse import schemas

    cpu0, t0 = cpu_seconds(), time.perf_counter()
    started = datetime.now(timezone.utc)
    load_id = new_load_id(started)
    documents = documents_table(raws, load_id)
    w0 = time.perf_counter()
    documents, checked_at = drop_stored(wh, documents)
    w_pre = time.perf_counter() - w0
    normalized = normalize_documents(documents, load_id)
    if enrich:  # as flows.run_steps.enrich_articles does, without a flow's task runner
        w0 = time.perf_counter()
        copies, rows = stored_enrichment(wh, normalized.articles)  # a warehouse read: counted as one
        w_pre += time.perf_counter() - w0
        enrichment = enrich_new_articles(normalized.articles.select(ENRICH_INPUT), copies, rows, load_id)
        enrichment.pop("_failed")
    else:
        enrichment = {name: schemas.empty(schemas.TABLES[name]) for name in ENRICH_TABLES}
    w0 = time.perf_counter()
    write_run(wh, load_id, started, "steady", documents, normalized, enrichment, list(normalized.rejects), [], len(raws), {},
              checked_at=checked_at)
    in_warehouse = w_pre + time.perf_counter() - w0
    return time.perf_counter() - t0, in_warehouse, cpu_seconds() - cpu0


def _idle_poll(wh, n: int) -> float:
    from flows.run_steps import new_load_id, write_run
    from tasks.enrich.batch import TABLES as ENRICH_TABLES
    from tasks.ingest import documents_table
    from tasks.normalize.batch import normalize_documents
    from warehouse import schemas

    t0 = time.perf_counter()
    idle_load = new_load_id(datetime.now(timezone.utc))
    empty = documents_table([], idle_load)
    fetch = [{"source": "steady", "url": "https://example.org/feed.xml", "etag": f'"{n}"', "status": 304,
              "fetched_at": datetime.now(timezone.utc), "document_id": None}]
    nothing = normalize_documents(empty, idle_load)
    write_run(wh, idle_load, datetime.now(timezone.utc), "steady", empty, nothing,
              {name: schemas.empty(schemas.TABLES[name]) for name in ENRICH_TABLES}, [], fetch, 0, {})
    return time.perf_counter() - t0


def _paired_runs(final, early, maker, rng: random.Random, docs: int, renditions: float, enrich: bool, pairs: int, first: int,
                 speed: Calibration) -> dict:
    """The same new documents written into the final lake and into the copy kept at the end of the
    early window, one run each, alternating which goes first: the growth of a run's cost without
    the drift of a shared machine over the benchmark's minutes (both sides run under the same load)."""
    times: dict[str, list[float]] = {"early_lake": [], "final_lake": []}
    for i in range(pairs):
        raws = _documents(maker, rng, docs, renditions, first + i)
        for name, wh in (("final_lake", final), ("early_lake", early))[:: 1 if i % 2 else -1]:
            times[name].append(_run(wh, raws, enrich)[1])
        if i % 10 == 9:
            speed.take(first + i)
    return {"pairs": pairs, "warehouse_ms_median": {k: median_ms(v) for k, v in times.items()},
            "calibration_ms_median": median_ms(speed.within(first, first + pairs) or [speed.measure()]),
            "final_over_early": round(statistics.median(times["final_lake"]) / statistics.median(times["early_lake"]), 3)}


PROFILE_SEED = 99  # the documents of the fresh-process measurements, the same in and out of this process


def _fresh_processes(final: Path, early: Path, enrich: bool, rounds: int, runs: int = 30) -> dict:
    """Each lake measured by profile_run.py (a copy, `runs` runs) in a process of its own,
    `rounds` times, alternating which goes first: medians of the warehouse part of a run. Between
    them, the early lake measured the same way inside this process, which has made every run of
    the benchmark: `this_process_over_fresh` is what the process's age costs a run, side by side."""
    from benchmarks.profile_run import profile

    times: dict[str, list[float]] = {"early_lake": [], "final_lake": [], "early_lake_in_this_process": []}
    for i in range(rounds):
        order = ("final_lake", "early_lake", "early_lake_in_this_process")
        for name in order[i % 3:] + order[:i % 3]:
            if name == "early_lake_in_this_process":
                times[name].append(profile(early, runs, seed=PROFILE_SEED, enrich=enrich)["warehouse_ms_median"])
                continue
            lake = final if name == "final_lake" else early
            command = [sys.executable, str(HERE / "profile_run.py"), str(lake), "--runs", str(runs), "--seed", str(PROFILE_SEED)]
            command += ["--enrich"] if enrich else []
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            times[name].append(json.loads(done.stdout)["warehouse_ms_median"])
    medians = {name: round(statistics.median(v), 1) for name, v in times.items()}
    return {"rounds": rounds, "runs_each": runs, "warehouse_ms": times, "warehouse_ms_median": medians,
            "final_over_early": round(medians["final_lake"] / medians["early_lake"], 3),
            "this_process_over_fresh": round(medians["early_lake_in_this_process"] / medians["early_lake"], 3)}


def _reference_figures(speed: Calibration, early: tuple[int, int], late: tuple[int, int], run_s: list[float]) -> dict:
    """The reference run's medians in both windows, and the sequential ratio read against them:
    `late_over_early` divided by how much slower the machine ran the same reference run late."""
    in_early, in_late = speed.reference_within(*early), speed.reference_within(*late)
    if not in_early or not in_late:
        return {}
    machine = statistics.median(in_late) / statistics.median(in_early)
    sequential = statistics.median(window(run_s, *late)) / statistics.median(window(run_s, *early))
    return {"ms_median": {"early": median_ms(in_early), "late": median_ms(in_late)}, "measurements": len(speed.reference_runs),
            "late_over_early": round(machine, 3), "run_late_over_early_on_reference": round(sequential / machine, 3)}


def _lookup_plan(con) -> dict:
    """Rows the dedup lookups read for one probe band, and the rows the table holds: EXPLAIN ANALYZE."""
    band = con.execute("SELECT band FROM fingerprint_bands LIMIT 1").fetchone()
    if band is None:
        return {}
    total = con.execute("SELECT count(*) FROM fingerprint_bands").fetchone()[0]
    con.execute("PRAGMA enable_profiling = 'json'")
    con.execute("PRAGMA profiling_output = ''")
    profile = con.execute(f"EXPLAIN ANALYZE SELECT article_id FROM fingerprint_bands WHERE band = {int(band[0])}").fetchall()
    con.execute("PRAGMA disable_profiling")
    scanned = _scanned_rows(json.loads(profile[0][1])) if profile and profile[0][1].lstrip().startswith("{") else None
    return {"fingerprint_bands_rows": total, "rows_scanned_for_one_band": scanned}


def _scanned_rows(node: dict) -> int:
    own = node.get("operator_cardinality", 0) if "SCAN" in str(node.get("operator_name", node.get("operator_type", ""))) else 0
    return own + sum(_scanned_rows(c) for c in node.get("children", []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2_000)
    parser.add_argument("--docs", type=int, default=5)
    parser.add_argument("--renditions", type=float, default=0.3)
    parser.add_argument("--enrich", action="store_true", help="real enrichment (models load once)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--retention-seconds", type=float,
                        help="snapshot retention (default: upkeep's 7 days). A run every 15 minutes keeps 672 "
                             "snapshots in 7 days; at this benchmark's pace that is a few minutes")
    parser.add_argument("--paired", type=int, default=100,
                        help="then this many runs of the same documents into the final lake and a copy of the lake after "
                             "the early window, alternating (0: none)")
    parser.add_argument("--fresh-rounds", type=int, default=3,
                        help="then measure both lakes this many times each in processes of their own (0: not)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument("--keep", type=Path, help="build the warehouse in this new folder (KEEP/wh) and keep it, to look into it")
    args = parser.parse_args(argv)
    from flows.stdio import stdout_to_stderr

    with stdout_to_stderr():  # stdout is for the JSON (enrichment's libraries print)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=False)
            result = run_steady(args.runs, args.docs, args.renditions, args.enrich, args.seed, args.keep, args.retention_seconds,
                                args.paired, args.fresh_rounds)
        else:
            with tempfile.TemporaryDirectory(prefix="nf-steady-") as tmp:
                result = run_steady(args.runs, args.docs, args.renditions, args.enrich, args.seed, Path(tmp), args.retention_seconds,
                                    args.paired, args.fresh_rounds)
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    ensure_preferred()  # as a `newsflow poll` loop runs: mimalloc unless NEWSFLOW_ALLOCATOR=system (flows/allocator.py)
    sys.exit(main())
