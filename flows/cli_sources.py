"""`newsflow sources`, `newsflow serve`, `newsflow trigger`: configured sources, schedules, manual runs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from flows.config import DEFAULT_CONFIG, DEFAULT_WAREHOUSE, ConfigError, NewsflowConfig, load_config
from flows.output import Format, print_rows, stderr

SOURCES_LISTED = 20  # `newsflow serve` names this many sources' deployments, then counts the rest

ConfigOpt = Annotated[
    str,
    typer.Option("--config", "-c", envvar="NEWSFLOW_CONFIG", help="Sources config (TOML)."),
]
OptionalWarehouseOpt = Annotated[
    Optional[str],
    typer.Option(
        "--warehouse", "-w", envvar="NEWSFLOW_WAREHOUSE",
        help="Warehouse root folder (or s3:// URI); default: [warehouse] root of the config, else data/warehouse.",
    ),
]


def read_config(path: str, *, required: bool) -> NewsflowConfig:
    """The config at `path`, or exit 2 with the config error."""
    try:
        # The default file is optional for commands that also work without sources.
        return load_config(path, required=required or path != DEFAULT_CONFIG)
    except ConfigError as exc:
        from rich.markup import escape

        stderr.print(f"[red]bad config[/red]: {escape(str(exc))}", markup=True, highlight=False)  # [[sources]] is not markup
        raise typer.Exit(2) from None


def resolve_warehouse(cli_value: str | None, config: NewsflowConfig) -> str:
    """--warehouse / NEWSFLOW_WAREHOUSE, else the config's [warehouse] root, else data/warehouse."""
    return cli_value or config.warehouse.root or DEFAULT_WAREHOUSE


def configured_warehouse(warehouse: str) -> str:
    """The built-in default gives way to the [warehouse] root of newsflow.toml / NEWSFLOW_CONFIG
    (for commands whose --warehouse defaults to data/warehouse)."""
    if warehouse != DEFAULT_WAREHOUSE or os.environ.get("NEWSFLOW_WAREHOUSE"):
        return warehouse
    return read_config(os.environ.get("NEWSFLOW_CONFIG") or DEFAULT_CONFIG, required=False).warehouse.root


