"""Ctrl-C and SIGTERM during `newsflow run`: stop soon, say what was committed, exit 130.

The first Ctrl-C (or SIGTERM, SIGHUP) asks every stage to stop at its next batch boundary
(`tasks.progress`), mutes Prefect's console output, and raises KeyboardInterrupt in the main
thread, so whatever it waits on gives up: a socket, the writer lock, a worker's result, a DuckDB
statement (the run's one transaction then rolls back). Once the run has unwound, or GRACE
seconds after the key, whichever comes first, one line says whether this run's load was
committed, the worker processes and Prefect's temporary server are stopped, and the
process ends with os._exit(130). Ending that way skips the interpreter's shutdown, where
threads still inside spaCy or onnxruntime abort the process ("FATAL: exception not rethrown")
and nanobind lists leaked instances. A second Ctrl-C ends the process at once.

The GRACE clock starts when the signal arrives, not when the main thread gets to its Python
handler: Python runs that handler only between the main thread's bytecodes, and a main thread
asleep on a lock while the kernel gave the signal to another thread, or inside a long C call,
gets there late (a CI run exited 2.9 s after the key). A watcher thread reads the signal
numbers the interpreter's C-level handler writes to a wakeup pipe (`signal.set_wakeup_fd`) and
counts the keys; the Python handler only raises KeyboardInterrupt (and counts them itself if
something else took the wakeup fd meanwhile).

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
    (a `flows.progress_view.RunProgress`)."""

    def __init__(self, warehouse: str, grace: float = GRACE):
        self.warehouse = warehouse
        self.grace = grace
        self.view = None
        self.committed_runs = 0  # runs of this command that finished before the interrupt
        self.interrupted_at: float | None = None
        self._finishing = threading.Lock()
        self._starting = threading.Lock()
        self._said = threading.Lock()
        self._wakeup: tuple[int, int] | None = None  # the pipe the C-level handler writes signal numbers to
        self._previous_wakeup = -1
        self._keys = 0  # signals the watcher has seen
        self._previous: dict[int, object] = {}
        self.log_levels: dict[logging.Handler, int] = {}  # console handlers' levels before the run muted them
        self.on_exit: list = []  # undo what the runs set up (when the command ends without an interrupt)

    def __enter__(self) -> RunSession:
        for signum in SIGNALS:
            self._previous[signum] = signal.signal(signum, self.on_signal)
        self._watch_signals()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is not None and self.interrupted_at is not None:
            self.finish()
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._stop_watching()
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
        """The Python-level handler, in the main thread whenever it gets there."""
        if not self._watched() and self.interrupted_at is not None:
            self.exit_now()
        self.begin_interrupt()
        raise KeyboardInterrupt

    def begin_interrupt(self) -> None:
        """The first key: stages asked to stop, Prefect's console muted, the GRACE clock started (once)."""
        with self._starting:
            if self.interrupted_at is not None:
                return
            self.interrupted_at = time.monotonic()
        progress.request_stop()
        mute_prefect_console()
        threading.Thread(target=self._deadline, name="newsflow-interrupt", daemon=True).start()

    def on_key(self) -> None:
        """The watcher saw one of SIGNALS arrive: the first starts the interrupt, a second ends the process."""
        self._keys += 1
        if self._keys == 1:
            self.begin_interrupt()
        else:
            self.exit_now()

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
        """Say the line, stop the child processes (workers, Prefect's temporary server: together,
        one wait for all), and end the process (130)."""
        self._finishing.acquire()  # whoever comes second waits here until the process ends
        line = self.message()
        closed = _close_view(self.view)
        self._say(line, raw=not closed)  # a display still live: the line starts a line of its own
        stop_children()
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

    def _watch_signals(self) -> None:
        """Start the watcher (main thread only: `set_wakeup_fd` may be set from there alone)."""
        if threading.current_thread() is not threading.main_thread():
            return
        read, write = os.pipe()
        os.set_blocking(write, False)
        try:
            self._previous_wakeup = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
        except ValueError:
            os.close(read), os.close(write)
            return
        self._wakeup = (read, write)
        threading.Thread(target=self._watch, args=(read,), name="newsflow-signals", daemon=True).start()

    def _watch(self, read: int) -> None:
        wanted = {int(s) for s in SIGNALS}
        try:
            while data := os.read(read, 64):  # b"": the session closed the write end
                for signum in data:
                    if signum in wanted:
                        self.on_key()
        finally:
            os.close(read)

    def _watched(self) -> bool:
        """Whether the watcher still gets the signals (nothing else took the wakeup fd since)."""
        if self._wakeup is None:
            return False
        try:
            current = signal.set_wakeup_fd(self._wakeup[1], warn_on_full_buffer=False)
        except ValueError:  # not the main thread: cannot tell, trust the watcher
            return True
        if current != self._wakeup[1]:
            signal.set_wakeup_fd(current)  # someone else's: give it back
            return False
        return True

    def _stop_watching(self) -> None:
        if self._wakeup is None:
            return
        read, write = self._wakeup
        self._wakeup = None
        try:
            signal.set_wakeup_fd(self._previous_wakeup)
        except ValueError:
            pass
        os.close(write)  # the watcher's read returns b"" and it ends


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


def stop_children(grace: float = STOP_WAIT) -> None:
    """SIGTERM every descendant process (normalize workers, Dask, Prefect's temporary server),
    SIGKILL what is left after `grace`, and whatever a thread of the run started meanwhile."""
    children = _descendants()
    trackers = [c for c in children if _ignores_sigterm(c)]
    if trackers:
        _forget_resource_tracker()
    _signal_all(trackers, kill=True)  # else the wait below is for nothing
    _signal_all(children, kill=grace <= 0)
    if grace > 0:
        import psutil

        _, alive = psutil.wait_procs(children, timeout=grace)
        _signal_all(alive + [c for c in _descendants() if c not in children], kill=True)


def _descendants() -> list:
    import psutil

    try:
        return psutil.Process().children(recursive=True)
    except psutil.Error:
        return []


def _ignores_sigterm(process) -> bool:
    """multiprocessing's resource tracker (started with the normalize workers) ignores SIGTERM
    and SIGINT by design; killing it leaks nothing here (Linux unlinks the pool's semaphores at once)."""
    import psutil

    try:
        return any("multiprocessing.resource_tracker" in part for part in process.cmdline())
    except psutil.Error:
        return False


def _forget_resource_tracker() -> None:
    """Make this process's calls to multiprocessing's resource tracker do nothing, before the
    tracker is killed: a semaphore released afterwards (the worker pool's, as the main thread
    unwinds) would start a new tracker, which prints a KeyError traceback for every name it never
    registered. The process ends within the grace, so nothing is left to track."""
    from multiprocessing import resource_tracker

    tracker = getattr(resource_tracker, "_resource_tracker", None)
    if tracker is not None:
        tracker._send = lambda *args, **kwargs: None


def _signal_all(processes: list, kill: bool) -> None:
    import psutil

    for process in processes:
        try:
            process.kill() if kill else process.terminate()
        except psutil.Error:
            pass


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
