"""Ctrl-C at a terminal during `newsflow run`, through a pty as a person would press it: the
run stops within 2 s in every stage, prints one line, exits 130, and leaves the warehouse as
its last committed run left it; a rerun then completes; a second Ctrl-C ends it at once.

The runs use the session's Prefect test server (PREFECT_API_URL), except one that starts
Prefect's temporary server as a user's run does, and checks that it is gone afterwards.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pexpect
import prefect.settings
import psutil
import pytest
from werkzeug import Response

from tests.conftest import REPO
from tasks.progress import STAGES
from tests.reliability.helpers import snapshot

NEWSFLOW = Path(sys.executable).parent / "newsflow"
# German word salad: detected as German, so enrich runs keywords only (no NER, no embedding)
# and a few hundred documents get through it in seconds.
GERMAN = ("Regierung Haushalt Hafen Wahl Minister Fluss Bahn Schule Krankenhaus Zoll Dürre Bauern Gericht Urteil "
          "Streik Gewerkschaft Museum Brücke Sturm Hochwasser Impfstoff Energie Netz Bürgermeister Bundestag Vertrag "
          "Grenze Handel Fabrik Arbeiter Löhne Wohnungen Miete Polizei Bericht Theater Bibliothek Flughafen Ladung "
          "Wald Feuerwehr Umfrage Inflation Zinsen Markt Aktien und der die das nicht mit für auf ist sich dem "
          "eine wird werden über nach auch noch wie bei schon").split()
ENGLISH = ("council budget harbour election minister river railway school hospital tariff drought farmers court "
           "ruling strike union festival museum bridge storm flood vaccine clinic energy grid mayor parliament").split()
BAD = ("Traceback", "FATAL", "leaked", "Abort", "Error")


def write_documents(folder: Path, n: int, words: list[str], seed: int) -> Path:
    """`n` distinct text files of six paragraphs each."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for i in range(n):
        paragraphs = [" ".join(" ".join(rng.choice(words) for _ in range(14)).capitalize() + "." for _ in range(3)) for _ in range(6)]
        (folder / f"doc_{i:05d}.txt").write_text(f"{' '.join(rng.choice(words) for _ in range(6))}\n\n" + "\n\n".join(paragraphs) + "\n")
    return folder


@pytest.fixture(scope="module")
def lake(tmp_path_factory, prefect_harness):
    """A warehouse with one committed load, and inputs for the interrupted runs."""
    from flows.pipeline import news_pipeline

    base = tmp_path_factory.mktemp("interrupts")
    committed = base / "committed"
    news_pipeline([str(write_documents(base / "first", 20, GERMAN, seed=1))], str(committed))
    return {
        "base": base, "committed": committed, "before": snapshot(committed),
        "small": write_documents(base / "small", 200, GERMAN, seed=2),
        "english": write_documents(base / "english", 200, ENGLISH, seed=4),
        "api": prefect.settings.PREFECT_API_URL.value(),
    }


def spawn(args: list[str], warehouse: Path, api_url: str | None, **env: str) -> pexpect.spawn:
    environ = {**os.environ, "NEWSFLOW_WAREHOUSE": str(warehouse), "COLUMNS": "120", **env}
    environ.pop("NEWSFLOW_CONFIG", None)
    environ.pop("PREFECT_API_URL", None)
    if api_url:
        environ["PREFECT_API_URL"] = api_url
    return pexpect.spawn(str(NEWSFLOW), ["run", *args], env=environ, cwd=str(REPO), timeout=180, dimensions=(40, 120))


