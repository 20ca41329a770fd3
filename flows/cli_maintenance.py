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


def compact(warehouse: WarehouseOpt = "data/warehouse", fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table) -> None:
    """Merge each table's small files (Delta optimize) and drop superseded story versions.

    Every run appends a few small files per table; compact now and then (e.g. daily).
    Readers see the same rows before and after.
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
    """
    from warehouse.maintenance import vacuum as run_vacuum

    report = run_vacuum(_open(warehouse), retention_hours=retention_hours, dry_run=dry_run)
    print_rows(["table", "files_would_be_removed" if dry_run else "files_removed"], sorted(report.items()), fmt, title="vacuum")


def history(warehouse: WarehouseOpt = "data/warehouse", fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table) -> None:
    """Committed loads with the version to pass to `newsflow sql --as-of`."""
    from warehouse.maintenance import history as load_history

    rows = load_history(_open(warehouse))
    print_rows(["version", "load_id", "committed_at", "counts"], rows, fmt, title="history")


def _open(warehouse: str):
    from pathlib import Path

    from warehouse.store import Warehouse

    if "://" not in warehouse and not Path(warehouse).exists():
        stderr.print(f"[red]no warehouse at {warehouse}[/red]: run `newsflow run` first, or pass --warehouse / NEWSFLOW_WAREHOUSE")
        raise typer.Exit(1)
    return Warehouse(warehouse)
