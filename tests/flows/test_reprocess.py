"""newsflow reprocess rebuilds derived tables from documents, atomically."""

from __future__ import annotations

import shutil

import pytest

from flows.pipeline import news_pipeline
from flows.reprocess import Stage, news_reprocess
from tests.conftest import FIXTURES, REPO
from tests.reliability.helpers import snapshot
from warehouse.lake import Warehouse
from warehouse.lake import connect

DERIVED = ["articles", "links", "fingerprints", "story_members", "stories"]


def partition(member_rows) -> set[frozenset[str]]:
    stories: dict[str, set[str]] = {}
    for article_id, story_id, *_ in member_rows:
        stories.setdefault(story_id, set()).add(article_id)
    return {frozenset(v) for v in stories.values()}


@pytest.fixture(scope="module")
def built(tmp_path_factory, prefect_harness):
    root = tmp_path_factory.mktemp("rp") / "wh"
    news_pipeline([str(REPO / "seeds")], str(root))
    news_pipeline([str(FIXTURES / "moscow_times_syria.html")], str(root))
    return root


def test_reprocess_normalize_gives_the_same_tables(built, tmp_path):
    root = tmp_path / "wh"
    shutil.copytree(built, root)
    before = snapshot(root)
    names = "SELECT label, name, entity_id, entity_label, canonical_name, articles FROM entity_names ORDER BY ALL"
    with Warehouse(root).reading() as con:
        names_before = con.execute(names).fetchall()
    result = news_reprocess(str(root), Stage.normalize)
    assert result["rows_written"]["articles"] == 3
    after = snapshot(root)
    for table in ["documents", "articles", "links", "rejects"]:
        assert after[table] == before[table], table
    assert partition(after["story_members"]) == partition(before["story_members"])
    con = connect(Warehouse(root))
    assert con.execute("SELECT count(*), max(article_count) FROM stories").fetchall() == [(1, 3)]
    assert con.execute("SELECT count(*) FROM entities").fetchall()[0][0] > 0
    # the rebuilt story's vector is its new canonical article's
    assert result["rows_written"]["story_vectors"] == 1
    assert con.execute("SELECT count(*) FROM story_vectors v JOIN stories s USING (story_id, canonical_article_id) "
                       "JOIN embeddings e ON e.article_id = v.canonical_article_id AND e.vector = v.vector").fetchone()[0] == 1
    # entity_names built run by run equals the one rebuilt from every entity row at once
    assert names_before and con.execute(names).fetchall() == names_before


def test_parser_change_shows_only_after_reprocess(built, tmp_path, monkeypatch):
    root = tmp_path / "wh"
    shutil.copytree(built, root)
    import tasks.normalize.documents as batch

    original = batch.article_row

    def shouting_title(item, doc, art_id, load_id):
        row = original(item, doc, art_id, load_id)
        row["title"] = (row["title"] or "").upper() or None
        return row

    monkeypatch.setattr(batch, "article_row", shouting_title)
    news_reprocess(str(root), Stage.normalize)
    titles = {r[0] for r in connect(Warehouse(root)).execute("SELECT title FROM articles WHERE title IS NOT NULL").fetchall()}
    assert titles == {"PUTIN ORDERS RUSSIAN MILITARY TO WITHDRAW DURING SURPRISE SYRIA VISIT"}
    assert connect(Warehouse(root)).execute("SELECT count(*) FROM articles").fetchall()[0][0] == 3


def test_reprocess_dedup_and_enrich_stages(built, tmp_path):
    root = tmp_path / "wh"
    shutil.copytree(built, root)
    before = connect(Warehouse(root)).execute("SELECT count(*) FROM entities").fetchall()[0][0]
    news_reprocess(str(root), Stage.dedup)
    news_reprocess(str(root), Stage.enrich)
    con = connect(Warehouse(root))
    assert con.execute("SELECT count(*) FROM entities").fetchall()[0][0] == before
    assert con.execute("SELECT count(*), sum(article_count) FROM stories").fetchall() == [(1, 3)]
    assert con.execute("SELECT count(*) FROM story_members").fetchall()[0][0] == 3
