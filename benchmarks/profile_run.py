"""Where a run's warehouse time goes, statement by statement, on a copy of a kept lake.

    .venv/bin/python benchmarks/bench_steady.py --runs 2000 --retention-seconds 220 --paired 0 --keep /tmp/lake
    .venv/bin/python benchmarks/profile_run.py /tmp/lake/wh --runs 30

Copies the lake (the original is left as it is), makes `--runs` runs of 5 new documents into the
copy as bench_steady does, and times every statement the warehouse code sends to DuckDB (from
`execute` to the end of fetching its result), grouped by the statement's first words. Prints
JSON: per statement kind, its calls per run and median milliseconds per run, sorted by cost,
beside the median warehouse part of a run. Upkeep is timed apart (`upkeep_ms`): it does work
every few runs, so its mean per run is what a run pays for it.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import corpus  # noqa: E402
from benchmarks.bench_steady import _documents, _run  # noqa: E402
from benchmarks.measure import emit  # noqa: E402
from flows.allocator import active as active_allocator  # noqa: E402

_FETCHES = ("fetchone", "fetchall", "fetchmany", "to_arrow_table", "fetch_arrow_table", "arrow", "df", "fetchdf")


class _TimedConnection:
    """A DuckDB connection that adds each statement's time (execute + fetch) to `times[label]`."""

    def __init__(self, con, times: dict[str, float], calls: dict[str, int]) -> None:
        self._con, self._times, self._calls = con, times, calls
        self._open: tuple[str, float] | None = None

    def execute(self, sql: str, *args, **kwargs):
        self._finish()
        self._open = (label(sql), time.perf_counter())
        self._con.execute(sql, *args, **kwargs)
        return self

    def _finish(self) -> None:
        if self._open is not None:
            name, t0 = self._open
            self._times[name] += time.perf_counter() - t0
            self._calls[name] += 1
            self._open = None

    def __getattr__(self, name: str):
        attr = getattr(self._con, name)
        if name in _FETCHES:
            def fetched(*args, **kwargs):
                try:
                    return attr(*args, **kwargs)
                finally:
                    self._finish()
            return fetched
        return attr

    def close(self) -> None:
        self._finish()
        self._con.close()


def label(sql: str) -> str:
    """A statement's kind: its first words and the tables it names."""
    text = " ".join(sql.split())
    head = " ".join(text.split()[:2])
    tables = sorted(set(re.findall(r'(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(?:lake\.)?"?([a-z_]+)"?', text, flags=re.I)) - {"select", "unnest"})
    return f"{head} [{', '.join(tables)}]" if tables else head[:60]


def profile(lake: Path, runs: int, seed: int, enrich: bool = False) -> dict:
    from warehouse import lake as lake_module
    from warehouse import maintenance
    from warehouse.lake import Warehouse

    times: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    real_connect = Warehouse.connect

    def timed_connect(self, *args, **kwargs):
        return _TimedConnection(real_connect(self, *args, **kwargs), times, calls)

    upkeep_s: list[float] = []
    real_upkeep = maintenance.run_upkeep

    def timed_upkeep(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return real_upkeep(*args, **kwargs)
        finally:
            upkeep_s.append(time.perf_counter() - t0)

    with tempfile.TemporaryDirectory(prefix="nf-profile-") as tmp:
        copy = Path(tmp) / "wh"
        shutil.copytree(lake, copy)
        wh = Warehouse(copy)
        maker, rng = corpus.StoryMaker(seed), random.Random(seed)
        Warehouse.connect = timed_connect
        maintenance.run_upkeep = timed_upkeep
        per_run: list[dict[str, float]] = []
        per_call: list[dict[str, int]] = []
        warehouse_s = []
        try:
            for n in range(runs + 1):
                raws = _documents(maker, rng, 5, 0.3, 100_000 + n)
                times.clear()
                calls.clear()
                warehouse_s.append(_run(wh, raws, enrich)[1])
                per_run.append(dict(times))
                per_call.append(dict(calls))
        finally:
            Warehouse.connect = real_connect
            maintenance.run_upkeep = real_upkeep
            lake_module.close_instances()
    per_run, per_call, warehouse_s = per_run[1:], per_call[1:], warehouse_s[1:]  # the first run opens the instance
    kinds = sorted({k for run in per_run for k in run})
    rows = {k: {"calls_per_run": round(statistics.mean(c.get(k, 0) for c in per_call), 2),
                "ms_median": round(statistics.median(r.get(k, 0.0) for r in per_run) * 1000, 1),
                "ms_mean": round(statistics.mean(r.get(k, 0.0) for r in per_run) * 1000, 1)} for k in kinds}
    statements_ms = [sum(r.values()) * 1000 for r in per_run]
    return {
        "lake": str(lake), "runs": runs, "allocator": active_allocator(),
        "warehouse_ms_median": round(statistics.median(warehouse_s) * 1000, 1),
        "warehouse_ms_mean": round(statistics.mean(warehouse_s) * 1000, 1),
        "statements_ms_median": round(statistics.median(statements_ms), 1),
        "upkeep_ms": {"median": round(statistics.median(upkeep_s) * 1000, 1), "mean": round(statistics.mean(upkeep_s) * 1000, 1),
                      "max": round(max(upkeep_s) * 1000, 1)} if upkeep_s else None,
        "statements": dict(sorted(rows.items(), key=lambda kv: -kv[1]["ms_mean"])),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lake", type=Path, help="a kept warehouse folder (bench_steady --keep DIR: DIR/wh)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=99)
    parser.add_argument("--enrich", action="store_true", help="real enrichment, as bench_steady --enrich (a lake it kept)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    from flows.stdio import stdout_to_stderr

    with stdout_to_stderr():  # stdout is for the JSON (enrichment's libraries print)
        result = profile(args.lake, args.runs, args.seed, args.enrich)
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
