"""Ctrl-C and SIGTERM during `newsflow run`: stop soon, say what was committed, exit 130.

The first Ctrl-C (or SIGTERM, SIGHUP) asks every stage to stop at its next batch boundary
(`tasks.progress`), mutes Prefect's console output, and raises KeyboardInterrupt in the main
thread, so whatever it waits on gives up: a socket, the writer lock, a worker's result, a DuckDB
statement (the run's one transaction then rolls back). Once the run has unwound, or GRACE
seconds after the key, whichever comes first, one line says whether this run's load was
committed, the worker processes and then Prefect's temporary server are stopped, and the
process ends with os._exit(130). Ending that way skips the interpreter's shutdown, where
threads still inside spaCy or onnxruntime abort the process ("FATAL: exception not rethrown")
and nanobind lists leaked instances. A second Ctrl-C ends the process at once.

The warehouse needs nothing of this to stay consistent (a run is one transaction; the crash
tests kill runs at every checkpoint); this is about the person at the keyboard.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import NoReturn

from tasks import progress

INTERRUPTED = 130
GRACE = 0.5  # seconds the run gets to unwind after the first Ctrl-C before the process just ends
STOP_WAIT = 0.4  # seconds a child process (worker, temporary server) gets between SIGTERM and SIGKILL
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class RunSession:
    """Signal handling for the runs of one `newsflow run`; `view` is the current run's progress
    (a `flows.progress_view.RunProgress`), `server` Prefect's temporary server if newsflow started one."""

    def __init__(self, warehouse: str, grace: float = GRACE):
        self.warehouse = warehouse
        self.grace = grace
        self.view = None
        self.server = None
        self.committed_runs = 0  # runs of this command that finished before the interrupt
        self.interrupted_at: float | None = None
        self._finishing = threading.Lock()
        self._said = threading.Lock()
        self._previous: dict[int, object] = {}
        self.log_levels: dict[logging.Handler, int] = {}  # console handlers' levels before the run muted them
        self.on_exit: list = []  # undo what the runs set up (when the command ends without an interrupt)

    def __enter__(self) -> RunSession:
        for signum in SIGNALS:
            self._previous[signum] = signal.signal(signum, self.on_signal)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is not None and self.interrupted_at is not None:
            self.finish()
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        restore_levels(self.log_levels)
        for undo in self.on_exit:
            undo()

    def watch(self, view) -> None:
        """`view` (a `flows.progress_view.RunProgress`) is the run under way from now on."""
        if self.view is not None and self.view.committed:
            self.committed_runs += 1
        self.view = view

    def take_sigterm(self) -> None:
        """Prefect's flow engine turns SIGTERM into its own exception while a flow runs; called
        from inside the flow (main thread), this makes SIGTERM an interrupt like Ctrl-C again.
        Prefect puts our handler back when the flow ends."""
        if threading.current_thread() is threading.main_thread() and self._previous:
            signal.signal(signal.SIGTERM, self.on_signal)

    def on_signal(self, signum, frame) -> None:
        if self.interrupted_at is not None:
            self.exit_now()
        self.interrupted_at = time.monotonic()
        progress.request_stop()
        mute_prefect_console()
        threading.Thread(target=self._deadline, name="newsflow-interrupt", daemon=True).start()
        raise KeyboardInterrupt

    def message(self) -> str:
        """The one line an interrupted run prints."""
        view = self.view
        load_id = getattr(view, "load_id", None)
        committed = bool(view and view.committed)
        if view and view.committing and not committed and load_id:
            committed = load_committed(self.warehouse, load_id)
        before = f" ({self.committed_runs} earlier run{'s' if self.committed_runs > 1 else ''} of this command committed)" if self.committed_runs else ""
        if committed:
            return f"interrupted after committing load {load_id}{before}"
        return f"interrupted: nothing of this run was committed{before}"

    def finish(self) -> NoReturn:
        """Say the line, stop the children, then the temporary server, and end the process (130)."""
        self._finishing.acquire()  # whoever comes second waits here until the process ends
        line = self.message()
        closed = _close_view(self.view)
        self._say(line, raw=not closed)  # a display still live: the line starts a line of its own
        stop_children(exclude=_server_pid(self.server))
        stop_server(self.server)
        os._exit(INTERRUPTED)

    def exit_now(self) -> NoReturn:
        """The second Ctrl-C: no waiting for anything."""
        view = self.view
        if view is not None and view.committed:
            line = f"interrupted after committing load {view.load_id}"
        elif view is not None and view.committing:
            line = "interrupted during the commit: `newsflow history` shows whether the load is there"
        else:
            line = "interrupted: nothing of this run was committed"
        self._say(line, raw=True)
        stop_children(grace=0)
        os._exit(INTERRUPTED)

    def _say(self, line: str, raw: bool = False) -> None:
        if self._said.acquire(blocking=False):
            _write_stderr(("\r\n\x1b[?25h" if raw and _is_tty(2) else "") + line + "\n")

    def _deadline(self) -> None:
        time.sleep(self.grace)
        self.finish()


