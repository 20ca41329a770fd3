"""Task runners for `newsflow run --executor`: Prefect's thread pool (default) or Dask.

With Dask, the flow splits normalize and enrich into batches (`batch_rows`) submitted together,
so several workers share one run; fingerprint and dedup run as one task each on a worker.
Ingest and publish stay in the flow's process: they read this machine's files and hold the
warehouse's writer lock. Workers are spawned processes (delta-rs does not survive fork).
"""

from __future__ import annotations

from enum import Enum

DEFAULT_DASK_BATCH_ROWS = 1000  # documents per normalize/enrich task on Dask


class Executor(str, Enum):
    thread = "thread"
    dask = "dask"


def dask_task_runner(address: str | None = None, workers: int = 2, threads_per_worker: int = 1):
    """prefect-dask's DaskTaskRunner: a scheduler at `address`, else a LocalCluster on 127.0.0.1.

    One thread per worker process: the stages are CPU-bound Python (the GIL), so processes,
    not threads, give parallelism.
    """
    import dask
    from prefect_dask import DaskTaskRunner

    # The default, set explicitly: a forked worker would inherit the flow's delta-rs runtime.
    dask.config.set({"distributed.worker.multiprocessing-method": "spawn"})
    if address:
        return DaskTaskRunner(address=address)
    dask.config.set({"distributed.worker.preload": ["flows.dask_worker"]})  # Ctrl-C is newsflow's to handle
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={
            "n_workers": workers,
            "threads_per_worker": threads_per_worker,
            "processes": True,
            "host": "127.0.0.1",
            "dashboard_address": None,
        },
    )
