"""`newsflow report` and `newsflow queries`: the HTML coverage report and the canned queries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from flows.output import Format, print_rows, stderr

WarehouseOpt = Annotated[
    str,
    typer.Option("--warehouse", "-w", envvar="NEWSFLOW_WAREHOUSE", help="Warehouse root folder (or s3:// URI)."),
]


def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the HTML page.")] = Path("report.html"),
    since: Annotated[Optional[str], typer.Option(help="Only articles dated on or after this day (YYYY-MM-DD).")] = None,
    warehouse: WarehouseOpt = "data/warehouse",
    title: Annotated[str, typer.Option(help="Page title.")] = "newsflow report",
) -> None:
    """Write a self-contained HTML page of charts over the warehouse (opens offline).

    Articles per day by source, duplicate rate by source, largest stories, top persons and
    organizations, a map of resolved places, tone over time. Vega, Vega-Lite and vega-embed are
    inlined and the data embedded, so the page needs no network.

    [b]Examples[/b]

      newsflow report                                  # → report.html
      newsflow report --since 2017-12-01 --out dec.html
      newsflow report -w /data/wh -o /tmp/coverage.html && xdg-open /tmp/coverage.html
    """
    from flows.cli import _connect
    from tasks.report.page import render_report

    since = _check_date(since)
    con = _connect(warehouse)
    with stderr.status("querying the warehouse and drawing charts ..."):
        page = render_report(con, since=since, title=title, source_label=f"warehouse {warehouse}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        stderr.print(f"[red]cannot write the report to {out}[/red]: {exc.strerror}. Pass another --out path.")
        raise typer.Exit(1) from None
    stderr.print(f"report written to {out} ({len(page) // 1024} KB, opens offline)")


def queries(fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table) -> None:
    """List the canned queries (warehouse/queries/*.sql) with their parameters and defaults.

    Run one with `newsflow sql --query NAME [--param NAME=VALUE ...]`.

    [b]Examples[/b]

      newsflow queries
      newsflow sql --query top_entities --param since=2017-12-01 --param labels=PERSON
      newsflow queries --format json
    """
    from warehouse.canned import list_queries

    rows = [
        (q.name, q.description, "; ".join(f"{p.name}={p.default} ({p.help})" for p in q.params) if fmt == Format.table
         else {p.name: {"default": p.default, "help": p.help} for p in q.params})
        for q in list_queries()
    ]
    print_rows(["name", "description", "parameters"], rows, fmt, title="Canned queries: newsflow sql --query NAME --param NAME=VALUE")


def run_canned(con, name: str, params: list[str]) -> tuple[list[str], list[tuple]]:
    """Columns and rows of canned query `name` with `NAME=VALUE` params; exits 2 on a bad name or param."""
    import duckdb

    from warehouse.canned import QueryError, get_query, parse_params

    try:
        query = get_query(name)
        return query.run(con, parse_params(params))
    except QueryError as exc:
        stderr.print(f"[red]--query {name}[/red]: {exc}", highlight=False)
        raise typer.Exit(2) from None
    except duckdb.Error as exc:
        stderr.print(f"[red]query {name} failed[/red] ({query.path}): {exc}\nCheck the --param values "
                     "(dates as YYYY-MM-DD, numbers as digits); `newsflow queries` lists them.", highlight=False)
        raise typer.Exit(2) from None


def _check_date(value: str | None) -> str | None:
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        stderr.print(f"[red]--since {value!r}[/red] is not a date: write YYYY-MM-DD, e.g. --since 2017-12-01")
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    """Mount the commands on the `newsflow` app."""
    app.command()(report)
    app.command()(queries)
