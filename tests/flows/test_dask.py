"""news-pipeline on a Dask LocalCluster (2 spawned worker processes) writes exactly the tables of a local run."""

from __future__ import annotations

import pytest

from flows.executors import dask_task_runner
from flows.pipeline import news_pipeline
from tests.reliability.helpers import make_corpus
from tests.warehouse.snapshots import ALL_TABLES, snapshot_tables
from warehouse.lake import Warehouse


def _warm() -> str:
    """Import the stages and load the enrichment models in a worker (what its first task would do)."""
    import os

    import pyarrow as pa

    from tasks.enrich.stage import enrich_new_articles

    one = pa.table({"article_id": ["w"], "body": ["The minister met the council in Berlin on Monday."], "language": ["en"], "body_hash": ["w"]})
    enrich_new_articles(one, {}, {}, "warm")
    return str(os.getpid())


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as local:
        with Client(local) as client:
            yield local, client


@pytest.mark.slow
def test_dask_run_writes_the_tables_of_a_local_run(tmp_path, prefect_harness, cluster):
    from distributed import get_task_stream

    local_cluster, client = cluster
    corpus = make_corpus(tmp_path / "corpus", stories=3)
    # workers import the stages and load models while the local reference run goes
    workers = list(client.scheduler_info()["workers"])
    warm = [client.submit(_warm, key=f"warm-{n}", workers=[w], pure=False) for n, w in enumerate(workers)]

    news_pipeline([str(corpus)], str(tmp_path / "local"))
    assert len(set(client.gather(warm))) == 2  # two worker processes, neither the flow's

    on_dask = news_pipeline.with_options(task_runner=dask_task_runner(address=local_cluster.scheduler_address))
    with get_task_stream(client) as stream:
        summary = on_dask([str(corpus)], str(tmp_path / "dask"), batch_rows=4)
    ran = {item["key"].split("-")[0] for item in stream.data}
    assert {"normalize_documents", "enrich_new_articles"} <= ran, ran  # on the workers (normalize makes fingerprints;
    # dedup runs in the flow, inside the run's transaction)
    assert summary["articles"] > 4  # so normalize and enrich really were split into several tasks

    local = snapshot_tables(Warehouse(tmp_path / "local"), ALL_TABLES)
    dask = snapshot_tables(Warehouse(tmp_path / "dask"), ALL_TABLES)
    assert local["articles"] and local["entities"]
    assert dask == local, {t: (len(dask[t]), len(local[t])) for t in local if dask[t] != local[t]}
