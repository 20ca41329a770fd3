"""Measuring a benchmark section: wall and CPU seconds (with worker processes), rates, peak RSS."""

from __future__ import annotations

import json
import resource
import time
from contextlib import contextmanager
from pathlib import Path


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (fingerprint workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def peak_rss_mb() -> dict:
    """Peak resident memory (MB) of this process, and of its largest child (Linux reports KB)."""
    return {"self_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "largest_child_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}


def current_rss_mb(pid: int | str = "self") -> float:
    """Resident memory (MB) of this process (or of process `pid`) now (Linux)."""
    import os

    with open(f"/proc/{pid}/statm") as statm:
        return round(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


class Timer:
    def __init__(self) -> None:
        self.wall = self.cpu = 0.0


@contextmanager
def timed():
    t = Timer()
    wall, cpu = time.perf_counter(), cpu_seconds()
    yield t
    t.wall, t.cpu = time.perf_counter() - wall, cpu_seconds() - cpu


def rate(n: int, t: Timer, **extra) -> dict:
    return {"docs": n, "seconds": round(t.wall, 3), "cpu_seconds": round(t.cpu, 3),
            "docs_per_s": round(n / max(t.wall, 1e-9), 1), "docs_per_cpu_s": round(n / max(t.cpu, 1e-9), 1), **extra}


def ratio(ours: dict, ref: dict) -> dict:
    return {"wall": round(ours["docs_per_s"] / ref["docs_per_s"], 2), "cpu": round(ours["docs_per_cpu_s"] / ref["docs_per_cpu_s"], 2)}


def emit(result: dict, out: Path | None) -> None:
    """Print a benchmark's JSON report, and also write it to `out` when given."""
    text = json.dumps(result, indent=2)
    print(text)
    if out:
        out.write_text(text + "\n")
