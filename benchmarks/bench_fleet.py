"""A fleet of feeds polled by `news-poll`, against a local news web (127.0.0.1 only).

    .venv/bin/python benchmarks/bench_fleet.py                          # 1,000 feeds, 20 for the per-source path
    .venv/bin/python benchmarks/bench_fleet.py --feeds 60 --per-source 5 --no-faults   # the smoke test's size
    .venv/bin/python benchmarks/bench_fleet.py --serve-seconds 300 --serve-sources 200 # + serve for 5 minutes

Sections (each a `newsflow` process, so process start and imports are counted):
- steady: after a first cycle that reads every feed, 5% of the feeds get one new item; the next
  cycle (`newsflow poll --once --force`) has the rest answer 304. Wall and CPU seconds.
- per_source: the one-run-per-source path (`newsflow run SOURCE`, a process each, as a served
  deployment runs it) on `--per-source` feeds in the same steady state; per-feed ratio to steady.
- faults: pages that time out, 500, reset or truncate on their first 1-2 tries, a feed that 500s
  for a whole cycle, a truncated feed; after the cycles every item the server lists is an article
  or a rejected item with a reason (missing must be 0).
- loop (with --loop-cycles N): ONE `newsflow poll --every 0 --force` process for N cycles (the
  loop a person leaves running), `--loop-new` feeds getting a new item each cycle: its resident
  memory after the 10th cycle, after each tenth of the cycles and at the end, the growth per
  cycle, and the cycle's time and warehouse part (state reads + the write) early and at the end.
- serve (with --serve-seconds): `newsflow serve` on --serve-sources feeds polling every
  --poll-interval; the news-poll runs never overlap; SIGINT exits within 10 s leaving nothing running.
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.measure import current_rss_mb  # noqa: E402
from benchmarks.newsweb import NewsWeb, fleet_config  # noqa: E402
from flows import allocator  # noqa: E402

BIN = Path(sys.executable).parent


API_URL: str | None = None  # a Prefect server the measured processes report to, as served runs do


def _env(home: Path, api: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSFLOW_")) or k == allocator.ENV}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_UI_ENABLED="false", PREFECT_RUNNER_POLL_FREQUENCY="2",
               PREFECT_LOGGING_LEVEL="WARNING")
    if api and API_URL:
        env["PREFECT_API_URL"] = API_URL
    return env


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def newsflow(args: list[str], cwd: Path, env: dict) -> tuple[dict | None, float, float]:
    """Run `newsflow ARGS` as its own process; (last JSON line, wall s, CPU s of it and its children)."""
    wall, cpu = time.perf_counter(), _children_cpu()
    out = subprocess.run([str(BIN / "newsflow"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    wall, cpu = time.perf_counter() - wall, _children_cpu() - cpu
    if out.returncode != 0:
        raise RuntimeError(f"newsflow {' '.join(args)} exited {out.returncode}: {out.stderr[-2000:]}")
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    return (lines[-1] if lines else None), round(wall, 2), round(cpu, 2)


def query(root: Path, sql: str) -> list[tuple]:
    from warehouse.lake import Warehouse, close_instances, connect

    con = connect(Warehouse(root))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
        close_instances()


def steady(web: NewsWeb, tmp: Path, feeds: int, new_share: float = 0.05) -> dict:
    work = tmp / "steady"
    work.mkdir()
    (work / "newsflow.toml").write_text(fleet_config(web, str(work / "wh"), range(feeds)))
    env = _env(tmp / "prefect-steady")
    first, first_wall, first_cpu = newsflow(["poll", "--once", "--force", "--format", "json"], work, env)
    changed = list(range(0, feeds, max(1, round(1 / new_share))))[: max(1, round(feeds * new_share))]
    for f in changed:
        web.add_item(f)
    counts, wall, cpu = newsflow(["poll", "--once", "--force", "--format", "json"], work, env)
    idle, idle_wall, idle_cpu = newsflow(["poll", "--once", "--force", "--format", "json"], work, env)  # nothing new
    return {"feeds": feeds, "changed_feeds": len(changed), "first_cycle": {"wall_s": first_wall, "cpu_s": first_cpu,
            "documents": first["documents"]}, "steady_cycle": {"wall_s": wall, "cpu_s": cpu, "documents": counts["documents"],
            "articles": counts["articles"], "not_modified": (counts.get("skipped") or {}).get("feed-not-modified", 0),
            "requests": counts.get("requests"), "warehouse_s": counts.get("warehouse_seconds"), "look_ups": counts.get("look_ups")},
            "idle_cycle": {"wall_s": idle_wall, "cpu_s": idle_cpu, "documents": idle["documents"],
                           "not_modified": (idle.get("skipped") or {}).get("feed-not-modified", 0),
                           "warehouse_s": idle.get("warehouse_seconds")},
            "per_feed_cpu_ms": round(cpu / feeds * 1000, 2),
            "per_feed_wall_ms": round(wall / feeds * 1000, 2)}


def per_source(web: NewsWeb, tmp: Path, feeds: range) -> dict:
    work = tmp / "per-source"
    work.mkdir()
    (work / "newsflow.toml").write_text(fleet_config(web, str(work / "wh"), feeds))
    env = _env(tmp / "prefect-per-source")
    env["NEWSFLOW_ALLOW_PRIVATE_NETWORKS"] = "1"
    newsflow(["run", *[f"feed-{f}" for f in feeds], "--format", "json"], work, env)  # the first read, not measured
    web.add_item(feeds[0])
    wall = cpu = 0.0
    for f in feeds:  # as served deployments run them: a process per run
        _, w, c = newsflow(["run", f"feed-{f}", "--format", "json"], work, env)
        wall, cpu = wall + w, cpu + c
    return {"feeds": len(feeds), "changed_feeds": 1, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "per_feed_cpu_ms": round(cpu / len(feeds) * 1000, 1), "per_feed_wall_ms": round(wall / len(feeds) * 1000, 1)}


def faults(tmp: Path, feeds: int = 30, cycles: int = 4) -> dict:
    """Fault injection on a small web of its own; the ground truth is the server's item list."""
    with NewsWeb(feeds=feeds, items=2, timeout_sleep=3.0) as web:
        work = tmp / "faults"
        work.mkdir()
        (work / "newsflow.toml").write_text(fleet_config(web, str(work / "wh"), range(feeds)))
        env = _env(tmp / "prefect-faults")
        modes = ["timeout", "500", "reset", "truncate"]
        for i, f in enumerate(range(0, feeds, 3)):
            web.faults[f"/a/{f}-0"] = [modes[i % 4]] * (1 + i % 2)
        web.feed_down.add(1)  # Atom
        web.truncated.add(3)  # RSS: partly readable
        web.truncated.add(5)  # JSON Feed: not readable at all
        web.gone.add(f"/a/{feeds - 1}-1")
        runs = []
        for cycle in range(cycles):
            if cycle == 1:
                web.feed_down.discard(1)  # down for the first cycle only
            counts, wall, cpu = newsflow(["poll", "--once", "--force", "--item-retry", "0", "--item-attempts", "3",
                                          "--format", "json"], work, env)
            runs.append({"wall_s": wall, "documents": counts["documents"], "rejects": counts["rejects_by_reason"]})
        listed = web.item_urls()
        root = work / "wh"
        articles = {u for (u,) in query(root, "SELECT coalesce(canonical_url, uri) FROM articles")}
        articles |= {u for (u,) in query(root, "SELECT uri FROM articles")}
        items = {u: (s, r) for u, s, r in query(root, "SELECT url, state, reason FROM items")}
        feed_rejects = {u for (u,) in query(root, "SELECT uri FROM rejects WHERE reason IN ('feed-malformed', 'feed-unparseable')")}
        in_rejected_feed = {web.url(f"/a/{s}") for f in (3, 5) if web.feed_url(f) in feed_rejects for s in web.feeds[f]}
    as_article = {u for u in listed if u in articles or u.replace("http://", "https://") in articles}
    rejected = {u for u in listed - as_article if items.get(u, ("", None))[0] == "rejected" and items[u][1]}
    unread = (listed - as_article - rejected) & in_rejected_feed  # behind a feed reject that says why
    missing = listed - as_article - rejected - unread
    return {"feeds": feeds, "items_listed": len(listed), "as_articles": len(as_article), "rejected_with_reason": len(rejected),
            "unread_in_rejected_feed": len(unread), "missing": len(missing), "missing_examples": sorted(missing)[:5], "cycles": runs,
            "feed_items": query(root, "SELECT count(*) FROM articles WHERE format = 'feed-item'")[0][0]}


