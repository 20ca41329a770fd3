"""Shared fixtures: paths, a Prefect test server for flow tests, small warehouses."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import sqlite3
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# a loaded 2-core machine can take over the default 20 s to start the temporary server
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

# Prefect's temporary servers (a `newsflow run` with no server configured) keep their database in
# PREFECT_HOME: the suite's own, not the user's ~/.prefect. `prefect_harness` puts a migrated
# database there, so they start without migrating (~9 s each on 2 cores).
if "PREFECT_HOME" not in os.environ:
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="newsflow-tests-prefect-")
    atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], ignore_errors=True)
PREFECT_DATABASE = "prefect.db"  # a server's database in its PREFECT_HOME

# A suite started as a background job (`make test &`, a CI runner's shell) inherits SIGINT
# ignored, and so would every `newsflow` it starts: the tests that press Ctrl-C on one would wait
# in vain. A handler (unlike "ignore") is not inherited: the processes the tests start get the
# default, as at a terminal.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# `make test` runs the suite in two parts: the tests below one at a time (`-m serial`), the rest
# on two workers (pytest-xdist, a file per worker at a time). These time something (an exit within
# 2 s of Ctrl-C, a look-up under 0.5 s, a fetch under its timeout), press keys on a process,
# or fill both cores by themselves (the fleet benchmark's smoke run, the crash test's killed runs).
SERIAL_MODULES = {
    "tests/benchmarks/test_bench_fleet_smoke.py", "tests/flows/test_interrupts.py", "tests/flows/test_serve.py",
    "tests/flows/test_serve_fleet.py", "tests/flows/test_prefect_server_artifacts.py",
    "tests/reliability/test_crash.py", "tests/reliability/test_hostile_inputs.py", "tests/tasks/enrich/test_geo.py",
    "tests/tasks/normalize/test_hostile_renditions.py", "tests/tasks/sources/test_fetch.py",
}


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if item.nodeid.split("::")[0] in SERIAL_MODULES:
            item.add_marker(pytest.mark.serial)


REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
FIXTURES = REPO / "tests" / "fixtures"
SHARED_EVAL = (REPO / ".." / "shared" / "eval").resolve()


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory) -> Path:
    """One temporary Prefect server (SQLite) for every flow test in the session. Yields a copy of
    its database as it started (migrated, nothing run): `seed_prefect_home` gives other servers
    one, and they start in ~5 s instead of ~14 s."""
    import prefect.settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        url = prefect.settings.PREFECT_SERVER_DATABASE_CONNECTION_URL.value()
        template = tmp_path_factory.mktemp("prefect-database") / PREFECT_DATABASE
        with sqlite3.connect(url.split(":///", 1)[1]) as live, sqlite3.connect(template) as copy:
            live.backup(copy)  # consistent while the server writes (WAL)
        seed_prefect_home(Path(os.environ["PREFECT_HOME"]), template)
        yield template


def seed_prefect_home(home: Path, template: Path) -> None:
    """Give a Prefect server about to start in `home` (PREFECT_HOME) a migrated database, unless it has one."""
    home.mkdir(parents=True, exist_ok=True)
    if not (home / PREFECT_DATABASE).exists():
        shutil.copyfile(template, home / PREFECT_DATABASE)


@pytest.fixture
def seeds() -> Path:
    return SEEDS


@pytest.fixture
def shared_eval() -> Path:
    if not SHARED_EVAL.is_dir():
        pytest.skip(f"{SHARED_EVAL} is absent (evaluation data lives beside the repo, not in it)")
    return SHARED_EVAL


@pytest.fixture(scope="session")
def news_warehouse(tmp_path_factory, prefect_harness) -> tuple[Path, dict[str, dict]]:
    """The seeds plus a generated three-source corpus (tests/tasks/report/corpus.py), one flow run
    per source: (warehouse root, {source: run summary}). Shared by the report, query and docs tests."""
    from flows.pipeline import news_pipeline
    from tests.tasks.report.corpus import make_news_corpus

    base = tmp_path_factory.mktemp("news")
    folders = make_news_corpus(base / "corpus")
    root = base / "warehouse"
    summaries = {name: news_pipeline([str(path)], str(root), source=name) for name, path in folders.items()}
    return root, summaries


@pytest.fixture(autouse=True)
def no_stop_request_left():
    """A run's stop request outlasts a block that failed with it, by design (tasks/progress.py):
    a test that interrupts stages in this process must not leave it to the next test's stages
    (under pytest-xdist a worker runs files in another order than a single process does)."""
    yield
    from tasks import progress

    progress.clear_stop()
