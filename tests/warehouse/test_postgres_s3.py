"""A PostgreSQL catalog with the data under s3:// (a cluster from initdb and moto's S3 server,
both on 127.0.0.1, started and stopped here): the seeds end to end, two runs from two
processes at once, and the Dask executor."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import prefect.settings
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.pipeline import news_pipeline
from tests.conftest import REPO
from tests.reliability.helpers import DATA_TABLES, make_corpus
from tests.warehouse.servers import postgres_binaries, postgres_server, s3_server
from tests.warehouse.snapshots import ALL_TABLES, snapshot_tables
from warehouse.keys import article_key
from warehouse.lake import Warehouse

BUCKET = "newsflow-test"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(postgres_binaries() is None, reason="PostgreSQL is not installed")]


@pytest.fixture(scope="module")
def servers():
    """(a function making a new catalog database, S3 client), with AWS_* set for this module's runs."""
    with postgres_server() as catalog, s3_server(BUCKET) as env:
        client = env.pop("_client")
        saved = {k: os.environ.get(k) for k in (*env, "NEWSFLOW_CATALOG")}
        os.environ.update(env)
        try:
            yield catalog, client
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def lake(root: str, catalog: str) -> Warehouse:
    from flows.warehouses import open_warehouse

    return open_warehouse(root, catalog=catalog)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Two overlapping folders (two thirds shared)."""
    base = tmp_path_factory.mktemp("pgruns")
    files = sorted(make_corpus(base / "all", stories=4, seed=5).iterdir())
    left, right = base / "left", base / "right"
    left.mkdir()
    right.mkdir()
    for index, f in enumerate(files):
        if index % 3 != 0:
            shutil.copy(f, left / f.name)
        if index % 3 != 1:
            shutil.copy(f, right / f.name)
    return base, left, right


def test_seeds_end_to_end_with_a_postgres_catalog_and_s3_data(servers, tmp_path, prefect_harness, monkeypatch):
    new_database, client = servers
    catalog = new_database("seeds")
    monkeypatch.setenv("NEWSFLOW_CATALOG", catalog)
    root = f"s3://{BUCKET}/seeds"
    cli = CliRunner()
    ran = cli.invoke(app, ["run", str(REPO / "seeds"), "--warehouse", root, "--format", "json"])
    assert ran.exit_code == 0, ran.output
    monkeypatch.delenv("NEWSFLOW_CATALOG")
    local = news_pipeline([str(REPO / "seeds")], str(tmp_path / "local"))
    monkeypatch.setenv("NEWSFLOW_CATALOG", catalog)
    assert json.loads(ran.stdout)["stories_new"] == local["stories_new"] == 1
    assert snapshot_tables(lake(root, catalog), ALL_TABLES) == snapshot_tables(Warehouse(tmp_path / "local"), ALL_TABLES)
    _assert_keys_of_their_ids(lake(root, catalog))  # inlined in PostgreSQL (no unsigned type there)
    query = "select title, article_count from stories"
    on_s3 = cli.invoke(app, ["sql", query, "--warehouse", root, "--format", "json"])
    assert on_s3.exit_code == 0, on_s3.output
    assert json.loads(on_s3.stdout)[0]["article_count"] == 2
    refused = cli.invoke(app, ["sql", f"select * from read_text('{REPO / 'README.md'}')", "--warehouse", root])
    assert refused.exit_code != 0
    compacted = cli.invoke(app, ["compact", "--warehouse", root, "--format", "json"])
    assert compacted.exit_code == 0, compacted.output
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix="seeds/")["Contents"]]
    assert any(k.endswith(".parquet") for k in keys)  # the flushed rows live in the bucket
    assert snapshot_tables(lake(root, catalog), ALL_TABLES) == snapshot_tables(Warehouse(tmp_path / "local"), ALL_TABLES)
    _assert_keys_of_their_ids(lake(root, catalog))  # and flushed to Parquet


def _assert_keys_of_their_ids(wh: Warehouse) -> None:
    with wh.reading() as con:
        rows = con.execute("SELECT article_id, article_key FROM fingerprint_bands UNION ALL SELECT article_id, article_key FROM fingerprints").fetchall()
    assert rows and all(key == article_key(article_id) for article_id, key in rows)


def test_two_processes_at_once_equal_a_sequential_order(servers, inputs, prefect_harness, tmp_path):
    catalog = servers[0]("concurrent")
    base, left, right = inputs
    root = f"s3://{BUCKET}/concurrent"
    code = "import sys; from flows.pipeline import news_pipeline; news_pipeline([sys.argv[2]], sys.argv[1], catalog=sys.argv[3])"
    env = {**os.environ, "PREFECT_API_URL": prefect.settings.PREFECT_API_URL.value()}
    procs = [subprocess.Popen([sys.executable, "-c", code, root, str(folder), catalog], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for folder in (left, right)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
    got = snapshot_tables(lake(root, catalog), ALL_TABLES)  # also asserts no duplicate rows
    with lake(root, catalog).reading() as con:
        assert con.execute("SELECT count(*) FROM loads").fetchone()[0] == 2  # no lost commit
        first_uris = [r[0] for r in con.execute(
            "SELECT uri FROM documents WHERE load_id = (SELECT min_by(load_id, finished_at) FROM loads)").fetchall()]
    order = [left, right] if first_uris[0].startswith(str(left)) else [right, left]
    for folder in order:
        news_pipeline([str(folder)], str(tmp_path / "sequential"))
    want = snapshot_tables(Warehouse(tmp_path / "sequential"), ALL_TABLES)
    assert {t: got[t] for t in DATA_TABLES} == {t: want[t] for t in DATA_TABLES}
    # both runs enrich before the lock, so a shared body is enriched twice instead of copied:
    # the same rows per article, while batch-dependent floats may differ
    for table in set(got) - set(DATA_TABLES):
        assert sorted(r[0] for r in got[table]) == sorted(r[0] for r in want[table]), table


def test_the_dask_executor_writes_through_the_postgres_catalog(servers, inputs, prefect_harness, tmp_path):
    from distributed import LocalCluster

    from flows.executors import dask_task_runner

    catalog = servers[0]("dask")
    base, left, _right = inputs
    root = f"s3://{BUCKET}/dask"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        on_dask = news_pipeline.with_options(task_runner=dask_task_runner(address=cluster.scheduler_address))
        summary = on_dask([str(left)], root, batch_rows=4, catalog=catalog)
    assert summary["load_id"] and summary["articles"] > 4
    news_pipeline([str(left)], str(tmp_path / "local"))
    got = snapshot_tables(lake(root, catalog), ALL_TABLES)
    want = snapshot_tables(Warehouse(tmp_path / "local"), ALL_TABLES)
    assert {t: got[t] for t in DATA_TABLES} == {t: want[t] for t in DATA_TABLES}