def poll_loop(web: NewsWeb, tmp: Path, feeds: int, cycles: int, new_per_cycle: int = 2) -> dict:
    """One `newsflow poll` loop process for `cycles` cycles (no pause between them); after each
    cycle's JSON line, its RSS is read and `new_per_cycle` feeds get a new item for the next one."""
    work = tmp / "loop"
    work.mkdir()
    (work / "newsflow.toml").write_text(fleet_config(web, str(work / "wh"), range(feeds)))
    stderr = open(tmp / "loop.stderr", "w")
    loop = subprocess.Popen([str(BIN / "newsflow"), "poll", "--every", "0", "--force", "--format", "json"], cwd=work,
                            env=_env(tmp / "prefect-loop"), stdout=subprocess.PIPE, stderr=stderr, text=True)
    rss_mb, cycle_s, warehouse_s, documents, last = [], [], [], 0, time.perf_counter()
    allocator_name = None
    try:
        for line in loop.stdout:
            if not line.startswith("{"):
                continue
            now = time.perf_counter()
            cycle_s.append(now - last)
            last = now
            rss_mb.append(current_rss_mb(loop.pid))
            if len(cycle_s) == 1:  # the loop re-executes itself with mimalloc (flows/allocator.py)
                maps = Path(f"/proc/{loop.pid}/maps")
                allocator_name = (allocator.MIMALLOC if maps.exists() and "libmimalloc" in maps.read_text() else
                                  allocator.SYSTEM)
            counts = json.loads(line)
            documents += counts["documents"]
            warehouse_s.append(counts.get("warehouse_seconds") or 0.0)
            if len(cycle_s) >= cycles:
                break
            for k in range(new_per_cycle):
                web.add_item((len(cycle_s) * new_per_cycle + k) % feeds)
    finally:
        loop.send_signal(signal.SIGINT)
        try:
            loop.wait(timeout=30)
        except subprocess.TimeoutExpired:
            loop.kill()
        stderr.close()
    if len(cycle_s) < cycles:
        raise RuntimeError(f"the poll loop stopped after {len(cycle_s)} cycles: {(tmp / 'loop.stderr').read_text()[-2000:]}")
    early = min(10, cycles - 1)

    def median(values: list[float]) -> float:
        return round(statistics.median(values), 3)

    return {"feeds": feeds, "cycles": cycles, "new_items_per_cycle": new_per_cycle, "documents": documents, "allocator": allocator_name,
            "rss_mb": {f"after_cycle_{early + 1}": rss_mb[early], "at_the_end": rss_mb[-1], "max": max(rss_mb),
                       "after_each_tenth": [rss_mb[max(0, round(cycles * k / 10) - 1)] for k in range(1, 11)]},
            "rss_kb_per_cycle_after_the_10th": round((rss_mb[-1] - rss_mb[early]) * 1024 / max(1, cycles - early - 1), 1),
            "cycle_s_median": {"cycles_2_11": median(cycle_s[1:early + 1]), "last_10": median(cycle_s[-10:])},
            "warehouse_s_median": {"cycles_2_11": median(warehouse_s[1:early + 1]), "last_10": median(warehouse_s[-10:])}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_fleet(web: NewsWeb, tmp: Path, sources: int, seconds: float, poll_interval: str = "1m", catch_cycle_seconds: float = 60,
                prefect_database: Path | None = None) -> dict:
    """`newsflow serve` for `seconds`, then SIGINT (during a cycle if one is seen running within
    `catch_cycle_seconds`): overlapping cycles, exit time, processes left. `prefect_database`: a
    migrated Prefect database for serve's server to start from (tests; else it migrates its own)."""
    import psutil

    work = tmp / "serve"
    work.mkdir()
    (work / "newsflow.toml").write_text(fleet_config(web, str(work / "wh"), range(sources), interval="1m"))
    home = tmp / "prefect-serve"
    if prefect_database is not None:
        home.mkdir()
        shutil.copyfile(prefect_database, home / "prefect.db")
    env = _env(home, api=False)  # serve starts its own server
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    log = open(work / "serve.log", "wb")
    # SIGINT as at a terminal, even when this runs as a background job (which inherits it ignored)
    process = subprocess.Popen([str(BIN / "newsflow"), "serve", "--port", str(port), "--poll-interval", poll_interval],
                               cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen: dict[int, str] = {}
    started = time.monotonic()
    first_cycle = None
    try:
        # the clock starts when the first cycle has completed: registering a deployment per source takes a while
        while first_cycle is None and time.monotonic() - started < 300:
            if process.poll() is not None:
                raise RuntimeError(f"serve exited {process.returncode}: {(work / 'serve.log').read_text()[-2000:]}")
            time.sleep(2.0)
            try:
                if any(r["state"] == "Completed" for r in _poll_runs(api)):
                    first_cycle = round(time.monotonic() - started, 1)
            except Exception:  # the server is not up yet
                continue
        observe = time.monotonic()
        while time.monotonic() - observe < seconds:
            if process.poll() is not None:
                raise RuntimeError(f"serve exited {process.returncode}: {(work / 'serve.log').read_text()[-2000:]}")
            for child in psutil.Process(process.pid).children(recursive=True):
                try:
                    seen.setdefault(child.pid, " ".join(child.cmdline())[:120])
                except psutil.Error:
                    pass
            time.sleep(1.0)
        # interrupt a cycle under way (its process must go too), waiting a while for one
        deadline = time.monotonic() + catch_cycle_seconds
        while time.monotonic() < deadline and not any(r["state"] == "Running" for r in _poll_runs(api)):
            time.sleep(0.3)
        runs = _poll_runs(api)
        registered = _manual_deployments(api)
        interrupted_running = any(r["state"] == "Running" for r in runs)
        for child in psutil.Process(process.pid).children(recursive=True):
            try:
                seen.setdefault(child.pid, " ".join(child.cmdline())[:120])
            except psutil.Error:
                pass
        process.send_signal(signal.SIGINT)
        t0 = time.monotonic()
        try:
            code = process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            code = None
        exit_seconds = round(time.monotonic() - t0, 2)
        time.sleep(1.0)
        left = [pid for pid in seen if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
    from datetime import UTC, datetime

    ran = [r for r in runs if r["start"] and r["state"] not in ("Cancelled", "Scheduled", "Pending", "Late")]
    spans = sorted((r["start"], r["end"] or datetime.now(UTC)) for r in ran)
    overlaps = sum(1 for (_, e1), (s2, _) in zip(spans, spans[1:]) if s2 < e1)
    states = {}
    for r in runs:
        states[r["state"]] = states.get(r["state"], 0) + 1
    return {"sources": sources, "seconds": seconds, "poll_interval": poll_interval, "first_cycle_done_after_s": first_cycle,
            "manual_deployments_registered": registered,
            "poll_runs": states, "sigint_during_a_cycle": interrupted_running,
            "overlapping_cycles": overlaps, "exit_code": code, "exit_seconds": exit_seconds,
            "processes_seen": len(seen), "processes_left": len(left), "left": [seen[p] for p in left][:5]}


def _manual_deployments(api: str) -> int:
    """How many news-pipeline/SOURCE deployments the server holds."""
    import httpx

    body = {"flows": {"name": {"any_": ["news-pipeline"]}}}
    return int(httpx.post(f"{api}/deployments/count", json=body, timeout=30, trust_env=False).json())


def _poll_runs(api: str) -> list[dict]:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["news-poll"])))
    return [{"start": r.start_time, "end": r.end_time, "state": r.state.name if r.state else None} for r in runs]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--per-source", type=int, default=20)
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--fault-cycles", type=int, default=4, help="poll cycles of the fault injection (3 fetch every item that fails twice)")
    parser.add_argument("--loop-cycles", type=int, default=0, help="cycles of one `newsflow poll` loop process (0: none)")
    parser.add_argument("--loop-feeds", type=int, default=50)
    parser.add_argument("--loop-new", type=int, default=2, help="feeds with a new item in each loop cycle")
    parser.add_argument("--serve-seconds", type=float, default=0)
    parser.add_argument("--serve-sources", type=int, default=200)
    parser.add_argument("--poll-interval", default="1m")
    parser.add_argument("--prefect-api", help="report to this running Prefect server's API instead of starting one (not measured either way)")
    args = parser.parse_args(argv)
    report: dict = {"command": " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]),
                    "cpus": os.cpu_count()}
    os.environ.pop("PREFECT_API_URL", None)
    home = os.environ.get("PREFECT_HOME")
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp_name:
        tmp = Path(tmp_name)
        os.environ["PREFECT_HOME"] = home or str(tmp / "prefect-home")  # not the user's ~/.prefect
        try:
            _measure(args, report, tmp)
        finally:
            if home is None:
                del os.environ["PREFECT_HOME"]
    print(json.dumps(report, indent=2, default=str))
    return report


