"""Canned queries: `warehouse/queries/NAME.sql`, each documented in its header comment.

A header is the file's leading `--` lines: a description, then one line per parameter,

    -- param since (default 1970-01-01): only days on or after this date (YYYY-MM-DD)

and the SQL refers to it as `$since`. Values are bound as DuckDB prepared parameters (strings
the SQL casts), never formatted into the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

QUERIES_DIR = Path(__file__).resolve().parent / "queries"
_PARAM = re.compile(r"^param\s+(?P<name>[a-z_][a-z0-9_]*)\s*\(default\s+(?P<default>[^)]*)\)\s*:\s*(?P<help>.*)$")


class QueryError(ValueError):
    """A canned query that does not exist, or a parameter it does not take."""


@dataclass(frozen=True)
class Param:
    name: str
    default: str
    help: str


@dataclass(frozen=True)
class CannedQuery:
    name: str
    description: str
    params: tuple[Param, ...]
    sql: str
    path: Path = field(compare=False)

    def bind(self, values: dict[str, str] | None = None) -> dict[str, str]:
        """Every parameter's value: the given one, else its default; unknown names are refused."""
        values = dict(values or {})
        known = {p.name for p in self.params}
        unknown = sorted(set(values) - known)
        if unknown:
            takes = ", ".join(sorted(known)) or "no parameters"
            raise QueryError(f"query {self.name!r} ({self.path.name}) has no parameter {', '.join(unknown)}; it takes: {takes}")
        return {p.name: values.get(p.name, p.default) for p in self.params}

    def run(self, con: duckdb.DuckDBPyConnection, values: dict[str, str] | None = None) -> tuple[list[str], list[tuple]]:
        """Column names and rows of the query over `con`'s warehouse views."""
        stand_in_missing_tables(con, self.sql)
        result = con.execute(self.sql, self.bind(values))
        return [d[0] for d in result.description or []], result.fetchall()

    def records(self, con: duckdb.DuckDBPyConnection, values: dict[str, str] | None = None) -> list[dict]:
        """The rows as dicts keyed by column name."""
        columns, rows = self.run(con, values)
        return [dict(zip(columns, row)) for row in rows]


def parse_query(path: Path) -> CannedQuery:
    """Read one .sql file: header comment → description and parameters, the rest → SQL."""
    text = path.read_text(encoding="utf-8")
    description, params = [], []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        comment = line[2:].strip()
        match = _PARAM.match(comment)
        if match:
            params.append(Param(match["name"], match["default"].strip(), match["help"].strip()))
        elif comment:
            description.append(comment)
    return CannedQuery(path.stem, " ".join(description), tuple(params), text, path)


def list_queries(folder: Path = QUERIES_DIR) -> list[CannedQuery]:
    """Every canned query in the folder, by name."""
    return [parse_query(p) for p in sorted(folder.glob("*.sql"))]


def get_query(name: str, folder: Path = QUERIES_DIR) -> CannedQuery:
    """The canned query `name` (file `NAME.sql`)."""
    path = folder / f"{name}.sql"
    if not re.fullmatch(r"[a-z0-9_]+", name) or not path.is_file():
        names = ", ".join(q.name for q in list_queries(folder))
        raise QueryError(f"no canned query {name!r} in {folder}; there are: {names} (see `newsflow queries`)")
    return parse_query(path)


def parse_params(pairs: list[str]) -> dict[str, str]:
    """`NAME=VALUE` strings (from --param) to a dict; a pair without `=` is refused."""
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"--param {pair!r} is not NAME=VALUE: write e.g. --param since=2017-12-01")
        values[name.strip()] = value
    return values


def stand_in_missing_tables(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Empty temporary views, on this connection only, for the tables `sql` names that the
    warehouse does not hold yet (one written before they existed: a writer adds them on its
    next run), so a query over them reads no rows instead of failing."""
    from warehouse.sql import duckdb_type
    from warehouse.schemas import TABLES

    named = [spec for name, spec in TABLES.items() if re.search(rf"\b{name}\b", sql)]
    if not named:
        return
    held = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary UNION "
                                      "SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()}
    for spec in named:
        if spec.name not in held:
            columns = ", ".join(f'NULL::{duckdb_type(f.type)} AS "{f.name}"' for f in spec.schema)
            con.execute(f'CREATE TEMP VIEW "{spec.name}" AS SELECT {columns} WHERE false')
