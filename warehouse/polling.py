"""Reads a poll cycle makes, one query each for all its sources (each statement costs catalog work).

Before it fetches, a cycle reads what does not grow with the items ever seen: the waiting items,
the feeds' validators, the last polls. Once feeds are read, `listed` tells which of the items they
list are stored and which of their pages gave a document already, for many feeds at once.
`latest_validators` / `fetched_urls` (every fetch of a source) serve the kinds without items.
These take a writer's connection (`Warehouse.connect(read_only=False)`: its tables all exist);
`last_polls` / `item_counts` also read a lake last written before the tables they read.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from warehouse.sql import quote_ident


def _of_sources(con: duckdb.DuckDBPyConnection, sources: list[str], sql: str) -> tuple[list[str], list[tuple]]:
    """(columns, rows) of `sql`, which names the sources asked as `_poll_sources` (a registered table:
    one statement for any number of sources)."""
    con.register("_poll_sources", pa.table({"source": pa.array(sorted(set(sources)), pa.string())}))
    try:
        result = con.execute(sql)
        return [d[0] for d in result.description], result.fetchall()
    finally:
        con.unregister("_poll_sources")


def waiting_items(con: duckdb.DuckDBPyConnection, sources: list[str]) -> list[dict]:
    """The waiting (pending/failed) items of these sources, whole: what a cycle works on whether or
    not their feed changed. The others are looked up by key once a feed lists them (`listed`)."""
    if not sources:
        return []
    columns, rows = _of_sources(con, sources, "SELECT * EXCLUDE (load_id) FROM items "
                                "WHERE state IN ('pending', 'failed') AND source IN (SELECT source FROM _poll_sources)")
    return [dict(zip(columns, row)) for row in rows]


def url_validators(con: duckdb.DuckDBPyConnection, sources: list[str]) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """(source, url) -> (etag, last_modified) of these sources' feeds, URL lists and sitemaps."""
    if not sources:
        return {}
    _, rows = _of_sources(con, sources, "SELECT source, url, etag, last_modified FROM url_validators "
                          "WHERE source IN (SELECT source FROM _poll_sources)")
    return {(s, u): (e, m) for s, u, e, m in rows if e or m}


def listed(con: duckdb.DuckDBPyConnection, keys: list[tuple[str, str]], urls: list[tuple[str, str]]
           ) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """Of the (source, item_key) pairs feeds listed, those stored; of the (source, url) pairs, those
    whose page gave a document already (under any key of the source). Two semi-joins on `items`
    for any number of pairs: ~25 and ~65 ms at 1M items (fetch_log, with a row per fetch, took
    twice that; a page fetched before items existed is fetched once more, its bytes stored once)."""
    return _pairs_in(con, "item_key", keys, ""), _pairs_in(con, "url", urls, " WHERE document_id IS NOT NULL")


def _pairs_in(con: duckdb.DuckDBPyConnection, column: str, pairs: list[tuple[str, str]], where: str) -> set[tuple[str, str]]:
    if not pairs:
        return set()
    con.register("_asked", pa.table({"source": [s for s, _ in pairs], column: [v for _, v in pairs]},
                                    schema=pa.schema([("source", pa.string()), (column, pa.string())])))
    try:
        rows = con.execute(f"SELECT DISTINCT source, {quote_ident(column)} FROM items SEMI JOIN _asked USING (source, {quote_ident(column)}){where}").fetchall()
    finally:
        con.unregister("_asked")
    return {(s, v) for s, v in rows}


def latest_validators(con: duckdb.DuckDBPyConnection, sources: list[str]) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """(source, url) -> (etag, last_modified) of the newest 2xx/304 answer that carried validators."""
    if not sources:
        return {}
    _, rows = _of_sources(con, sources, """
        SELECT source, url, etag, last_modified FROM fetch_log
        WHERE source IN (SELECT source FROM _poll_sources) AND (status = 304 OR status BETWEEN 200 AND 299)
        QUALIFY row_number() OVER (PARTITION BY source, url ORDER BY fetched_at DESC) = 1
    """)
    return {(s, u): (e, m) for s, u, e, m in rows if e or m}


def fetched_urls(con: duckdb.DuckDBPyConnection, sources: list[str]) -> set[tuple[str, str]]:
    """(source, url) pairs that already gave a document (also by runs before the items table)."""
    if not sources:
        return set()
    _, rows = _of_sources(con, sources, "SELECT DISTINCT source, url FROM fetch_log "
                          "WHERE document_id IS NOT NULL AND source IN (SELECT source FROM _poll_sources)")
    return {(s, u) for s, u in rows}


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the lake has this table (one last written before news-poll existed has not, until
    its next write). Asking for none of its rows costs ~3 ms; listing duckdb_tables() ~17 ms."""
    try:
        con.execute(f"SELECT 1 FROM {quote_ident(name)} LIMIT 0")
    except duckdb.CatalogException:
        return False
    return True


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
