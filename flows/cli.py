"""The `newsflow` command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from flows import cli_maintenance, cli_report, cli_show
from flows.cli_eval import eval_app
from flows.cli_sources import ConfigOpt, configured_warehouse, read_config, register, resolve_warehouse
from flows.config import DEFAULT_CONFIG
from flows.executors import Executor
from flows.output import Format, print_rows, stderr

app = typer.Typer(
    help="newsflow: ingest news from many sources and renditions, merge copies into stories, query with DuckDB.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

app.add_typer(eval_app, name="eval")
cli_maintenance.register(app)

WarehouseOpt = Annotated[
    str,
    typer.Option("--warehouse", "-w", envvar="NEWSFLOW_WAREHOUSE", help="Warehouse root folder (or s3:// URI)."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


@app.command()
def run(
    sources: Annotated[
        Optional[list[str]],
        typer.Argument(help="Configured source names, URLs, files or folders (default: seeds/)."),
    ] = None,
    warehouse: Annotated[
        Optional[str],
        typer.Option("--warehouse", "-w", envvar="NEWSFLOW_WAREHOUSE", help="Warehouse root (default: the config's [warehouse] root, else data/warehouse)."),
    ] = None,
    config: ConfigOpt = DEFAULT_CONFIG,
    kind: Annotated[Optional[str], typer.Option(help="Read every URL/path argument as this kind: feed, sitemap, urls, warc, page, folder.")] = None,
    fmt: FormatOpt = Format.table,
    executor: Annotated[Executor, typer.Option(help="Task runner: Prefect's thread pool, or Dask (a LocalCluster unless --address).")] = Executor.thread,
    address: Annotated[Optional[str], typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (implies --executor dask).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes of the local Dask cluster.")] = 2,
    batch_rows: Annotated[Optional[int], typer.Option(help="Documents per normalize/enrich task (default with Dask: 1000).")] = None,
    storage_option: Annotated[Optional[list[str]], typer.Option("--storage-option", help="KEY=VALUE option for an s3:// warehouse, e.g. AWS_ENDPOINT_URL=http://127.0.0.1:9000 (repeatable; credentials go in AWS_* variables).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display: one line per stage on stderr (as when stderr is not a terminal).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Prefect's own log lines (flow and task runs) on stderr too.")] = False,
) -> None:
    """Run the news-pipeline flow over sources, URLs, files or folders and print a summary.

    One run per configured source or URL; files and folders are read together in one run.

    A URL is fetched as one page (read as a feed when served as RSS/Atom/JSON Feed, or when its
    path looks like one: /feed, .rss, .atom, feed.xml); --kind overrides the guess.
    Private addresses are refused unless NEWSFLOW_ALLOW_PRIVATE_NETWORKS=1 or the source allows them.
    With no arguments: the enabled sources of newsflow.toml (or --config), else the seed documents.

    Progress goes to stderr: at a terminal a display per stage (counts, rate, time left); piped
    or with --quiet one line per stage. stdout carries the summary only.

    Ctrl-C (or SIGTERM) stops the run within a second or so and says whether its load was
    committed (a run is one transaction: nothing of it, or all of it); a second Ctrl-C ends at once.

    Exit codes: 0 the run completed (rejected inputs are data, see the rejects table); 1 a source
    itself could not be read (feed unreachable, folder missing); 2 usage or config error (nothing
    ran); 130 interrupted.

    [b]Examples[/b]

      newsflow run                      # newsflow.toml's enabled sources, else the two seed documents
      newsflow run moscow-times         # a source from newsflow.toml
      newsflow run https://example.com/news/article.html
      newsflow run ~/news/drop --warehouse /data/wh
      newsflow run ~/news/drop --executor dask --workers 4
      newsflow run ~/news/drop --address tcp://scheduler:8786 --warehouse s3://news/wh
    """
    import os

    from flows.cli_checks import check_run, default_targets, finish_run, source_was_read
    from flows.executors import DEFAULT_DASK_BATCH_ROWS, dask_task_runner
    from flows.heartbeats import without_heartbeats
    from flows.interrupts import RunSession
    from flows.pipeline import news_pipeline
    from flows.run_display import start_prefect, watch_run
    from flows.targets import TargetError, plan_runs
    from warehouse.storage import parse_storage_options
    from tasks.sources.netguard import private_networks_allowed

    cfg = read_config(config, required=False)
    root = resolve_warehouse(warehouse, cfg)
    try:
        options = {**cfg.warehouse.storage_options, **parse_storage_options(storage_option or [])}
    except ValueError as exc:
        stderr.print(f"[red]cannot run[/red]: {exc}")
        raise typer.Exit(2) from None
    pipeline = news_pipeline
    if executor == Executor.dask or address:
        pipeline = news_pipeline.with_options(task_runner=dask_task_runner(address=address, workers=workers))
        batch_rows = batch_rows or DEFAULT_DASK_BATCH_ROWS
    try:
        plans = plan_runs(sources or default_targets(config, cfg, _default_seeds()), cfg, kind=kind)
    except TargetError as exc:
        stderr.print(f"[red]cannot run[/red]: {exc}")
        raise typer.Exit(2) from None
    check_run(plans, root, cfg)  # exit 2 before Prefect starts: missing paths, empty folders, not a warehouse
    allow_private = private_networks_allowed(os.environ)
    unreadable = []
    with RunSession(root) as session:  # Ctrl-C, SIGTERM: flows/interrupts.py
        start_prefect(session, live=stderr.is_terminal and not quiet, verbose=verbose)
        for number, plan in enumerate(plans, 1):
            step = f" ({number}/{len(plans)})" if len(plans) > 1 else ""
            with watch_run(session, f"{plan.label}{step}", plan.paths if plan.source_config is None else None, quiet), \
                    without_heartbeats():
                summary = pipeline(warehouse=root, allow_private_networks=allow_private, storage_options=options or None,
                                   batch_rows=batch_rows, **plan.flow_kwargs())
            _print_summary(summary, root, fmt)
            _print_run_link(root, summary["load_id"])
            if not source_was_read(plan, summary):  # rejected items are data; an unread source is not
                unreadable.append(plan.label)
        finish_run(unreadable, len(plans))  # the exit-code rule: flows/cli_checks.py


@app.command()
def sql(
    query: Annotated[Optional[str], typer.Argument(help="SQL over the warehouse views (read-only); or use --query NAME.")] = None,
    warehouse: WarehouseOpt = "data/warehouse",
    fmt: FormatOpt = Format.table,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Query the warehouse as it was: a snapshot id from `newsflow history`, an ISO timestamp or a load_id.")] = None,
    canned: Annotated[Optional[str], typer.Option("--query", "-q", help="Run a canned query by name (see `newsflow queries`).")] = None,
    params: Annotated[Optional[list[str]], typer.Option("--param", "-p", help="NAME=VALUE for a canned query's parameter (repeatable).")] = None,
    limit: Annotated[int, typer.Option(help="Rows shown in table format (0: all); csv and json print every row.")] = 100,
) -> None:
    """Run read-only SQL over the warehouse's tables, or a canned query by name.

    The lake is attached read-only and file access is off: SELECT, WITH, DESCRIBE, SHOW,
    SUMMARIZE and EXPLAIN only. Tables and columns: docs/SCHEMA.md. Canned queries:
    warehouse/queries/*.sql.

    [b]Examples[/b]

      newsflow sql "select title, article_count from stories order by article_count desc limit 10"
      newsflow sql "select count(*) from stories" --format json
      newsflow sql "select count(*) from articles" --as-of 3      # a snapshot id (newsflow history)
      newsflow sql "select count(*) from articles" --as-of 2026-12-01T08:00:00Z
      newsflow sql --query top_entities --param since=2017-12-01 --param labels=PERSON,ORG
    """
    import duckdb

    if (query is None) == (canned is None) or (params and canned is None):
        stderr.print('[red]sql[/red]: give either SQL text (newsflow sql "select ...") or --query NAME [--param NAME=VALUE ...]; '
                     "`newsflow queries` lists the names")
        raise typer.Exit(2)
    con = _connect(warehouse, as_of)
    if canned is not None:
        from flows.cli_report import run_canned

        print_rows(*run_canned(con, canned, params or []), fmt, title=canned, limit=limit)
        return
    from warehouse.readonly import ReadOnlyError, check_read_only

    try:
        check_read_only(query)
        result = con.execute(query)
    except ReadOnlyError as exc:
        stderr.print(f"[red]refused[/red]: {exc}", highlight=False)
        raise typer.Exit(2) from None
    except duckdb.Error as exc:
        stderr.print(f"[red]query failed[/red]: {exc}\nThe tables and their columns: `newsflow sql \"show tables\"`, docs/SCHEMA.md.",
                     highlight=False)
        raise typer.Exit(2) from None
    columns = [d[0] for d in result.description or []]
    print_rows(columns, result.fetchall(), fmt, limit=limit)


@app.command()
def stories(
    limit: Annotated[int, typer.Option(help="How many stories.")] = 20,
    warehouse: WarehouseOpt = "data/warehouse",
    fmt: FormatOpt = Format.table,
) -> None:
    """The latest stories with their number of copies and sources.

    [b]Examples[/b]

      newsflow stories
      newsflow stories --limit 50 --format csv > stories.csv
      newsflow stories --format json | jq -r '.[0].story_id'
    """
    con = _connect(warehouse)
    result = con.execute(
        """
        SELECT story_id, title, published_at::DATE AS published, article_count AS copies, source_count AS sources, canonical_url
        FROM stories ORDER BY updated_at DESC, published_at DESC NULLS LAST, story_id LIMIT ?
        """,
        [limit],
    )
    print_rows([d[0] for d in result.description], result.fetchall(), fmt, title="Stories")


cli_show.register(app, lambda warehouse: _connect(warehouse))  # `newsflow show STORY [--diff]`


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="What you are looking for, in your own words.")],
    limit: Annotated[int, typer.Option(help="How many stories.")] = 10,
    warehouse: WarehouseOpt = "data/warehouse",
    fmt: FormatOpt = Format.table,
) -> None:
    """Stories ranked by meaning (all-MiniLM-L6-v2 embeddings, cosine similarity in DuckDB).

    [b]Examples[/b]

      newsflow search "Russia pulls troops out of Syria"
      newsflow search "central bank raises rates" --limit 5 --format json
    """
    from warehouse.search import search_stories

    con = _connect(warehouse)
    with stderr.status("embedding the query ..."):
        hits = search_stories(con, text, limit)
    print_rows(["story_id", "title", "score"], [(s, t, round(score, 4)) for s, t, score in hits], fmt, title=f"search: {text}")


def _connect(warehouse: str, as_of: str | None = None):
    from flows.warehouses import open_warehouse
    from warehouse.lake import WarehouseError, connect
    from warehouse.maintenance import resolve_as_of

    warehouse = configured_warehouse(warehouse)
    try:
        wh = open_warehouse(warehouse)
        return connect(wh, as_of=resolve_as_of(wh, as_of) if as_of is not None else None)
    except WarehouseError as exc:
        stderr.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from None
    except ValueError as exc:
        stderr.print(f"[red]--as-of[/red]: {exc}", highlight=False)
        raise typer.Exit(2) from None


def _default_seeds() -> Path:
    """`seeds/` in the working directory, else the project's own copy."""
    local = Path("seeds")
    return local if local.is_dir() else Path(__file__).resolve().parents[1] / "seeds"


def _print_run_link(warehouse: str, load_id: str) -> None:
    """Where to see the run and its artifacts, when a real Prefect server (PREFECT_API_URL/PREFECT_UI_URL) ran it."""
    if not load_id or not (os.environ.get("PREFECT_API_URL") or os.environ.get("PREFECT_UI_URL")):
        return  # Prefect's temporary server is gone once the run ends: nothing to link to
    from prefect.utilities.urls import url_for

    con = _connect(warehouse)
    found = con.execute("SELECT flow_run_id FROM loads WHERE load_id = ? AND flow_run_id IS NOT NULL LIMIT 1", [load_id]).fetchall()
    con.close()
    url = url_for("flow-run", obj_id=found[0][0]) if found else None
    if url:
        stderr.print(f"flow run and its summary artifacts: {url}", highlight=False, soft_wrap=True)


def _print_summary(summary: dict, warehouse: str, fmt: Format) -> None:
    if fmt == Format.json:
        import json

        sys.stdout.write(json.dumps(summary, default=str) + "\n")
        return
    rows = [
        ("inputs read", summary["inputs"]),
        ("new documents", summary["documents"]),
        ("new articles", summary["articles"]),
        ("new stories", summary["stories_new"]),
        ("stories updated", summary["stories_touched"] - summary["stories_new"]),
        ("stories merged away", summary["stories_merged"]),
        ("duplicates (copies of a story)", summary["duplicates"]),
        ("rejects", summary["rejects"]),
    ]
    rows += [(f"  rejected: {reason}", n) for reason, n in sorted(summary["rejects_by_reason"].items())]
    if summary.get("item_failures"):  # a source's pages that failed this time: their items wait for a retry
        rows.append(("page fetches failed (retried later)", summary["item_failures"]))
    load = f"load {summary['load_id']}" if summary["load_id"] else "nothing new: no load written"
    print_rows(["", "count"], rows, fmt, title=f"newsflow run → {warehouse} ({load})")


register(app)  # sources, serve, trigger (flows/cli_sources.py)
cli_report.register(app)  # report, queries (flows/cli_report.py)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
