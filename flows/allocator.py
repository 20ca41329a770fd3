"""The memory allocator of a long-lived newsflow process: mimalloc when it is installed, else glibc's.

A process that writes runs for hours (a `newsflow poll` loop, a long benchmark) grows slower
with age on glibc's malloc: after 2,200 runs, a run in the aged process cost 1.11x the same run
in a fresh one (bench_steady's `this_process_over_fresh`; docs/BENCHMARK_LOG.md, sessions 17
and 18). Python's objects stay flat and a new DuckDB instance does not help; with jemalloc or
mimalloc preloaded the aged process ran as fast as fresh ones (0.91x, 0.96x), and a poll loop's
warehouse part grew 1.6-1.7x over 500 cycles on glibc, 0.94-1.13x on mimalloc. So the age points
at glibc's malloc, which serves the small allocations of DuckDB and its SQLite catalog.

An allocator has to be in place before the process's first malloc, so a `newsflow poll` loop
(flows/cli_poll.py) re-executes itself once, at its start, with mimalloc (the `cmeel-mimalloc`
wheel, pinned in pyproject.toml) in LD_PRELOAD and MIMALLOC_PURGE_DELAY=0 (freed pages go back to
the OS at once: the loop's memory stays at glibc's). The process keeps its id (signals, pid files)
and its arguments; the processes it starts inherit both variables. Only the loop: a process that
lives for one run or one cycle (`newsflow run`, `poll --once`, each run `newsflow serve` starts)
never ages, so it keeps the system's allocator (docs/POLLING.md has the fleet figures; whether
mimalloc would cost it CPU was not settled). `NEWSFLOW_ALLOCATOR=system` keeps glibc's malloc; a
library already preloaded under a name with "malloc" in it (jemalloc, tcmalloc) is left as the
user set it.
"""

from __future__ import annotations

import ctypes
import os
import sys
from importlib import metadata
from pathlib import Path

ENV = "NEWSFLOW_ALLOCATOR"
SYSTEM = "system"
MIMALLOC = "mimalloc"
MIMALLOC_DISTRIBUTION = "cmeel-mimalloc"
MIMALLOC_FILE = "cmeel.prefix/lib/libmimalloc.so"
PURGE_DELAY = "MIMALLOC_PURGE_DELAY"


def mimalloc_library() -> Path | None:
    """The installed mimalloc shared library, or None (not Linux, or the wheel is absent)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        path = Path(str(metadata.distribution(MIMALLOC_DISTRIBUTION).locate_file(MIMALLOC_FILE)))
    except metadata.PackageNotFoundError:
        return None
    return path if path.is_file() else None


def preload_environment(environ: dict[str, str], library: Path | None) -> dict[str, str] | None:
    """The environment to re-execute with, or None when this process should stay as it is."""
    choice = environ.get(ENV, MIMALLOC).strip().lower()
    if choice not in (MIMALLOC, SYSTEM):
        raise ValueError(f"{ENV}={environ[ENV]!r}: expected {MIMALLOC!r} or {SYSTEM!r}")
    if choice == SYSTEM or library is None:
        return None
    preloaded = environ.get("LD_PRELOAD", "")
    if "malloc" in preloaded:  # ours (the re-executed process) or the user's own allocator
        return None
    # mimalloc 3 hands freed pages back to the OS after a second, and only when the freeing thread
    # allocates again: a poll loop then held ~130 MB more than on glibc after 500 cycles; at 0 it
    # returns them as they empty (docs/DESIGN.md). A value the user set stays.
    return {PURGE_DELAY: "0", **environ, "LD_PRELOAD": " ".join(filter(None, [str(library), preloaded]))}


def ensure_preferred() -> None:
    """Re-execute this process with mimalloc preloaded when it is installed and not yet in use.

    Call it early: when it re-executes it does not return, and the new process starts over with
    the same arguments. A bad NEWSFLOW_ALLOCATOR value is a usage error (exit 2)."""
    try:
        environment = preload_environment(dict(os.environ), mimalloc_library())
    except ValueError as error:
        print(f"newsflow: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    if environment is None:
        return
    arguments = list(getattr(sys, "orig_argv", None) or [sys.executable, *sys.argv])
    os.execve(sys.executable, arguments, environment)


def active() -> str:
    """The allocator serving this process's malloc: 'mimalloc 3.4.3' or 'glibc 2.36'."""
    process = ctypes.CDLL(None)
    if hasattr(process, "mi_version"):
        version = process.mi_version()
        return f"mimalloc {version // 10000}.{version // 100 % 100}.{version % 100}"
    if "jemalloc" in os.environ.get("LD_PRELOAD", ""):
        return "jemalloc"
    try:
        process.gnu_get_libc_version.restype = ctypes.c_char_p
        return "glibc " + process.gnu_get_libc_version().decode()
    except AttributeError:
        return "system"
