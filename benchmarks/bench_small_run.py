"""A small manual run's wall time, with Prefect's flow-run heartbeat and without it.

    .venv/bin/python benchmarks/bench_small_run.py              # 14 runs counted (7 each), alternating
    .venv/bin/python benchmarks/bench_small_run.py --runs 8

Each run is `news_pipeline` in this process (as `newsflow run` makes it) over the two seed
documents, each time with a line of its own so every run writes something, into one warehouse,
against one temporary Prefect server. Runs alternate between Prefect's default (a heartbeat
thread that sleeps in one-second steps and that the run's end waits for) and
`flows.heartbeats.without_heartbeats()` (what `newsflow run`, `poll` and `reprocess` use), so
both see the same machine and the same warehouse growth. The first two runs (one of each) warm
up and are not counted. Prints JSON: each run's seconds and the medians' ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.measure import emit  # noqa: E402

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def measure(runs: int, folder: Path, start_server: bool = True) -> dict:
    """`start_server`: a temporary Prefect server for these runs (else the one configured)."""
    from prefect.testing.utilities import prefect_test_harness

    from flows.heartbeats import without_heartbeats
    from flows.pipeline import news_pipeline
    from warehouse.lake import close_instances

    seconds: dict[str, list[float]] = {"prefect_default": [], "without_heartbeats": []}
    warehouse = str(folder / "wh")
    try:
        with prefect_test_harness(server_startup_timeout=120) if start_server else nullcontext():
            for i in range(runs + 2):
                mode = "without_heartbeats" if i % 2 else "prefect_default"
                inputs = folder / f"run-{i}"
                inputs.mkdir()
                for seed in sorted(SEEDS.glob("*.txt")):
                    (inputs / seed.name).write_bytes(seed.read_bytes() + f"\n\nRun {i}.\n".encode())
                started = time.perf_counter()
                with without_heartbeats() if mode == "without_heartbeats" else nullcontext():
                    news_pipeline([str(inputs)], warehouse)
                if i >= 2:
                    seconds[mode].append(round(time.perf_counter() - started, 3))
    finally:
        close_instances()
    medians = {mode: round(statistics.median(values), 3) for mode, values in seconds.items()}
    return {"runs_each": len(seconds["prefect_default"]), "documents_per_run": len(list(SEEDS.glob("*.txt"))),
            "seconds": seconds, "median_s": medians,
            "default_over_without": round(medians["prefect_default"] / medians["without_heartbeats"], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=14, help="runs counted, half of each kind")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nf-small-run-") as tmp:
        result = measure(args.runs, Path(tmp))
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
