"""The normalize stage: a batch of documents in, articles + links + rejects (+ the articles' dedup
fingerprints) out.

Parsing is pure Python, so threads would not help: a large batch is cut into chunks parsed by
spawned worker processes, and the chunks' results are joined in document order, so the output
is exactly what one process would produce.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks import progress
from tasks.arrow_slices import compact_slice
from tasks.normalize.documents import NormalizeResult, normalize_serial

PARALLEL_MIN = 2_000  # documents: below this, starting worker processes costs more than it saves
CHUNK = 500  # documents per worker task: small enough to keep both cores busy to the end


def default_workers() -> int:
    """Worker processes for a large batch: NEWSFLOW_NORMALIZE_WORKERS, else the CPU count (at most 4)."""
    configured = os.environ.get("NEWSFLOW_NORMALIZE_WORKERS")
    if configured:
        return max(1, int(configured))
    return min(os.cpu_count() or 1, 4)


def normalize_documents(documents: pa.Table, load_id: str, workers: int | None = None, fingerprints: bool = True) -> NormalizeResult:
    """Parse every document; a document that fails becomes a reject and the batch goes on.

    Batches of PARALLEL_MIN documents or more use `workers` processes (default_workers());
    workers=1 never does, nor does a daemonic process (a Dask worker), which may not have children.
    fingerprints: the articles' dedup fingerprints come back too, made in the same worker (see
    NormalizeResult.fingerprints).
    """
    workers = default_workers() if workers is None else workers
    progress.add_total("normalize", documents.num_rows)
    if workers <= 1 or documents.num_rows < PARALLEL_MIN or multiprocessing.current_process().daemon:
        return normalize_serial(documents, load_id, fingerprints)
    # The workers leave the few languages fastText is unsure of to this process: py3langid's model
    # then loads once instead of once per worker. Each part is settled as it comes
    # back, while the workers go on with the chunks queued for them.
    return NormalizeResult.concat([part.settle_languages() for part in _parallel(documents, load_id, workers, fingerprints)])


def _parallel(documents: pa.Table, load_id: str, workers: int, fingerprints: bool) -> Iterator[NormalizeResult]:
    """normalize_serial of each CHUNK of documents in worker processes, yielded in order, with at
    most two chunks per worker in flight (bounded memory on a batch of any size).

    The workers ignore Ctrl-C (the terminal sends it to them too): this process asks them to
    stop, by not waiting for the chunks under way when the run is asked to stop."""
    # spawn, not fork: deltalake's Rust runtime (loaded in the flow's process) does not survive fork
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_interrupts)
    stopped = False
    try:
        _start_workers(pool, workers)
        pending: deque = deque()
        for start in range(0, documents.num_rows, CHUNK):
            chunk = compact_slice(documents, start, CHUNK)
            pending.append((pool.submit(normalize_serial, chunk, load_id, fingerprints, False), chunk.num_rows))
            if len(pending) >= 2 * workers:
                yield _chunk_done(*pending.popleft())
        while pending:
            yield _chunk_done(*pending.popleft())
    except BaseException:
        stopped = True
        raise
    finally:
        pool.shutdown(wait=not stopped, cancel_futures=True)


def _chunk_done(future, documents: int) -> NormalizeResult:
    part = future.result()
    progress.advance("normalize", documents)
    progress.check_stop()
    return part


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_workers(pool: ProcessPoolExecutor, workers: int) -> None:
    """Start every worker now, with SIGINT blocked in this thread: a spawned process inherits the
    blocked signal through exec and keeps it blocked, so a Ctrl-C that comes while it is still
    importing (before `_ignore_interrupts`) cannot print a KeyboardInterrupt traceback from it.
    This process gets a Ctrl-C of that moment as soon as the workers are started."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        for _ in range(workers):  # each submit while no worker is idle starts one more
            pool.submit(int)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


normalize_task = task(name="normalize", cache_policy=NO_CACHE)(normalize_documents)
