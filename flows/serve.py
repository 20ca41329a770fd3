"""Schedules and manual triggers: one served deployment per enabled source on a real Prefect server.

Schedules never fire on Prefect's temporary server, so `newsflow serve` starts
`prefect server start` on 127.0.0.1 (or uses the server PREFECT_API_URL names, or one already
answering on the port), then serves `news-pipeline/<source>` for every enabled source with its
cron or interval. Ctrl-C (or SIGTERM) stops the runner, which pauses the schedules, and then the
server it started.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx

from flows.config import NewsflowConfig, SourceConfig

FLOW_NAME = "news-pipeline"
POLL_DEPLOYMENT = "news-poll/all"
RUN_LIMIT = 4  # flow runs the served process executes at once (cycles, manual runs, maintenance)
STOP_GRACE = 5.0  # seconds a leftover flow-run process gets between SIGTERM and SIGKILL
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4200
SERVER_START_TIMEOUT = 90.0
REGISTER_AT_ONCE = 2  # manual deployments registered at once, beside the running schedule


class ServerError(RuntimeError):
    """No Prefect server could be started or reached; the message says what to do."""


def deployment_name(source: str) -> str:
    """The full name `prefect deployment run` and `newsflow trigger` use."""
    return f"{FLOW_NAME}/{source}"


def default_api_url(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> str:
    return f"http://{host}:{port}/api"


def build_deployments(config: NewsflowConfig, warehouse: str, poll_interval: float = 60.0, maintenance_cron: str | None = "0 3 * * *") -> list:
    """`news-poll/all` on a short interval (one cycle at a time: a cycle that would overlap the
    running one is cancelled), `news-maintenance/daily`, and a manual deployment per enabled
    source (`newsflow trigger SOURCE`; one run of a source at a time)."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule
    from prefect.deployments.runner import EntrypointType

    from flows.poll import news_maintenance, news_poll, poll_parameters

    root = warehouse if "://" in warehouse else str(Path(warehouse).resolve())
    one_at_a_time = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
    deployments = [
        news_poll.to_deployment(
            name=POLL_DEPLOYMENT.split("/")[1],
            schedules=[IntervalSchedule(interval=timedelta(seconds=poll_interval))],
            parameters=poll_parameters(config.enabled_sources(), root),
            description="every enabled source, each on its own cron/interval, in one cycle",
            tags=["newsflow", "poll"], concurrency_limit=one_at_a_time,
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
    ]
    if maintenance_cron:
        deployments.append(news_maintenance.to_deployment(
            name="daily", schedules=[CronSchedule(cron=maintenance_cron)], parameters={"warehouse": root},
            tags=["newsflow", "maintenance"], concurrency_limit=one_at_a_time, entrypoint_type=EntrypointType.MODULE_PATH,
        ))
    return deployments + manual_deployments(config.enabled_sources(), root)


def manual_deployments(sources: list[SourceConfig], warehouse: str) -> list:
    """`news-pipeline/<source>` for each source: runs on demand (one run of a source at a time).

    Prefect derives a deployment's parameter schema from the flow, ~35 ms each: the first one is
    built by the flow, the others are copies of it with their own name and parameters (200
    sources: 0.25 s instead of 7.1 s)."""
    from prefect.deployments.runner import EntrypointType

    from flows.pipeline import news_pipeline

    def fields(source: SourceConfig) -> dict:
        return {
            "name": source.name,
            "parameters": deployment_parameters(source, warehouse),
            "description": f"{source.kind} source {source.location} (polled by {POLL_DEPLOYMENT}; this one runs on demand)",
            "tags": ["newsflow", source.kind],
        }

    if not sources:
        return []
    # By module, not file path: runs work whatever folder `newsflow serve` started in.
    first = news_pipeline.to_deployment(**fields(sources[0]), concurrency_limit=1, entrypoint_type=EntrypointType.MODULE_PATH)
    return [first] + [first.model_copy(update=fields(source)) for source in sources[1:]]


def deployment_parameters(source: SourceConfig, warehouse: str) -> dict:
    return {"source_config": source.model_dump(mode="json"), "warehouse": warehouse}


def api_healthy(api_url: str, timeout: float = 2.0) -> bool:
    try:
        return httpx.get(f"{api_url.rstrip('/')}/health", timeout=timeout, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def prefect_server(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, log_file: Path | None = None) -> Iterator[str]:
    """Yield the API URL of a running Prefect server, starting one (and stopping it after) if needed."""
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        if not api_healthy(configured, timeout=10):
            raise ServerError(f"PREFECT_API_URL={configured} does not answer: start that server, or unset PREFECT_API_URL to let newsflow start one")
        yield configured
        return
    url = default_api_url(host, port)
    if api_healthy(url):
        yield url  # someone's `prefect server start` on this port: use it, leave it running
        return
    prefect = shutil.which("prefect", path=str(Path(sys.executable).parent)) or shutil.which("prefect")
    if prefect is None:
        raise ServerError("the `prefect` command is not installed beside newsflow")
    log = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115 - closed below
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.setdefault("PREFECT_UI_API_URL", url)  # else the UI calls port 4200 whatever --port says
    # Its own session: a terminal's Ctrl-C reaches only `newsflow serve`, which still needs the
    # server while the runner pauses its schedules, and then stops the server itself.
    server = subprocess.Popen(
        [prefect, "server", "start", "--host", host, "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not api_healthy(url, timeout=1):
            if server.poll() is not None:
                where = f" (see {log_file})" if log_file else ""
                raise ServerError(f"prefect server on {host}:{port} exited with code {server.returncode}{where}: is the port in use? Try --port")
            if time.monotonic() > deadline:
                raise ServerError(f"prefect server on {host}:{port} did not answer within {SERVER_START_TIMEOUT:.0f}s")
            time.sleep(0.5)
        yield url
    finally:
        stop_process(server)
        if log_file:
            log.close()


def stop_process(process: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout`."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def serve_sources(config: NewsflowConfig, warehouse: str, *, host: str, port: int, log_file: Path | None, on_ready=None,
                  poll_interval: float = 60.0) -> None:
    """Serve the poll cycle, maintenance and every enabled source's manual deployment until interrupted;
    then stop whatever flow run is still going (its transaction rolls back) before returning."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # SIGTERM (a service manager, a test) shuts down like Ctrl-C: schedules paused, server stopped.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        with prefect_server(host, port, log_file) as api_url, temporary_settings({PREFECT_API_URL: api_url}):
            deployments = build_deployments(config, warehouse, poll_interval)
            if on_ready:
                on_ready(api_url, deployments)
            try:
                asyncio.run(run_deployments(deployments))
            finally:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                stop_flow_run_processes()
                pause_schedules([d for d in deployments if d.schedules])
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


async def run_deployments(deployments: list, register_at_once: int = REGISTER_AT_ONCE) -> None:
    """Run what the deployments schedule or are asked for until cancelled (`prefect.serve`, but the
    first cycle does not wait for every source's manual deployment to be registered).

    Registering a deployment takes the server ~0.3 s, so with `prefect.serve`, which registers all
    before it starts, the first poll cycle of 200 sources completed 94 s after start (now 29-35 s). Here the scheduled
    deployments are registered first, the runner starts, and the manual ones follow in the
    background, `register_at_once` at a time; `newsflow trigger` finds each once it is there.
    The runner would pause every deployment on shutdown one API call each: `pause_on_shutdown`
    is off and `serve_sources` pauses only the scheduled ones, after the flow runs under way stop.
    """
    from prefect.runner import Runner

    runner = Runner(limit=RUN_LIMIT, pause_on_shutdown=False)
    on_demand = [d for d in deployments if not d.schedules]
    for deployment in deployments:
        if deployment.schedules:
            await runner.aadd_deployment(deployment)
    gate = asyncio.Semaphore(register_at_once)

    async def register(deployment) -> None:
        async with gate:
            try:
                await runner.aadd_deployment(deployment)
            except Exception as exc:  # noqa: BLE001 - one source's deployment never stops the schedule
                print(f"could not register {deployment_name(deployment.name)}: {exc}", file=sys.stderr)

    registering = asyncio.gather(*(register(d) for d in on_demand))
    try:
        await runner.start()
    finally:
        registering.cancel()


def pause_schedules(deployments: list) -> None:
    """Pause the schedules of these served deployments (news-poll/all, maintenance): nothing
    scheduled piles up as Late runs while no `serve` is running."""
    from prefect import get_client

    try:
        with get_client(sync_client=True) as client:
            for deployment in deployments:
                found = client.read_deployment_by_name(f"{deployment.flow_name}/{deployment.name}")
                client.pause_deployment(found.id)
    except Exception as exc:  # the server may be gone already: nothing to pause then
        print(f"could not pause schedules: {exc}", file=sys.stderr)


def stop_flow_run_processes(grace: float = STOP_GRACE) -> int:
    """SIGTERM every descendant process but a Prefect server, SIGKILL what is left after `grace`;
    returns how many there were. The runner starts a process per flow run: none may outlive serve."""
    import psutil

    me = psutil.Process()
    children = []
    for child in me.children():
        try:
            line = " ".join(child.cmdline())
            if "prefect" in line and " server start" in line:
                continue  # it (and its workers) is stopped by prefect_server() after the schedules are paused
            children += [child, *child.children(recursive=True)]
        except psutil.Error:
            continue
    for child in children:
        try:
            child.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(children, timeout=grace)
    for child in alive:
        try:
            child.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=grace)
    return len(children)


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


class TriggerError(RuntimeError):
    """A manual run that could not be started; the message says what to do."""


def trigger_source(source: str, api_url: str, *, timeout: float, idle_hint_after: float = 30.0, report=print):
    """Create a run of `news-pipeline/<source>` now and wait for it to finish; returns the FlowRun.

    `report(message)` receives state changes, and a hint when no served process picks the run up.
    """
    from prefect import get_client
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if not api_healthy(api_url, timeout=5):
        raise TriggerError(f"no Prefect server answers at {api_url}: start `newsflow serve` (or point PREFECT_API_URL at your server)")
    name = deployment_name(source)
    with temporary_settings({PREFECT_API_URL: api_url}):
        try:
            run = run_deployment(name=name, timeout=0, tags=["manual"])
        except ObjectNotFound:
            raise TriggerError(
                f"no deployment {name!r} on {api_url}: `newsflow serve` creates one per enabled source in the config "
                "(with hundreds of sources, in the first minutes after it starts)"
            ) from None
        report(f"created flow run {run.name} ({run.id}) of {name}")
        started, last, hinted = time.monotonic(), None, False
        with get_client(sync_client=True) as client:
            while True:
                run = client.read_flow_run(run.id)
                state = run.state
                if state is not None and state.name != last:
                    last = state.name
                    report(f"state: {state.name}")
                if state is not None and state.is_final():
                    return run
                waited = time.monotonic() - started
                if not hinted and waited > idle_hint_after and state is not None and state.is_scheduled():
                    hinted = True
                    report("nothing has picked the run up yet: is `newsflow serve` running for this config?")
                if waited > timeout:
                    raise TriggerError(f"flow run {run.id} still {last} after {timeout:.0f}s (it keeps going on the server)")
                time.sleep(1.0)
