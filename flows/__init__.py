"""Prefect flows and the newsflow CLI."""

import multiprocessing
import os
import signal

if multiprocessing.current_process().name != "MainProcess":
    # A worker process that `newsflow run` spawned (normalize, enrich, Dask) re-imports the
    # `newsflow` script, so this package, first. The terminal's Ctrl-C reaches the worker too, but
    # it is the parent's to handle (flows/interrupts.py stops the workers); ignoring it here keeps
    # a KeyboardInterrupt traceback off the terminal. (`spawn` sets the worker's name before the
    # import; sys.argv is already the parent's by then.)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

# Prefect's server reports usage at every start unless told not to; respect a user's own setting.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
