"""Golden files for the whole-file renditions: what each normalizer reads from a rendering of the
seed, as JSON beside the tests. NEWSFLOW_UPDATE_GOLDEN=1 rewrites them (then review the diff)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tasks.records import ParsedArticle

GOLDEN = Path(__file__).resolve().parent / "golden"


def as_golden(article: ParsedArticle) -> dict:
    return {
        "format": article.format,
        "title": article.title,
        "authors": list(article.authors),
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "language": article.language,
        "canonical_url": article.canonical_url,
        "site_name": article.site_name,
        "links": [[link.url, link.text, link.kind] for link in article.links],
        "extra": {k: v for k, v in sorted(article.extra.items()) if v not in (None, [], {}, "")},
        "paragraphs": article.body.split("\n\n"),
    }


def assert_golden(name: str, articles: list[ParsedArticle]) -> None:
    path = GOLDEN / f"{name}.json"
    found = [as_golden(a) for a in articles]
    if os.environ.get("NEWSFLOW_UPDATE_GOLDEN") == "1" or not path.exists():
        path.write_text(json.dumps(found, indent=1, ensure_ascii=False, default=str) + "\n")
    assert json.loads(json.dumps(found, default=str)) == json.loads(path.read_text()), f"{path.name} differs"
