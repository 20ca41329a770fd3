"""A real Prefect server on 127.0.0.1: `newsflow run` links to its flow run, the run's summary
artifacts are found through the API, and the UI shows them (headless Chromium screenshots)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.chromium import dump_dom, keep, screenshot
from tests.conftest import REPO, seed_prefect_home

NEWSFLOW = Path(sys.executable).parent / "newsflow"
PREFECT = Path(sys.executable).parent / "prefect"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, prefect_harness: Path):
    """`prefect server start` with its own home and SQLite database (a migrated copy); the UI talks to this port."""
    home = tmp_path_factory.mktemp("prefect-home")
    seed_prefect_home(home, prefect_harness)
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_UI_API_URL": api, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1", "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home}/prefect.db"}
    env.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("w")
    process = subprocess.Popen([str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{api}/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (home / "server.log").read_text()[-3000:]
            time.sleep(1)
        yield api, home
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def flow_run(server, tmp_path_factory):
    """`newsflow run` on the seeds against the server: (summary, stderr, flow run id)."""
    api, home = server
    env = {**os.environ, "PREFECT_API_URL": api, "PREFECT_HOME": str(home),
           "NEWSFLOW_WAREHOUSE": str(tmp_path_factory.mktemp("wh") / "warehouse")}
    for attempt in range(2):  # a loaded machine can time out the client's first API version check
        out = subprocess.run([str(NEWSFLOW), "run", "--format", "json"], capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
        if out.returncode == 0 or "Failed to reach API" not in out.stderr:
            break
    assert out.returncode == 0, out.stderr[-3000:]
    link = re.search(rf"{re.escape(api.removesuffix('/api'))}/runs/flow-run/([0-9a-f-]{{36}})", out.stderr)
    assert link, f"no flow run link on stderr: {out.stderr[-1500:]}"
    return json.loads(out.stdout), link.group(1)


@pytest.mark.slow
def test_run_artifacts_through_the_api(server, flow_run):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    summary, run_id = flow_run
    with temporary_settings({PREFECT_API_URL: server[0]}), get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    by_key = {a.key: a for a in artifacts}
    assert set(by_key) == {"news-pipeline-summary-files", "news-pipeline-counts-files"}
    markdown = by_key["news-pipeline-summary-files"].data
    assert summary["load_id"] in markdown and "Putin Orders Russian Military" in markdown
    rows = json.loads(by_key["news-pipeline-counts-files"].data) if isinstance(by_key["news-pipeline-counts-files"].data, str) \
        else by_key["news-pipeline-counts-files"].data
    assert {"stage": "normalize", "metric": "new articles", "count": 2} in rows


@pytest.mark.slow
def test_ui_shows_the_run_and_its_summary(server, flow_run, tmp_path):
    api, _ = server
    ui = api.removesuffix("/api")
    _, run_id = flow_run
    if httpx.get(f"{ui}/", timeout=30).status_code != 200:
        pytest.skip("this Prefect install does not serve its UI")
    artifact_id = httpx.post(f"{api}/artifacts/filter", json={"artifacts": {"key": {"any_": ["news-pipeline-summary-files"]}}},
                             timeout=30).json()[0]["id"]
    run_dom = dump_dom(f"{ui}/runs/flow-run/{run_id}", tmp_path / "p1", budget_ms=20000)
    # the run's timeline (with the artifact badges) is a canvas; its header and tabs are DOM
    assert "news-pipeline" in run_dom and "Completed" in run_dom and "Artifacts" in run_dom
    artifact_dom = dump_dom(f"{ui}/artifacts/artifact/{artifact_id}", tmp_path / "p2", budget_ms=20000)
    for text in ("Counts by stage", "New stories (1)", "Top duplicates", "Putin Orders Russian Military"):
        assert text in artifact_dom, text
    for name, url in (("prefect-flow-run.png", f"{ui}/runs/flow-run/{run_id}"), ("prefect-run-summary.png", f"{ui}/artifacts/artifact/{artifact_id}")):
        png = tmp_path / name
        screenshot(url, png, tmp_path / f"profile-{name}", size="1400,1400", budget_ms=20000)
        print(f"screenshot: {keep(png)}")
