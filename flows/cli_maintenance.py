"""`newsflow compact | vacuum | history`: upkeep of a long-lived warehouse."""

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


def compact(warehouse: WarehouseOpt = "data/warehouse", fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table) -> None:
    """Merge each table's small files (Delta optimize) and drop superseded story versions.

    Every run appends a few small files per table; compact now and then (e.g. daily).
    Readers see the same rows before and after.

    [b]Examples[/b]

      newsflow compact
      newsflow compact --warehouse /data/wh --format json
    """
    from warehouse.maintenance import compact as run_compact

    with stderr.status("compacting ..."):
        report = run_compact(_open(warehouse))
    rows = [(t, r["files_removed"], r["files_added"], r["superseded_rows_dropped"], r["files_now"]) for t, r in report.items()]
    print_rows(["table", "files_removed", "files_added", "superseded_rows_dropped", "files_now"], rows, fmt, title="compact")


def vacuum(
    warehouse: WarehouseOpt = "data/warehouse",
    retention_hours: Annotated[int, typer.Option(help="Keep files any version of the last N hours still uses.")] = 168,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be deleted.")] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Delete data files no table version within the retention references (after compact or deletes).

    Time travel (`sql --as-of`) to versions older than the retention stops working for vacuumed files.

    [b]Examples[/b]

      newsflow vacuum --dry-run
      newsflow vacuum --retention-hours 24
    """
    from warehouse.maintenance import vacuum as run_vacuum

    report = run_vacuum(_open(warehouse), retention_hours=retention_hours, dry_run=dry_run)
    print_rows(["table", "files_would_be_removed" if dry_run else "files_removed"], sorted(report.items()), fmt, title="vacuum")


def history(warehouse: WarehouseOpt = "data/warehouse", fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table) -> None:
    """Committed loads with the version to pass to `newsflow sql --as-of`.

    [b]Examples[/b]

      newsflow history
      newsflow history --format json
    """
    from warehouse.maintenance import history as load_history

    rows = load_history(_open(warehouse))
    print_rows(["version", "load_id", "committed_at", "counts"], rows, fmt, title="history")


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
    from flows.reprocess import Stage, news_reprocess

    if stage not in {s.value for s in Stage}:
        stderr.print(f"[red]--stage {stage!r}[/red]: choose normalize, dedup or enrich")
        raise typer.Exit(2)
    with stderr.status(f"reprocessing from {stage} ..."):
        result = news_reprocess(warehouse=str(_open(warehouse).root), stage=Stage(stage))
    rows = sorted(result["rows_written"].items())
    print_rows(["table", "rows"], rows, fmt, title=f"reprocess {stage} (load {result['load_id']})")


def _open(warehouse: str):
    from pathlib import Path

    from flows.warehouses import open_warehouse

    if "://" not in warehouse and not Path(warehouse).exists():
        stderr.print(f"[red]no warehouse at {warehouse}[/red]: run `newsflow run` first, or pass --warehouse / NEWSFLOW_WAREHOUSE")
        raise typer.Exit(1)
    return open_warehouse(warehouse)
