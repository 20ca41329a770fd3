"""`newsflow show STORY [--diff]` on the seed pair and the seed article in five more renditions
(PDF, DOCX, an e-mail newsletter, NewsML-G2, ninjs): one story of 7 members that says which member
gave each field, lists every sighting and shows how each copy's text differs.

The warehouse is written by the pipeline's own functions without a flow run (no enrichment),
which keeps this to a few seconds."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tasks.dedup.batch import StoredContext, dedup_articles
from tasks.ingest import documents_table, sightings_table
from tasks.normalize.documents import normalize_serial
from tasks.records import RawDocument
from tests.tasks.normalize.renderings import (
    SEEDS,
    other_story,
    render_docx,
    render_eml,
    render_newsml,
    render_ninjs,
    render_pdf,
    seed_story,
)
from warehouse.lake import Warehouse, close_instances
from warehouse.lookups import load_dedup_context
from warehouse.publish import publish_tables

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
TITLE = "Putin Orders Russian Military to Withdraw During Surprise Syria Visit"


def _files() -> dict[str, bytes]:
    story = seed_story()
    return {
        "seed.pdf": render_pdf(story), "seed.docx": render_docx(story), "briefing.eml": render_eml([story, other_story()]),
        "seed.xml": render_newsml(story), "seed.json": render_ninjs(story),
        **{path.name: path.read_bytes() for path in sorted(SEEDS.glob("*.txt"))},
    }


def _publish(root, raws: list[RawDocument]):
    """What a run writes (no enrichment): documents, sightings, articles, links, fingerprints, stories."""
    normalized = normalize_serial(documents_table(raws, "L"), "L")
    assert not normalized.rejects
    fps = normalized.fingerprints
    wh = Warehouse(root)
    with wh.reading(for_run=True) as con:
        stored = load_dedup_context(con, fps)
    dedup = dedup_articles(normalized.articles, fps, stored, NOW, "L")
    with wh.writing(upkeep=False) as con:
        publish_tables(con, {
            "documents": documents_table(raws, "L"), "sightings": sightings_table(raws, "L"), "articles": normalized.articles,
            "links": normalized.links, "fingerprints": fps, "story_members": dedup.members, "stories": dedup.stories,
        })
    return normalized


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    files = _files()
    raws = [RawDocument(source="drop", uri=uri, content=content, fetched_at=NOW) for uri, content in files.items()]
    raws.append(RawDocument(source="mirror", uri="again/seed.json", content=files["seed.json"], fetched_at=NOW))  # same bytes elsewhere
    root = tmp_path_factory.mktemp("show") / "wh"
    normalized = _publish(root, raws)
    articles = {row["uri"]: row for row in normalized.articles.select(["article_id", "uri", "format", "title"]).to_pylist()}
    return root, articles


def _show(root, *args: str):
    result = CliRunner().invoke(app, ["show", *args], env={"NEWSFLOW_WAREHOUSE": str(root), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_seven_renditions_make_one_story_that_says_where_its_fields_came_from(warehouse):
    root, articles = warehouse
    with Warehouse(root).reading() as con:
        (story_id,) = con.execute("SELECT story_id FROM stories WHERE article_count = 7").fetchone()
    doc = json.loads(_show(root, story_id, "--format", "json"))
    formats = {m["format"] for m in doc["members"]}
    assert formats == {"markdown", "plaintext", "pdf", "docx", "email", "newsml-g2", "ninjs"}
    markdown = articles["000_efcf20f61807cfed.txt"]["article_id"]
    # the story's fields are the seed pair's: title, date and URL of the markdown scrape, which gave all three
    assert (doc["title"], doc["published_local"], doc["published_raw"]) == (TITLE, "2017-12-11", "December 11, 2017")
    assert doc["canonical_url"].endswith("a59895") and doc["canonical_article_id"] == markdown
    assert doc["title_from"] == doc["date_from"] == doc["url_from"] == markdown
    # every sighting of every member: the ninjs bytes came twice, from two sources
    sighted = {(s["source"], s["uri"]) for s in doc["sightings"]}
    assert ("drop", "seed.json") in sighted and ("mirror", "again/seed.json") in sighted and len(sighted) == 8
    assert all(s["seen_count"] == 1 and s["first_seen_at"] for s in doc["sightings"])


def test_show_diff_prints_what_each_member_adds_or_lacks(warehouse):
    root, articles = warehouse
    with Warehouse(root).reading() as con:
        (story_id,) = con.execute("SELECT story_id FROM stories WHERE article_count = 7").fetchone()
    text = _show(root, story_id[:10], "--diff")
    diff = text[text.index("Diff against the canonical text"):]
    docx = articles["seed.docx"]["article_id"]
    # the DOCX has a section heading and a closing line the canonical text has not; the others say the same
    assert f"{docx} (docx seed.docx): 2 paragraphs added" in diff
    assert "  + ¶6 Reactions" in diff and "  + ¶13 Read the original at themoscowtimes.com" in diff
    same = [a for a in articles.values() if a["format"] in ("pdf", "newsml-g2", "ninjs", "plaintext")]
    for article in same:
        assert f"{article['article_id']} ({article['format']} {article['uri']}): same text" in diff
    assert "Sightings" in text and "again/seed.json" in text
    doc = json.loads(_show(root, story_id, "--diff", "--format", "json"))
    changes = {d["article_id"]: d["changes"] for d in doc["diff"]}
    assert len(changes) == 6 and changes[articles["seed.pdf"]["article_id"]] == []
    assert changes[docx][0] == {"kind": "adds", "text": "Reactions", "position": 6}


def test_a_warehouse_from_before_the_new_columns_gets_them(tmp_path):
    import duckdb

    root = tmp_path / "wh"
    seeds = {path.name: path.read_bytes() for path in sorted(SEEDS.glob("*.txt"))}
    _publish(root, [RawDocument(source="drop", uri=uri, content=content, fetched_at=NOW) for uri, content in seeds.items()])
    con = duckdb.connect()  # as if written by an older newsflow: none of the new columns, no sightings
    for name in ("sqlite", "ducklake"):
        con.execute(f"LOAD {name}")
    con.execute(Warehouse(root).attach_sql())
    con.execute("BEGIN")  # one catalog snapshot for the lot
    for table, columns in (("articles", ("published_local", "published_offset_minutes", "published_raw")),
                           ("stories", ("published_local", "published_offset_minutes", "published_raw", "title_from", "date_from", "url_from"))):
        for column in columns:
            con.execute(f'ALTER TABLE lake.{table} DROP COLUMN "{column}"')
    con.execute("DROP TABLE lake.sightings")
    con.execute("COMMIT")
    con.close()
    close_instances()
    with Warehouse(root).reading() as con:
        (story_id,) = con.execute("SELECT story_id FROM stories").fetchone()
    old = json.loads(_show(root, story_id, "--diff", "--format", "json"))  # read-only: shows what there is
    assert "title_from" not in old and old["sightings"] == [] and len(old["diff"]) == 1
    close_instances()
    story = seed_story()  # the next run's writer adds the columns; stored members (no local dates) merge with new ones
    _publish(root, [RawDocument(source="drop", uri="seed.xml", content=render_newsml(story), fetched_at=NOW),
                    RawDocument(source="drop", uri="seed.json", content=render_ninjs(story), fetched_at=NOW)])
    close_instances()
    doc = json.loads(_show(root, story_id, "--format", "json"))
    assert doc["article_count"] == 4 and doc["title_from"] == doc["canonical_article_id"]
    # the date is still the stored seed's, read before local dates were kept (`reprocess --stage normalize` fills them)
    assert doc["date_from"] == doc["canonical_article_id"] and doc["published_local"] is None
    assert {m["format"] for m in doc["members"]} == {"markdown", "plaintext", "newsml-g2", "ninjs"}
