"""`story_vectors`: each live story's canonical vector and names by the story's date, the rows
of `stories` joined with `embeddings` and `entities`, kept in step with them.

A run writes the rows of the stories it touched (tasks/enrich/event_stage.py) and reads those of
the event window by date (`warehouse.lookups.neighbour_story_vectors`): the table's files are
sorted by `dated_at`, so the read skips the row groups outside the window however long the
history. The joins it replaces read every stored story's date, every embedding's id and, for
the stories whose links turned on a shared name, every entity's article id. A lake
made before the table, a reprocess and a migration fill it from the join (`ROWS_SQL`).
"""

from __future__ import annotations

import duckdb

from tasks.enrich.event_stage import EVENT_LABELS

ROWS_SQL = (
    "SELECT s.story_id, coalesce(s.published_at, s.first_seen_at) AS dated_at, s.canonical_article_id, e.vector, "
    "coalesce(n.names, []) AS names, s.load_id "
    "FROM stories s JOIN embeddings e ON e.article_id = s.canonical_article_id "
    "LEFT JOIN (SELECT article_id, list(DISTINCT normalized ORDER BY normalized) AS names FROM entities "
    f"WHERE label IN ({', '.join(repr(label) for label in EVENT_LABELS)}) AND normalized <> '' GROUP BY article_id) n "
    "ON n.article_id = s.canonical_article_id "
    "WHERE e.vector IS NOT NULL ORDER BY dated_at"  # written sorted: a window's read skips the others' row groups
)


def rebuild(con: duckdb.DuckDBPyConnection) -> int:
    """Refill `story_vectors` from `stories`, `embeddings` and `entities`, inside the caller's transaction; returns its rows."""
    con.execute("DELETE FROM story_vectors")
    con.execute(f"INSERT INTO story_vectors BY NAME {ROWS_SQL}")
    return con.execute("SELECT count(*) FROM story_vectors").fetchone()[0]
