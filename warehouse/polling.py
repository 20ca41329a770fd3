"""Reads a poll cycle makes, one query each for all its sources (each statement costs catalog work)."""

from __future__ import annotations

import duckdb
import pyarrow as pa


def _register_sources(con: duckdb.DuckDBPyConnection, sources: list[str]) -> None:
    con.register("_poll_sources", pa.table({"source": pa.array(sorted(set(sources)), pa.string())}))


def item_rows(con: duckdb.DuckDBPyConnection, sources: list[str]) -> list[dict]:
    """Stored items of these sources; the feed text only of those still waiting (pending/failed)."""
    if not sources:
        return []
    _register_sources(con, sources)
    try:
        result = con.execute(
            "SELECT * EXCLUDE (load_id, feed_text), CASE WHEN state IN ('pending', 'failed') THEN feed_text END AS feed_text "
            "FROM items WHERE source IN (SELECT source FROM _poll_sources)"
        )
        columns = [d[0] for d in result.description]
        return [dict(zip(columns, row)) for row in result.fetchall()]
    finally:
        con.unregister("_poll_sources")


def latest_validators(con: duckdb.DuckDBPyConnection, sources: list[str]) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """(source, url) -> (etag, last_modified) of the newest 2xx/304 answer that carried validators."""
    if not sources:
        return {}
    _register_sources(con, sources)
    try:
        rows = con.execute(
            """
            SELECT source, url, etag, last_modified FROM fetch_log
            WHERE source IN (SELECT source FROM _poll_sources) AND (status = 304 OR status BETWEEN 200 AND 299)
            QUALIFY row_number() OVER (PARTITION BY source, url ORDER BY fetched_at DESC) = 1
            """
        ).fetchall()
    finally:
        con.unregister("_poll_sources")
    return {(s, u): (e, m) for s, u, e, m in rows if e or m}


def fetched_urls(con: duckdb.DuckDBPyConnection, sources: list[str]) -> set[tuple[str, str]]:
    """(source, url) pairs that already gave a document (also by runs before the items table)."""
    if not sources:
        return set()
    _register_sources(con, sources)
    try:
        rows = con.execute(
            "SELECT DISTINCT source, url FROM fetch_log WHERE document_id IS NOT NULL AND source IN (SELECT source FROM _poll_sources)"
        ).fetchall()
    finally:
        con.unregister("_poll_sources")
    return {(s, u) for s, u in rows}


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    # a warehouse last written before news-poll existed has no such table until its next write
    return bool(con.execute("SELECT 1 FROM duckdb_tables() WHERE database_name = current_database() AND table_name = ?", [name]).fetchall())


def last_polls(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """source -> when news-poll last read it."""
    if not _has_table(con, "source_polls"):
        return {}
    return dict(con.execute("SELECT source, polled_at FROM source_polls").fetchall())


def item_counts(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int]]:
    """source -> {state: count} (what `newsflow sources` shows)."""
    out: dict[str, dict[str, int]] = {}
    if not _has_table(con, "items"):
        return out
    for source, state, n in con.execute("SELECT source, state, count(*) FROM items GROUP BY ALL").fetchall():
        out.setdefault(source, {})[state] = n
    return out
