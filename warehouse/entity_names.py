"""Reads of `entity_names` a run makes before it resolves its new entity mentions."""

from __future__ import annotations

import duckdb
import pyarrow as pa


def stored_entity_names(con: duckdb.DuckDBPyConnection, tails: list[str]) -> list[dict]:
    """The stored `entity_names` rows whose tail key is one of `tails` (files sorted by tail)."""
    if not tails:
        return []
    con.register("_tails", pa.table({"tail": pa.array(sorted(set(tails)), pa.string())}))
    try:
        return con.execute(
            "SELECT label, name, entity_id, entity_label, canonical_name, articles, tail FROM entity_names "
            "WHERE tail IN (SELECT tail FROM _tails)"
        ).to_arrow_table().to_pylist()
    finally:
        con.unregister("_tails")


def story_entities(con: duckdb.DuckDBPyConnection, story_id: str, limit: int = 30) -> tuple[list[str], list[tuple]]:
    """The persons, organizations and places a story's members name, by canonical name (columns, rows)."""
    result = con.execute(
        """
        SELECT coalesce(n.entity_label, e.label) AS label, coalesce(n.canonical_name, e.normalized, e.text) AS name,
               count(DISTINCT e.article_id) AS articles, count(*) AS mentions,
               string_agg(DISTINCT coalesce(e.normalized, e.text), ' | ' ORDER BY coalesce(e.normalized, e.text)) AS written_as
        FROM entities e JOIN story_members m USING (article_id)
        LEFT JOIN entity_names n ON n.label = e.label AND n.name = coalesce(e.normalized, e.text)
        WHERE m.story_id = ? AND coalesce(n.entity_label, e.label) IN ('PERSON', 'ORG', 'LOC')
        GROUP BY 1, 2 ORDER BY mentions DESC, label, name LIMIT ?
        """,
        [story_id, limit],
    )
    return [d[0] for d in result.description], result.fetchall()