def sources(
    action: Annotated[Optional[str], typer.Argument(help="`import` to add the feeds of an OPML file as sources.")] = None,
    file: Annotated[Optional[str], typer.Argument(help="The OPML file to import.")] = None,
    config: ConfigOpt = DEFAULT_CONFIG,
    warehouse: OptionalWarehouseOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """List configured sources: kind, schedule, enabled, last run, its status, new articles, and
    their items waiting (pending), failing (failed) or given up (rejected); or import an OPML file.

    [b]Examples[/b]

      newsflow sources
      newsflow sources --config /etc/newsflow.toml --format json
      newsflow sources import subscriptions.opml     # its feeds become [[sources]] in newsflow.toml
    """
    if action is not None:
        if action != "import" or not file:
            stderr.print("usage: newsflow sources [import FILE.opml]")
            raise typer.Exit(2)
        from flows.cli_poll import import_opml

        import_opml(file, config)
        return
    cfg = read_config(config, required=True)
    root = resolve_warehouse(warehouse, cfg)
    activity = _activity(root)
    rows = []
    for s in cfg.sources:
        seen = activity.get(s.name, {})
        counts = seen.get("counts", {})
        rows.append((
            s.name, s.kind, s.schedule, s.enabled, _minute(seen.get("finished_at")), seen.get("status"),
            counts.get("articles"), counts.get("rejects"), seen.get("documents", 0),
            *(seen.get("items", {}).get(state, 0) for state in ("pending", "failed", "rejected")), s.location,
        ))
    columns = ["name", "kind", "schedule", "enabled", "last_run", "status", "new_articles", "rejects", "documents",
               "pending", "failed", "rejected", "location"]
    if fmt == Format.table:  # the location makes the table unreadable in 80 columns; JSON/CSV keep it
        columns, rows = columns[:-1], [r[:-1] for r in rows]
    print_rows(columns, rows, fmt, title=f"Sources in {config}")


def serve(
    config: ConfigOpt = DEFAULT_CONFIG,
    warehouse: OptionalWarehouseOpt = None,
    host: Annotated[str, typer.Option(help="Address of the Prefect server newsflow starts.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the Prefect server newsflow starts (or finds running).")] = 4200,
    poll_interval: Annotated[str, typer.Option("--poll-interval", help="How often the news-poll cycle looks for due sources (e.g. 30s, 1m).")] = "1m",
) -> None:
    """Serve the news-poll cycle, maintenance and a manual deployment per enabled source (Ctrl-C stops).

    Starts `prefect server start` on HOST:PORT unless PREFECT_API_URL names a server or one
    already answers there. news-poll/all runs every --poll-interval, one cycle at a time, and
    reads the sources that are due on their own cron/interval; news-pipeline/SOURCE runs one
    source on demand (`newsflow trigger SOURCE`). Ctrl-C or SIGTERM stops a cycle under way
    (its transaction rolls back) and exits within seconds, leaving no process behind.

    [b]Examples[/b]

      newsflow serve                          # newsflow.toml in this folder
      newsflow serve --config feeds.toml --port 4300
    """
    from flows.config import parse_duration
    from flows.serve import POLL_DEPLOYMENT, ServerError, deployment_name, serve_sources

    cfg = read_config(config, required=True)
    try:
        every = parse_duration(poll_interval)
    except ValueError as exc:
        stderr.print(f"[red]bad --poll-interval[/red]: {exc}")
        raise typer.Exit(2) from None
    if not cfg.enabled_sources():
        stderr.print(f"[red]nothing to serve[/red]: {config} has no enabled [[sources]]")
        raise typer.Exit(2)
    root = resolve_warehouse(warehouse, cfg)
    home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    log_file = home / "newsflow-server.log"

    def ready(api_url: str, deployments: list) -> None:
        stderr.print(f"Prefect API {api_url} (UI at {api_url.removesuffix('/api')}); server log {log_file}")
        stderr.print(f"  serving {POLL_DEPLOYMENT}: every {poll_interval}, one cycle at a time")
        sources = cfg.enabled_sources()
        for s in sources[:SOURCES_LISTED]:
            stderr.print(f"  serving {deployment_name(s.name)}: polled {s.schedule}, on demand with newsflow trigger")
        if len(sources) > SOURCES_LISTED:
            stderr.print(f"  … and {len(sources) - SOURCES_LISTED} more sources (newsflow sources lists them)")
            stderr.print(f"  the {len(sources)} on-demand deployments are registered while the first cycles run (~0.3 s each)")
        stderr.print(f"warehouse {root}. Run one now: newsflow trigger SOURCE. Ctrl-C stops.")

    try:
        serve_sources(cfg, root, host=host, port=port, log_file=log_file, on_ready=ready, poll_interval=every)
    except ServerError as exc:
        stderr.print(f"[red]no Prefect server[/red]: {exc}")
        raise typer.Exit(1) from None
    stderr.print("stopped")


def trigger(
    source: Annotated[str, typer.Argument(help="A source name (its deployment is news-pipeline/SOURCE).")],
    api_url: Annotated[
        Optional[str],
        typer.Option("--api-url", envvar="PREFECT_API_URL", help="Prefect API (default: the one `newsflow serve` starts, http://127.0.0.1:4200/api)."),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the run to finish.")] = 3600,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """Run a source's deployment now, wait for it and print the run's summary.

    Needs `newsflow serve` running (same as `prefect deployment run 'news-pipeline/SOURCE'`).

    [b]Examples[/b]

      newsflow trigger moscow-times
      newsflow trigger moscow-times --api-url http://127.0.0.1:4300/api --format json
    """
    from flows.serve import TriggerError, default_api_url, trigger_source

    url = api_url or default_api_url()
    try:
        run = trigger_source(source, url, timeout=timeout, report=lambda m: stderr.print(m, highlight=False))
    except TriggerError as exc:
        stderr.print(f"[red]cannot trigger {source}[/red]: {exc}")
        raise typer.Exit(1) from None
    summary = _load_summary(run)
    if summary is not None:
        from flows.cli import _print_summary

        _print_summary(summary, run.parameters.get("warehouse", ""), fmt)
    else:
        stderr.print(f"flow run {run.name} ended {run.state.name}: {run.state.message or ''}")
    if not run.state.is_completed():
        raise typer.Exit(1)


def _minute(when) -> str | None:
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else None


def _load_summary(run) -> dict | None:
    """The committed load the flow run wrote, from the warehouse its parameters name."""
    root = (run.parameters or {}).get("warehouse")
    from flows.warehouses import open_warehouse
    from warehouse.lake import connect

    if not root or not open_warehouse(root, catalog=(run.parameters or {}).get("catalog")).exists():
        return None
    con = connect(open_warehouse(root, catalog=(run.parameters or {}).get("catalog")))
    row = con.execute(
        "SELECT load_id, counts FROM loads WHERE flow_run_id = ? AND status = 'committed' ORDER BY finished_at DESC LIMIT 1",
        [str(run.id)],
    ).fetchone()
    con.close()
    return {"load_id": row[0], **json.loads(row[1])} if row else None


def _activity(root: str) -> dict[str, dict]:
    from flows.warehouses import open_warehouse
    from warehouse.lake import connect
    from warehouse.lookups import source_activity

    if not open_warehouse(root).exists():
        return {}
    from warehouse.polling import item_counts, last_polls

    con = connect(open_warehouse(root))
    try:
        activity = source_activity(con)
        for source, states in item_counts(con).items():  # the poll's items and last poll per source
            activity.setdefault(source, {})["items"] = states
        for source, polled in last_polls(con).items():
            seen = activity.setdefault(source, {})
            if not seen.get("finished_at") or polled > seen["finished_at"]:
                seen.update(finished_at=polled, status="polled")
        return activity
    finally:
        con.close()


def register(app: typer.Typer) -> None:
    """Mount the commands on the `newsflow` app."""
    app.command()(sources)
    app.command()(serve)
    app.command()(trigger)
    from flows.cli_poll import register as register_poll  # imports this module: registered last

    register_poll(app)
