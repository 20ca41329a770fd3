"""Does a rendition join the seeds' story? normalize_serial + the dedup functions on the articles,
with nothing stored (no warehouse)."""

from __future__ import annotations

from datetime import datetime, timezone

from tasks.dedup.batch import StoredContext, dedup_articles
from tasks.ingest import documents_table
from tasks.normalize.documents import normalize_serial
from tasks.records import RawDocument
from tests.tasks.normalize.renderings import SEEDS

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def stories_of(files: dict[str, bytes], with_seeds: bool = True) -> dict[tuple[str, str | None], str]:
    """(uri, title) of every article → its story_id, the two seeds included."""
    raws = [RawDocument(source="t", uri=uri, content=content) for uri, content in files.items()]
    if with_seeds:
        raws += [RawDocument(source="t", uri=path.name, content=path.read_bytes()) for path in sorted(SEEDS.glob("*.txt"))]
    normalized = normalize_serial(documents_table(raws, "L"), "L")
    assert not normalized.rejects, normalized.rejects
    fps = normalized.fingerprints
    result = dedup_articles(normalized.articles, fps, StoredContext(candidates=fps.schema.empty_table()), NOW, "L")
    story = {row["article_id"]: row["story_id"] for row in result.members.to_pylist()}
    return {(row["uri"], row["title"]): story[row["article_id"]]
            for row in normalized.articles.select(["article_id", "uri", "title"]).to_pylist()}


def seed_story_id(stories: dict[tuple[str, str | None], str]) -> str:
    """The one story both seeds are in (asserted)."""
    ids = {story for (uri, _), story in stories.items() if uri.startswith(("000_", "001_"))}
    assert len(ids) == 1, ids
    return ids.pop()
