"""`newsflow compact | vacuum | history | reprocess | shell | migrate`: living with a warehouse."""

from __future__ import annotations

from typing import Annotated

import typer

from flows.output import Format, print_rows, stderr

WarehouseOpt = Annotated[
    str,
    typer.Option("--warehouse", "-w", envvar="NEWSFLOW_WAREHOUSE", help="Warehouse root folder (or s3:// URI)."),
]


def register(app: typer.Typer) -> None:
    app.command()(compact)
    app.command()(vacuum)
    app.command()(history)
    app.command()(reprocess)
    app.command()(shell)
    app.command()(migrate)


def compact(warehouse: WarehouseOpt = "data/warehouse", fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table) -> None:
    """Flush rows waiting in the catalog to Parquet and merge small files, now.

    Runs do this themselves when thresholds are passed (warehouse/maintenance.py); this is the
    same code without waiting. Readers see the same rows before and after.

    [b]Examples[/b]

      newsflow compact
      newsflow compact --warehouse /data/wh --format json
    """
    from warehouse.maintenance import compact as run_compact

    with stderr.status("compacting ..."):
        report = run_compact(_open(warehouse))
    print_rows(["step", "count"], sorted(report.items()), fmt, title="compact")


def vacuum(
    warehouse: WarehouseOpt = "data/warehouse",
    retention_hours: Annotated[int, typer.Option(help="Keep the snapshots (time travel) of the last N hours.")] = 168,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would be expired and deleted.")] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Expire snapshots older than the retention and delete the files only they used.

    Runs expire snapshots past the default retention (7 days) themselves; `sql --as-of`
    cannot go back further than the oldest kept snapshot.

    [b]Examples[/b]

      newsflow vacuum --dry-run
      newsflow vacuum --retention-hours 24
    """
    from datetime import timedelta

    from warehouse.maintenance import vacuum as run_vacuum

    report = run_vacuum(_open(warehouse), retention=timedelta(hours=retention_hours), dry_run=dry_run)
    print_rows(["step", "would be" if dry_run else "count"], sorted(report.items()), fmt, title="vacuum")


def history(
    warehouse: WarehouseOpt = "data/warehouse",
    limit: Annotated[int, typer.Option(help="Show the newest N runs (0: all).")] = 50,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """The lake's snapshots that committed a run, with their load: the handles for `sql --as-of`.

    [b]Examples[/b]

      newsflow history
      newsflow sql "select count(*) from stories" --as-of 12
      newsflow history --format json --limit 0
    """
    from warehouse.maintenance import history as load_history

    rows = load_history(_open(warehouse))
    rows = rows[-limit:] if limit else rows
    print_rows(["snapshot", "committed_at", "load_id", "source", "documents", "articles", "rejects"], rows, fmt, title="history")


def reprocess(
    stage: Annotated[str, typer.Option(help="Rebuild from this stage on: normalize, dedup or enrich.")] = "normalize",
    warehouse: WarehouseOpt = "data/warehouse",
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Rebuild derived tables from the stored raw documents (no refetch), e.g. after a parser upgrade.

    The rebuilt tables replace the old ones in one commit: queries see the old tables until it
    is done. Story ids are recomputed from the members, so a story may get a new id.

    [b]Examples[/b]

      newsflow reprocess                   # re-normalize, re-dedup, re-enrich everything
      newsflow reprocess --stage enrich    # only the enrichment tables
    """
    from flows.heartbeats import without_heartbeats
    from flows.reprocess import Stage, news_reprocess

    if stage not in {s.value for s in Stage}:
        stderr.print(f"[red]--stage {stage!r}[/red]: choose normalize, dedup or enrich")
        raise typer.Exit(2)
    with stderr.status(f"reprocessing from {stage} ..."), without_heartbeats():
        result = news_reprocess(warehouse=str(_open(warehouse).root), stage=Stage(stage))
    rows = sorted(result["rows_written"].items())
    print_rows(["table", "rows"], rows, fmt, title=f"reprocess {stage} (load {result['load_id']})")


def shell(warehouse: WarehouseOpt = "data/warehouse") -> None:
    """Open the `duckdb` CLI (the same DuckDB release) with the warehouse attached read-only.

    The DuckLake extension is installed from newsflow's own wheel, never downloaded. Every
    table is there under its name; `.tables` lists them, `.quit` leaves.

    [b]Examples[/b]

      newsflow shell
      newsflow shell --warehouse /data/wh
    """
    import shutil

    from warehouse.shell import shell_command

    wh = _open(warehouse)
    if not wh.exists():
        stderr.print(f"[red]no warehouse at {wh.root}[/red]: run `newsflow run` first")
        raise typer.Exit(1)
    argv, init = shell_command(wh, shutil.which("duckdb"))
    if argv is None:
        stderr.print("[red]the duckdb CLI is not installed[/red]: run `make env` (it installs duckdb-cli)")
        raise typer.Exit(1)
    import os

    os.execv(argv[0], argv)


def migrate(
    delta_warehouse: Annotated[str, typer.Argument(help="A warehouse written by newsflow before DuckLake (Delta tables).")],
    warehouse: WarehouseOpt = "data/warehouse",
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Copy an earlier (Delta Lake) warehouse's committed, current rows into a DuckLake warehouse.

    One transaction: the new warehouse gets every table or nothing. The old one is only read.

    [b]Examples[/b]

      newsflow migrate old-data/warehouse --warehouse data/warehouse
    """
    from warehouse.migrate import MigrateError, migrate_delta

    try:
        with stderr.status(f"migrating {delta_warehouse} ..."):
            counts = migrate_delta(delta_warehouse, _open(warehouse))
    except MigrateError as exc:
        stderr.print(f"[red]cannot migrate[/red]: {exc}", highlight=False)
        raise typer.Exit(2) from None
    print_rows(["table", "rows"], sorted(counts.items()), fmt, title=f"migrated {delta_warehouse} → {warehouse}")


def _open(warehouse: str):
    from flows.warehouses import open_warehouse

    return open_warehouse(warehouse)
