"""Printing query results: a rich table for people, CSV or JSON for programs (stdout only)."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from rich.console import Console
from rich.table import Table

stdout = Console(soft_wrap=False)
stderr = Console(stderr=True)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def limit_rows(rows: list[tuple], limit: int | None) -> tuple[list[tuple], int]:
    """The first `limit` rows and how many were cut; None or 0: every row."""
    rows = list(rows)
    if not limit or limit < 0 or len(rows) <= limit:
        return rows, 0
    return rows[:limit], len(rows) - limit


def print_rows(columns: list[str], rows: list[tuple], fmt: Format, title: str | None = None, max_width: int = 80,
               limit: int | None = None) -> None:
    """Print rows in the chosen format; JSON is exactly one array of row objects.

    `limit` caps the rows of a table (people read it; stderr says how many were cut); CSV and
    JSON are for programs and always carry every row. Id columns (`story_id`, `article_id`,
    ...) never wrap, so an id can be copied from the terminal whole.
    """
    if fmt == Format.json:
        sys.stdout.write(json.dumps([dict(zip(columns, row)) for row in rows], default=_json_default, ensure_ascii=False) + "\n")
        return
    if fmt == Format.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_plain(v) for v in row] for row in rows])
        return
    rows, cut = limit_rows(rows, limit)
    table = Table(title=title, show_lines=False)
    for i, column in enumerate(columns):
        if _is_id(column):
            # whole or not at all: an id cut over two lines cannot be copied
            width = max([len(column)] + [len(_plain(row[i])) for row in rows])
            table.add_column(column, no_wrap=True, overflow="ignore", min_width=width)
        else:
            table.add_column(column, overflow="fold", max_width=max_width)
    for row in rows:
        table.add_row(*[_cell(v, max_width) for v in row])
    stdout.print(table)
    if cut:
        stderr.print(f"showing {len(rows)} of {len(rows) + cut} rows: --limit N shows more (0: all); "
                     "--format csv or json prints every row", highlight=False)


def _is_id(column: str) -> bool:
    return column == "id" or column.endswith("_id")


def _json_default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=_json_default, ensure_ascii=False)
    return _json_default(value) if not isinstance(value, str) else value


def _cell(value, max_width: int) -> str:
    text = _plain(value)
    limit = max_width * 3
    return text if len(text) <= limit else text[: limit - 1] + "…"
