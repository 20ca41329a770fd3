"""Around each flow run of `newsflow run`: stdout kept for data, progress on stderr, and the
interrupt session told which run is under way."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from flows.interrupts import RunSession, mute_prefect_console
from flows.output import stderr
from flows.progress_view import RunProgress, count_files
from flows.stdio import stdout_to_stderr
from flows.temp_server import temporary_server
from tasks import progress
from warehouse import faults


CONSOLE_LEVEL = "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"


def start_prefect(session: RunSession, live: bool, verbose: bool = False) -> None:
    """Prefect's console chatter off (unless `verbose`; the logs stay in its API and UI) and its
    temporary server started in its own session, unless a server is configured."""
    if not verbose:
        session.log_levels = mute_prefect_console(logging.WARNING)
        # the same in the processes started from here (Dask workers, the temporary server)
        if CONSOLE_LEVEL not in os.environ:
            os.environ[CONSOLE_LEVEL] = "WARNING"
            session.on_exit.append(lambda: os.environ.pop(CONSOLE_LEVEL, None))
    server = temporary_server()
    if server is None:
        return
    with stdout_to_stderr():  # the server inherits fd 1: whatever it prints is not data
        if live:
            with stderr.status("starting Prefect's temporary server ..."):
                server.start()
        else:
            server.start()


@contextmanager
def watch_run(session: RunSession, label: str, paths: list[str] | None, quiet: bool) -> Iterator[RunProgress]:
    """One flow run: its progress display (a terminal, not `quiet`) or lines, its checkpoints
    and stage counts sent there, library prints sent to stderr."""
    view = RunProgress(stderr, live=stderr.is_terminal and not quiet, label=label,
                       inputs=count_files(paths) if paths else None, on_start=session.take_sigterm)
    session.watch(view)
    if not view.live:
        stderr.print(f"news-pipeline over {label}", highlight=False, markup=False, soft_wrap=True)
    previous = faults.listen(view.checkpoint)
    try:
        with stdout_to_stderr(), progress.reporting(view):
            yield view
    except BaseException:
        if session.interrupted_at is None:
            view.close()  # an error: the display stops before its message
        raise
    else:
        if session.interrupted_at is not None:
            session.finish()  # Prefect swallows a KeyboardInterrupt that lands as the flow ends
        view.finish()
    finally:
        faults.listen(previous)
