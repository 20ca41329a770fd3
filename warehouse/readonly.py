"""What `newsflow sql` lets through: reading statements only.

The connection is read-only already (catalog attached READ_ONLY, file access off); this check
refuses writing statements before they run, with a message that says why.
"""

from __future__ import annotations

import duckdb

READING = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


class ReadOnlyError(ValueError):
    """A statement that would write, attach, copy, load or change settings."""


def check_read_only(sql: str) -> None:
    """Raise ReadOnlyError unless every statement of `sql` only reads."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error:
        return  # a syntax error: let the query itself say where
    for statement in statements:
        if statement.type not in READING:
            kind = statement.type.name.replace("_STATEMENT", "")
            raise ReadOnlyError(
                f"`newsflow sql` only reads ({kind} statements are refused): SELECT, WITH, DESCRIBE, SHOW, "
                "SUMMARIZE and EXPLAIN work; the warehouse is written by runs (`newsflow run`)."
            )
