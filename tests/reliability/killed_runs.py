"""The crash test's killed runs, from one process that imports the pipeline once.

    python tests/reliability/killed_runs.py < jobs.json > results.json

Each job is a warehouse folder, the input folder and its kill points (one run each, in order,
e.g. a crash and then a second crash in the rerun), or a `fraction`: the run is killed after
that fraction of the time the quickest `clock` job took to reach its kill point (jobs killed at
the commit, run beside one another as these are: on a slow machine a kill still lands inside
the run). The first job runs alone before the others, with no kill point.
Each run is a child forked from this process (imports and models are loaded already, see
`warm_up`: ~3 s of every run's start) that SIGKILLs itself at its point (`warehouse/faults.py`),
so it dies as a separate `python -c` run would, with nothing of this process's state but
modules: no DuckDB instance, no Prefect client, no thread is open here when it forks.
Two runs at a time, one per core. Prints {"seconds_to_commit": …, "exit_codes": {job name: [exit codes]}} (a
kill: -9).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flows.pipeline import news_pipeline  # noqa: E402
from tasks.enrich.entities import load_nlp  # noqa: E402
from tasks.ingest import documents_table, read_paths  # noqa: E402
from tasks.normalize.batch import normalize_documents  # noqa: E402
from warehouse import faults  # noqa: E402

PARALLEL = 2


def _start(root: str, inputs: str, point: str | None) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:  # the child: quiet, its kill point armed, one run
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        faults._TARGET = point or ""
        news_pipeline([inputs], root)
        code = 0
    finally:
        os._exit(code)


def run_jobs(jobs: list[dict], seconds: dict[str, float] | None = None) -> dict[str, list[int]]:
    """Run the jobs two at a time; returns their exit codes, and puts the seconds each job's first run took in `seconds`."""
    waiting = list(jobs)
    running: dict[int, tuple[dict, list[str | None], float | None, float]] = {}  # pid -> (job, points left, kill time, start)
    codes: dict[str, list[int]] = {job["name"]: [] for job in jobs}

    def start(job: dict, points: list[str | None]) -> None:
        pid = _start(job["root"], job["inputs"], points[0])
        delay, now = job.get("delay"), time.monotonic()
        running[pid] = (job, points[1:], now + delay if delay is not None else None, now)

    while waiting or running:
        while waiting and len(running) < PARALLEL:
            job = waiting.pop(0)
            start(job, list(job["points"]))
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            now = time.monotonic()
            for child, (_, _, kill_at, _) in running.items():
                if kill_at is not None and now >= kill_at:
                    os.kill(child, signal.SIGKILL)
            time.sleep(0.02)
            continue
        job, points, _, started = running.pop(pid)
        if seconds is not None and not codes[job["name"]]:
            seconds[job["name"]] = time.monotonic() - started
        codes[job["name"]].append(os.waitstatus_to_exitcode(status))
        if points:
            start(job, points)
    return codes


def warm_up(inputs: str) -> None:
    """Load here what every run loads, as far as it is safe to fork: the parsers normalize imports
    on first use (normalize a folder's documents once, serially) and the entity model (plain
    Python and numpy). Not the ONNX embedder: its thread pool would not exist in a child."""
    raws, _ = read_paths([inputs])
    normalize_documents(documents_table(raws, "warm-up"), "warm-up", workers=1)
    load_nlp()


def main() -> None:
    uninterrupted, *jobs = json.load(sys.stdin)
    warm_up(uninterrupted["inputs"])
    codes = run_jobs([uninterrupted])
    seconds: dict[str, float] = {}
    codes.update(run_jobs([job for job in jobs if "fraction" not in job], seconds))
    to_commit = min(seconds[job["name"]] for job in jobs if job.get("clock"))
    for job in jobs:
        if "fraction" in job:
            job["delay"] = job["fraction"] * to_commit
    codes.update(run_jobs([job for job in jobs if "fraction" in job]))
    print(json.dumps({"seconds_to_commit": round(to_commit, 2), "exit_codes": codes}))


if __name__ == "__main__":
    main()