def interrupt(child: pexpect.spawn, *, when: str, after: float = 0.3, sig: int | None = None, again: float | None = None) -> dict:
    """Wait until `when` shows, press Ctrl-C `after` s later (or send `sig`), maybe again; then
    wait for the end: the seconds from the (last) key to the exit, the output after the key."""
    child.expect(when)
    time.sleep(after)
    family = _family(child.pid)
    pressed = time.monotonic()
    child.kill(sig) if sig else child.sendintr()
    if again is not None:
        time.sleep(again)
        pressed = time.monotonic()
        child.sendintr()
    child.expect(pexpect.EOF, timeout=60)
    seconds = time.monotonic() - pressed
    child.close()
    out = child.before.decode("utf-8", "replace")
    time.sleep(0.2)
    left = [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    return {"seconds": seconds, "out": out, "status": child.exitstatus, "signal": child.signalstatus, "left": left}


def _family(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def said(out: str) -> list[str]:
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)  # the terminal's colours and cursor moves
    return [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip().startswith("interrupted")]


def loads(warehouse: Path) -> list[str]:
    from warehouse.lake import Warehouse, connect

    con = connect(Warehouse(warehouse))
    try:
        return [r[0] for r in con.execute("SELECT load_id FROM loads ORDER BY load_id").fetchall()]
    finally:
        con.close()


def check_stopped(result: dict, warehouse: Path, lake: dict, within: float = 2.0) -> None:
    """Exit 130 within `within` s of the key, one line, nothing alarming, and the warehouse as
    the line says: this run's load whole, or nothing of it."""
    print(f"exit {result['seconds']:.2f} s after the key: {said(result['out'])}")  # pytest -s shows the figures
    assert result["status"] == 130 and result["signal"] is None, result["out"][-2000:]
    assert result["seconds"] < within, f"exit {result['seconds']:.2f} s after the key"
    lines = said(result["out"])
    assert len(lines) == 1, result["out"][-2000:]
    assert not [bad for bad in BAD if bad in result["out"]], result["out"][-2000:]
    assert not result["left"], f"processes left behind: {result['left']}"
    if lines[0].startswith("interrupted after committing load "):
        load_id = lines[0].split()[4]
        assert loads(warehouse)[-1] == load_id and len(loads(warehouse)) == 2
    else:
        assert lines[0] == "interrupted: nothing of this run was committed"
        assert snapshot(warehouse) == lake["before"]


def fresh_copy(lake: dict, name: str) -> Path:
    copy = lake["base"] / name
    shutil.copytree(lake["committed"], copy)
    return copy


def test_sigterm_while_a_slow_page_is_fetched(lake, httpserver):
    """Ingest: the main thread is blocked reading a page that does not come; SIGTERM as a
    service manager sends it."""
    release = threading.Event()

    def slow(request):
        release.wait(30)
        return Response("<html><body><p>late</p></body></html>", content_type="text/html")

    httpserver.expect_request("/slow.html").respond_with_handler(slow)
    warehouse = fresh_copy(lake, "ingest")
    child = spawn([httpserver.url_for("/slow.html")], warehouse, lake["api"], NEWSFLOW_ALLOW_PRIVATE_NETWORKS="1")
    try:
        result = interrupt(child, when="ingest ", after=0.5, sig=signal.SIGTERM)
    finally:
        release.set()
    check_stopped(result, warehouse, lake)


def test_ctrl_c_in_normalize_stops_its_worker_processes(lake):
    """2,000 documents: normalize runs in two worker processes, which must go too."""
    big = write_documents(lake["base"] / "big", 2000, GERMAN, seed=3)
    warehouse = fresh_copy(lake, "normalize")
    child = spawn([str(big)], warehouse, lake["api"], NEWSFLOW_NORMALIZE_WORKERS="2")
    result = interrupt(child, when="normalize ", after=0.5)
    check_stopped(result, warehouse, lake)


def test_ctrl_c_in_enrich_stops_the_temporary_server(lake):
    """A run on Prefect's temporary server, as a user's is (no PREFECT_API_URL); English text,
    so enrich is in spaCy and onnxruntime. The server is a child: it must be gone too."""
    warehouse = fresh_copy(lake, "enrich")
    child = spawn([str(lake["english"])], warehouse, None)
    result = interrupt(child, when="enrich ", after=0.5)
    check_stopped(result, warehouse, lake)


def test_ctrl_c_while_waiting_for_the_writer_lock_then_a_rerun_completes(lake):
    """Dedup waits for another run's writer lock: Ctrl-C. Then a rerun, piped and --quiet:
    one line per stage on stderr, the summary alone on stdout."""
    warehouse = fresh_copy(lake, "write")
    with open(warehouse / "catalog.sqlite.lock", "a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # another run is writing
        child = spawn([str(lake["small"])], warehouse, lake["api"])
        result = interrupt(child, when="waiting for another run to finish writing", after=0.3)
    check_stopped(result, warehouse, lake)

    env = {**os.environ, "NEWSFLOW_WAREHOUSE": str(warehouse), "PREFECT_API_URL": lake["api"]}
    rerun = subprocess.run([str(NEWSFLOW), "run", str(lake["small"]), "--quiet", "--format", "json"], capture_output=True,
                           text=True, env=env, cwd=REPO, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    summary = json.loads(rerun.stdout)
    assert summary["documents"] == 200 and loads(warehouse) == [*loads(lake["committed"]), summary["load_id"]]
    stages = [line.split(":")[0] for line in rerun.stderr.splitlines() if line.split(":")[0] in STAGES]
    assert stages == list(STAGES), rerun.stderr
    assert f"publish: load {summary['load_id']} committed in" in rerun.stderr
    assert "Task run" not in rerun.stderr and "Finished in state" not in rerun.stderr


def test_double_ctrl_c_exits_at_once(lake):
    warehouse = fresh_copy(lake, "double")
    child = spawn([str(lake["english"])], warehouse, lake["api"])
    result = interrupt(child, when="enrich ", after=0.5, again=0.2)
    check_stopped(result, warehouse, lake, within=1.0)


ASLEEP_MAIN_THREAD = """
import signal, sys, threading
from flows.interrupts import RunSession
with RunSession(sys.argv[1], grace=0.2):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # the kernel gives SIGINT to another thread
    print("ready", flush=True)
    threading.Event().wait(20)  # asleep on a lock: the main thread does not see the signal before this returns
print("woke", flush=True)
"""


def test_the_grace_clock_starts_with_the_key_not_when_the_main_thread_wakes(tmp_path):
    """Python runs a signal's handler in the main thread, between its bytecodes: a main thread
    asleep on a lock, with the signal given to another thread, runs it only when it wakes (here
    20 s later). The watcher on the wakeup pipe starts the interrupt anyway: out within the grace."""
    child = subprocess.Popen([sys.executable, "-c", ASLEEP_MAIN_THREAD, str(tmp_path / "wh")], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    pressed = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    seconds = time.monotonic() - pressed
    assert child.returncode == 130, err
    assert seconds < 2.0, f"exit {seconds:.2f} s after the key"
    assert "woke" not in out and err.strip() == "interrupted: nothing of this run was committed"


RELEASE_AFTER_STOP = """
import gc, multiprocessing, sys
from flows.interrupts import stop_children
locks = [multiprocessing.get_context("spawn").Lock() for _ in range(3)]  # registered with a resource tracker
stop_children(grace=0.4)  # kills the tracker: it ignores SIGTERM
del locks
gc.collect()  # their release, as a pool's is while the main thread unwinds
print("released", flush=True)
"""


def test_semaphores_released_after_the_children_stop_print_nothing(tmp_path):
    """The interrupt kills multiprocessing's resource tracker; a semaphore released afterwards
    must not start a new one, which printed a KeyError traceback for each name it never saw."""
    done = subprocess.run([sys.executable, "-c", RELEASE_AFTER_STOP], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "released", done.stderr
    assert "Traceback" not in done.stderr and "relaunching" not in done.stderr, done.stderr
