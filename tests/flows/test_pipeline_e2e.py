"""End to end: the news-pipeline flow on the seeds, re-runs, a third rendition, bad inputs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from flows.pipeline import news_pipeline
from tests.conftest import FIXTURES, REPO
from warehouse.lake import Warehouse
from warehouse.lake import connect

SEED_URL = "https://themoscowtimes.com/2017/12/11/putin-orders-russian-military-to-withdraw-during-surprise-syria-visit-a59895"
DATA_TABLES = ["documents", "articles", "links", "fingerprints", "story_members", "stories", "rejects"]


def table_counts(root: Path) -> dict[str, int]:
    con = connect(Warehouse(root))
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in DATA_TABLES}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, prefect_harness):
    root = tmp_path_factory.mktemp("wh") / "warehouse"
    first = news_pipeline([str(REPO / "seeds")], str(root))
    return root, first


def test_seeds_become_one_story(seeded):
    root, summary = seeded
    assert summary["documents"] == 2 and summary["articles"] == 2
    con = connect(Warehouse(root))
    stories = con.execute("SELECT story_id, title, published_at::DATE::VARCHAR, canonical_url, article_count FROM stories").fetchall()
    assert len(stories) == 1
    story_id, title, published, url, count = stories[0]
    assert title == "Putin Orders Russian Military to Withdraw During Surprise Syria Visit"
    assert published == "2017-12-11"
    assert url == SEED_URL
    assert count == 2
    members = con.execute("SELECT count(*) FROM story_members WHERE story_id = ?", [story_id]).fetchone()[0]
    assert members == 2


def test_seed_links_and_bodies(seeded):
    root, _ = seeded
    con = connect(Warehouse(root))
    urls = {r[0] for r in con.execute("SELECT l.url FROM links l JOIN articles a USING (article_id) WHERE a.format = 'plaintext'").fetchall()}
    assert urls == {
        "https://themoscowtimes.com/news/syria-100-percent-free-from-islamic-state-says-russias-defense-ministry-59846",
        "https://www.themoscowtimes.com/2025/10/24/syria-100-percent-free-from-islamic-state-says-russias-defense-ministry",
        "https://ria.ru/syria/20171211/1510638374.html",
    }
    bodies = dict(con.execute("SELECT format, body FROM articles").fetchall())
    assert "state-run RIA Novosti news agency" in bodies["plaintext"]
    assert "http" not in bodies["plaintext"]
    for body in bodies.values():
        assert "**" not in body and "](#)" not in body and "Original url" not in body


def test_rerun_adds_no_rows(seeded, tmp_path):
    root, _ = seeded
    before = table_counts(root)
    loads = connect(Warehouse(root)).execute("SELECT count(*) FROM loads").fetchall()[0][0]
    again = news_pipeline([str(REPO / "seeds")], str(root))
    assert again["documents"] == 0 and again["articles"] == 0 and again["load_id"] is None
    assert table_counts(root) == before
    assert connect(Warehouse(root)).execute("SELECT count(*) FROM loads").fetchall()[0][0] == loads


def test_third_rendition_joins_the_story(seeded, tmp_path):
    root = tmp_path / "wh"
    shutil.copytree(seeded[0], root)
    news_pipeline([str(FIXTURES / "moscow_times_syria.html")], str(root))
    con = connect(Warehouse(root))
    assert con.execute("SELECT count(*) FROM stories").fetchone()[0] == 1
    assert con.execute("SELECT article_count FROM stories").fetchone()[0] == 3
    html_method = con.execute(
        "SELECT m.method FROM story_members m JOIN articles a USING (article_id) WHERE a.format = 'html'"
    ).fetchone()[0]
    assert html_method in {"url", "near", "canonical"}


def test_bad_inputs_are_rejected_and_latin1_decoded(tmp_path, prefect_harness):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    latin = "Café owners in Montréal say the façade of the old théâtre will be restored next year, officials said."
    (inbox / "latin1.txt").write_bytes((latin + "\n\n" + latin.replace("next", "this")).encode("latin-1"))
    summary = news_pipeline([str(inbox)], str(tmp_path / "wh"))
    con = connect(Warehouse(tmp_path / "wh"))
    rejects = {Path(uri).name: reason for uri, reason in con.execute("SELECT uri, reason FROM rejects").fetchall()}
    assert rejects == {"empty.txt": "empty-file", "image.txt": "binary"}
    body = con.execute("SELECT body FROM articles").fetchone()[0]
    assert "Café owners in Montréal" in body and "façade" in body
    assert summary["rejects"] == 2


def test_duckdb_cli_reads_the_lake(seeded):
    """The `duckdb` CLI of the same release, given the ATTACH script `newsflow shell` uses."""
    from warehouse.shell import attach_script

    root, _ = seeded
    cli = shutil.which("duckdb", path=str(REPO / ".venv" / "bin")) or shutil.which("duckdb")
    if cli is None:
        pytest.skip("duckdb CLI not installed")
    script = attach_script(Warehouse(root)) + "\n.mode csv\nselect count(*) as n, min(title) as t from stories;\n"
    out = subprocess.run([cli], input=script, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1] == "1,Putin Orders Russian Military to Withdraw During Surprise Syria Visit"