def load_committed(warehouse: str, load_id: str) -> bool:
    """Whether `load_id` is in the warehouse's `loads` (asked only when the interrupt came during COMMIT)."""
    try:
        from flows.warehouses import open_warehouse
        from warehouse.lake import connect

        con = connect(open_warehouse(warehouse))
        try:
            return con.execute("SELECT count(*) FROM loads WHERE load_id = ?", [load_id]).fetchone()[0] > 0
        finally:
            con.close()
    except Exception:  # noqa: BLE001 - cannot tell: say not committed, history will show
        return False


def mute_prefect_console(level: int = logging.CRITICAL + 1) -> dict[logging.Handler, int]:
    """Raise the level of every handler that writes Prefect's logs (or any other) to the
    terminal; Prefect's API handler, the logs in its UI, keeps them all. Returns the levels
    before, for `restore_levels`."""
    before = {}
    for handler in _console_handlers():
        before[handler] = handler.level
        handler.setLevel(level)
    return before


def restore_levels(levels: dict[logging.Handler, int]) -> None:
    for handler, level in levels.items():
        handler.setLevel(level)


def stop_children(grace: float = STOP_WAIT, exclude: int | None = None) -> None:
    """SIGTERM every descendant process (normalize workers, Dask), SIGKILL what is left after
    `grace`, and whatever a thread of the run started meanwhile."""
    children = _descendants(exclude)
    _signal_all(children, kill=grace <= 0)
    if grace > 0:
        import psutil

        _, alive = psutil.wait_procs(children, timeout=grace)
        _signal_all(alive + [c for c in _descendants(exclude) if c not in children], kill=True)


def _descendants(exclude: int | None) -> list:
    import psutil

    try:
        return [c for c in psutil.Process().children(recursive=True) if c.pid != exclude]
    except psutil.Error:
        return []


def _signal_all(processes: list, kill: bool) -> None:
    import psutil

    for process in processes:
        try:
            process.kill() if kill else process.terminate()
        except psutil.Error:
            pass


def stop_server(server, grace: float = STOP_WAIT) -> None:
    """Stop Prefect's temporary server (after its clients are done): SIGTERM, SIGKILL after `grace`."""
    process = getattr(server, "server_process", None)
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired
        process.kill()


def _console_handlers() -> list[logging.Handler]:
    loggers = [logging.getLogger()] + [lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    return [h for lg in loggers for h in lg.handlers
            if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)]


def _close_view(view, timeout: float = 0.3) -> bool:
    """Stop the progress display, but never wait long for it (its lock may be held mid-draw);
    whether it stopped. One that did not is silenced: its stop, when it comes, draws nothing."""
    if view is None:
        return True
    closer = threading.Thread(target=view.close, daemon=True)
    closer.start()
    closer.join(timeout)
    if closer.is_alive():
        view.silence()
        return False
    return True


def _server_pid(server) -> int | None:
    process = getattr(server, "server_process", None)
    return process.pid if process is not None else None


def _is_tty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def _write_stderr(text: str) -> None:
    try:
        os.write(2, text.encode("utf-8", "replace"))
    except OSError:
        pass
