"""Every named source kind honours the common call shape."""

from __future__ import annotations

from pathlib import Path

from tasks.sources.base import SourceState
from tasks.sources.registry import SOURCE_KINDS, split_items


def test_every_kind_turns_a_missing_local_file_into_a_reject(tmp_path: Path) -> None:
    assert set(SOURCE_KINDS) == {"feed", "sitemap", "urls", "warc"}
    for kind, iter_source in SOURCE_KINDS.items():
        docs, rejects = split_items(
            iter_source(str(tmp_path / "absent"), fetcher=None, state=SourceState())
        )
        assert docs == [] and [(r.reason, r.stage) for r in rejects] == [("not-found", "ingest")], kind
