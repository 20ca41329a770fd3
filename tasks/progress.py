"""A run's progress and its stop request, between the stages and whoever drives the run.

Stages report what they have done (`add_total`, `advance`) and look, at each batch boundary,
whether the run was asked to stop (`check_stop`). The driver (`newsflow run` at a terminal)
installs a sink with `reporting(sink)` and calls `request_stop()` on Ctrl-C or SIGTERM. With
no sink every call is one `None` check, so the stages stay plain functions: tests, Dask
workers and `newsflow reprocess` call them without any of this.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

STAGES = ("ingest", "normalize", "enrich", "dedup", "publish")


class RunInterrupted(KeyboardInterrupt):
    """The run was asked to stop and stopped at a batch boundary.

    A KeyboardInterrupt, not an Exception: `except Exception` blocks that turn a bad input into
    a reject, and Prefect's task retries, must let it through."""


class ProgressSink(Protocol):
    def add_total(self, stage: str, items: int) -> None: ...

    def advance(self, stage: str, items: int, nbytes: int) -> None: ...

    def load_started(self, load_id: str) -> None: ...


_stop = threading.Event()
_sink: ProgressSink | None = None


def request_stop() -> None:
    """Ask every stage to stop at its next batch boundary (thread-safe, also from a signal handler)."""
    _stop.set()


def stop_requested() -> bool:
    return _stop.is_set()


def clear_stop() -> None:
    """Forget a stop request: the next stages run (a `reporting` block does it when it starts)."""
    _stop.clear()


def check_stop() -> None:
    """Raise RunInterrupted if the run was asked to stop; call it between batches or items."""
    if _stop.is_set():
        raise RunInterrupted("the run was asked to stop")


def add_total(stage: str, items: int) -> None:
    """`items` more to do in `stage` (a batch of a stage split in several adds its own)."""
    if _sink is not None:
        _sink.add_total(stage, items)


def advance(stage: str, items: int = 1, nbytes: int = 0) -> None:
    """`items` (and `nbytes` of input) of `stage` are done."""
    if _sink is not None:
        _sink.advance(stage, items, nbytes)


def load_started(load_id: str) -> None:
    """The run writes (or will write) load `load_id`: what an interrupt message names."""
    if _sink is not None:
        _sink.load_started(load_id)


@contextmanager
def reporting(sink: ProgressSink) -> Iterator[ProgressSink]:
    """Send the stages' progress to `sink` until the block ends. A stop request lasts until the
    next `reporting` block, or the end of this one if it ends cleanly: stages still running in
    other threads after an interrupt must go on seeing it."""
    global _sink
    previous, _sink = _sink, sink
    clear_stop()
    try:
        yield sink
    finally:
        _sink = previous
    clear_stop()
