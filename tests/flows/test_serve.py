"""`newsflow serve` on a real Prefect server: a deployment per enabled source with its schedule,
server-side scheduling at the cron's times, `newsflow trigger` running one to completion, and a
clean stop (runner and the server it started). Everything local: a temp PREFECT_HOME, a free
port, a feed on a local HTTP server."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from flows.serve import api_healthy
from tests.conftest import seed_prefect_home
from tests.flows.sitehelpers import Site

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def newsflow_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSFLOW_"))}
    env.update(PREFECT_HOME=str(home), PREFECT_RUNNER_POLL_FREQUENCY="1", PREFECT_SERVER_UI_ENABLED="false")
    return env


@pytest.fixture(scope="module")
def site():
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    site = Site(srv)
    site.set_feed("/rss.xml", "rss", [("s1", "Harbour reopens after storm"), ("s2", "Council passes budget")])
    yield site
    srv.clear()
    srv.stop()


@pytest.fixture(scope="module")
def served(tmp_path_factory, site: Site, prefect_harness: Path):
    """`newsflow serve` as a user starts it; yields (api_url, warehouse, env, process)."""
    tmp = tmp_path_factory.mktemp("serve")
    root = tmp / "wh"
    (tmp / "drop").mkdir()
    (tmp / "newsflow.toml").write_text(f"""
[warehouse]
root = "{root}"

[[sources]]
name = "local-rss"
kind = "feed"
location = "{site.url('/rss.xml')}"
cron = "0 6 * * *"
allow_private_networks = true
min_host_interval = 0

[[sources]]
name = "drop"
kind = "folder"
location = "{tmp / 'drop'}"
interval = "1h"

[[sources]]
name = "paused"
kind = "urls"
location = "urls.txt"
enabled = false
""")
    port = free_port()
    seed_prefect_home(tmp / "prefect-home", prefect_harness)  # a migrated database: serve's server starts sooner
    env = newsflow_env(tmp / "prefect-home")
    log = open(tmp / "serve.log", "wb")
    process = subprocess.Popen([str(BIN / "newsflow"), "serve", "--port", str(port)], cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{port}/api"
    try:
        _wait_for_deployments(api, {"local-rss", "drop"}, process, tmp / "serve.log")
        yield api, root, env, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def trigger_in_process(source: str, api: str):
    """`newsflow trigger` in this process, for the error paths (no run to wait for)."""
    from typer.testing import CliRunner

    from flows.cli import app

    result = CliRunner().invoke(app, ["trigger", source, "--api-url", api])
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


def _wait_for_deployments(api: str, names: set[str], process: subprocess.Popen, log: Path, timeout: float = 75) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        if api_healthy(api, timeout=1) and names <= set(_deployments(api)):
            return
        time.sleep(0.5)
    raise AssertionError(f"deployments {names} not served within {timeout}s:\n{log.read_text()[-3000:]}")


def _deployments(api: str) -> dict:
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        return {d.name: d for d in client.read_deployments()}


def test_poll_cycle_maintenance_and_a_manual_deployment_per_enabled_source(served):
    from prefect import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId, FlowRunFilter, FlowRunFilterExpectedStartTime
    from prefect.settings import PREFECT_API_URL, temporary_settings

    api, root, _, _ = served
    deployments = _deployments(api)
    # news-poll/all, news-maintenance/daily, and the enabled sources (not the disabled one)
    assert set(deployments) == {"all", "daily", "local-rss", "drop"}
    poll = deployments["all"]
    assert poll.entrypoint == "flows.poll.news_poll" and poll.schedules[0].schedule.interval == timedelta(minutes=1)
    assert poll.global_concurrency_limit.limit == 1 and poll.concurrency_options.collision_strategy == "CANCEL_NEW"
    assert [s["name"] for s in poll.parameters["sources"]] == ["local-rss", "drop"] and poll.parameters["warehouse"] == str(root)
    rss = deployments["local-rss"]
    assert rss.schedules == [] and rss.global_concurrency_limit.limit == 1  # polled by news-poll; on demand here
    assert rss.parameters["source_config"]["kind"] == "feed" and rss.entrypoint == "flows.pipeline.news_pipeline"
    assert [s.schedule.cron for s in deployments["daily"].schedules] == ["0 3 * * *"]

    # Ask the server to schedule a window ahead: one poll run a minute inside it.
    start = (datetime.now(UTC) + timedelta(days=30)).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(minutes=3)
    with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        response = client._client.post(
            f"/deployments/{poll.id}/schedule",
            json={"start_time": start.isoformat(), "end_time": end.isoformat(), "max_runs": 10},
        )
        assert response.is_success, response.text
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[poll.id])),
            flow_run_filter=FlowRunFilter(expected_start_time=FlowRunFilterExpectedStartTime(after_=start, before_=end)),
        )
    times = sorted(r.expected_start_time.astimezone(UTC) for r in runs)
    assert len(times) >= 2 and all(b - a == timedelta(minutes=1) for a, b in zip(times, times[1:]))


def test_trigger_runs_a_source_now(served, site: Site):
    api, root, env, _ = served
    out = subprocess.run(
        [str(BIN / "newsflow"), "trigger", "local-rss", "--api-url", api, "--format", "json", "--timeout", "60"],
        env=env, capture_output=True, text=True, timeout=90,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    summary = json.loads(out.stdout)
    assert (summary["source"], summary["documents"], summary["articles"]) == ("local-rss", 2, 2)
    assert "state: Completed" in out.stderr
    assert site.hits["/articles/s1.html"] == 1

    code, output = trigger_in_process("nope", api)
    assert code == 1 and "no deployment 'news-pipeline/nope'" in output and "newsflow serve" in output


def test_ctrl_c_stops_runner_and_server(served, tmp_path: Path):
    api, _, env, process = served
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0
    deadline = time.monotonic() + 15
    while api_healthy(api, timeout=1) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not api_healthy(api, timeout=1), "the Prefect server newsflow started is still answering"

    code, output = trigger_in_process("local-rss", api)
    assert code == 1 and "no Prefect server answers" in output and "newsflow serve" in output
