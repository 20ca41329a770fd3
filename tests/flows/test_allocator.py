"""flows/allocator.py: a process re-executes itself once with mimalloc preloaded. (That the `newsflow`
command does it first thing: tests/flows/test_serve.py reads the served process's memory map.)"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from flows import allocator

LIBRARY = Path("/opt/lib/libmimalloc.so")

# prints its pid before and after choosing the allocator: one re-execution prints the first line twice
PROBE = (
    "import os, sys; print('pid', os.getpid(), file=sys.stderr, flush=True);"
    "from flows import allocator; allocator.ensure_preferred();"
    "print(os.getpid(), allocator.active())"
)


def _probe(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in (allocator.ENV, "LD_PRELOAD")}
    return subprocess.run([sys.executable, "-c", PROBE], env={**environment, **env}, capture_output=True, text=True, timeout=60)


def test_preload_environment_adds_mimalloc_before_the_users_own_preloads():
    env = allocator.preload_environment({"PATH": "/bin", "LD_PRELOAD": "/lib/libeatmydata.so"}, LIBRARY)
    assert env == {"PATH": "/bin", "LD_PRELOAD": f"{LIBRARY} /lib/libeatmydata.so", "MIMALLOC_PURGE_DELAY": "0"}
    assert allocator.preload_environment({}, LIBRARY) == {"LD_PRELOAD": str(LIBRARY), "MIMALLOC_PURGE_DELAY": "0"}


def test_preload_environment_keeps_the_users_purge_delay():
    env = allocator.preload_environment({"MIMALLOC_PURGE_DELAY": "1000"}, LIBRARY)
    assert env == {"LD_PRELOAD": str(LIBRARY), "MIMALLOC_PURGE_DELAY": "1000"}


@pytest.mark.parametrize("environ", [
    {"LD_PRELOAD": str(LIBRARY)},  # the re-executed process itself: no loop
    {"LD_PRELOAD": "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"},  # the user's own allocator
    {allocator.ENV: "system"},
    {allocator.ENV: " System "},
])
def test_preload_environment_leaves_the_process_alone(environ):
    assert allocator.preload_environment(environ, LIBRARY) is None


def test_preload_environment_without_the_library_keeps_glibc():
    assert allocator.preload_environment({}, None) is None


@pytest.mark.parametrize("library", [LIBRARY, None])
def test_preload_environment_refuses_an_unknown_allocator(library):
    with pytest.raises(ValueError, match="NEWSFLOW_ALLOCATOR='tcmalloc'"):
        allocator.preload_environment({allocator.ENV: "tcmalloc"}, library)


needs_mimalloc = pytest.mark.skipif(allocator.mimalloc_library() is None, reason="cmeel-mimalloc is installed on Linux only")


@needs_mimalloc
def test_the_process_re_executes_once_with_mimalloc_and_keeps_its_pid():
    done = _probe()
    assert done.returncode == 0, done.stderr
    pid, *name = done.stdout.split()
    assert " ".join(name) == f"mimalloc {metadata.version('cmeel-mimalloc')}"
    assert done.stderr.splitlines() == [f"pid {pid}", f"pid {pid}"]


@needs_mimalloc
def test_system_keeps_glibc_without_re_executing():
    done = _probe(**{allocator.ENV: "system"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[1] == "glibc"
    assert len(done.stderr.splitlines()) == 1


def test_an_unknown_allocator_is_a_usage_error():
    done = _probe(**{allocator.ENV: "tcmalloc"})
    assert done.returncode == 2
    assert "NEWSFLOW_ALLOCATOR='tcmalloc'" in done.stderr
