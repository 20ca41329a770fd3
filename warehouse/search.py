"""Semantic search: rank stories by cosine similarity of their articles' embeddings to a query."""

from __future__ import annotations

import duckdb

from tasks.enrich.embeddings import DIM, embed_texts

SEARCH_SQL = f"""
SELECT s.story_id, s.title, max(array_cosine_similarity(e.vector::FLOAT[{DIM}], $query::FLOAT[{DIM}])) AS score
FROM embeddings e JOIN story_members m USING (article_id) JOIN stories s USING (story_id)
GROUP BY s.story_id, s.title
ORDER BY score DESC, s.story_id
LIMIT $limit
"""


def search_stories(con: duckdb.DuckDBPyConnection, text: str, limit: int = 10) -> list[tuple[str, str | None, float]]:
    """(story_id, title, score) of the stories closest in meaning to `text`, best first."""
    vector = embed_texts([text])[0].tolist()
    return con.execute(SEARCH_SQL, {"query": vector, "limit": limit}).fetchall()