def _measure(args: argparse.Namespace, report: dict, tmp: Path) -> None:
    global API_URL
    from flows.serve import prefect_server

    # Not measured: the Prefect server `newsflow serve` keeps running. Each measured `newsflow`
    # process reports to it, as a served flow run does (no temporary server of its own).
    server = nullcontext(args.prefect_api) if args.prefect_api else prefect_server("127.0.0.1", _free_port(), tmp / "prefect-server.log")
    with server as api:
        API_URL = api
        with NewsWeb(feeds=max(args.feeds, args.serve_sources), items=0) as web:
            report["steady"] = steady(web, tmp, args.feeds)
            if args.per_source:
                report["per_source"] = per_source(web, tmp, range(args.feeds, args.feeds + args.per_source)
                                                   if args.feeds + args.per_source <= len(web.feeds) else range(args.per_source))
                report["per_feed_cpu_ratio_per_source_vs_poll"] = round(
                    report["per_source"]["per_feed_cpu_ms"] / max(report["steady"]["per_feed_cpu_ms"], 1e-9), 1)
            if args.loop_cycles:
                report["loop"] = poll_loop(web, tmp, args.loop_feeds, args.loop_cycles, args.loop_new)
            if args.serve_seconds:
                report["serve"] = serve_fleet(web, tmp, args.serve_sources, args.serve_seconds, args.poll_interval)
        if not args.no_faults:
            report["faults"] = faults(tmp, cycles=args.fault_cycles)


if __name__ == "__main__":
    main()
