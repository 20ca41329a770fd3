"""`newsflow` at a terminal, end to end through the console script: stdout carries data only,
compressed inputs are read, long tables are cut, story-id prefixes work. Slow: a real run."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SEEDS

NEWSFLOW = Path(sys.executable).parent / "newsflow"
LITHUANIAN = """Seimas priėmė kitų metų valstybės biudžetą

Vilnius, gruodžio 11 d. Lietuvos Respublikos Seimas antradienį priėmė kitų metų valstybės biudžetą.
Už jį balsavo dauguma Seimo narių, o opozicija teigė, kad biudžetas nepadės sumažinti skurdo.

Finansų ministras sakė, kad valstybės skola kitais metais nedidės, o pensijos ir mokytojų
atlyginimai bus didinami. Savivaldybės gaus daugiau lėšų keliams ir mokykloms tvarkyti.

Opozicijos atstovai žadėjo kreiptis į Konstitucinį Teismą, nes, jų nuomone, kai kurie mokesčių
pakeitimai buvo priimti skubotai ir be reikiamo svarstymo komitetuose.
"""


def newsflow(*args: str, warehouse: Path, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWSFLOW_WAREHOUSE": str(warehouse)}
    env.pop("PREFECT_API_URL", None)
    env.pop("NEWSFLOW_CONFIG", None)
    return subprocess.run([str(NEWSFLOW), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


@pytest.mark.slow
def test_run_json_stays_json_with_lithuanian_text_and_compressed_inputs(tmp_path: Path, prefect_harness: Path):
    # no PREFECT_API_URL: `newsflow run` starts its temporary server, from the migrated database the harness seeded
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "seimas.txt").write_text(LITHUANIAN, encoding="utf-8")
    seed = sorted(SEEDS.iterdir())[0]
    (drop / f"{seed.name}.gz").write_bytes(gzip.compress(seed.read_bytes()))
    root = tmp_path / "wh"

    out = newsflow("run", str(drop), "--format", "json", warehouse=root)
    assert out.returncode == 0, out.stderr[-3000:]
    summary = json.loads(out.stdout)  # yake's "Warning: reading stopword list as ISO-8859-1" went to stderr
    assert summary["articles"] == 2 and summary["rejects"] == 0
    assert "ISO-8859-1" in out.stderr  # the library did print: it reached the user, not the JSON

    articles = json.loads(newsflow("sql", "select language, uri from articles order by uri", "--format", "json", warehouse=root).stdout)
    assert [a["language"] for a in articles] == ["en", "lt"]
    assert articles[0]["uri"].endswith(".txt.gz")

    table = newsflow("sql", "select language from articles", "--limit", "1", warehouse=root)
    assert table.returncode == 0 and "showing 1 of 2 rows" in table.stderr

    stories = json.loads(newsflow("stories", "--format", "json", warehouse=root).stdout)
    story_id = stories[0]["story_id"]
    shown = newsflow("show", story_id[:10], "--format", "json", warehouse=root)
    assert shown.returncode == 0 and json.loads(shown.stdout)["story_id"] == story_id


@pytest.fixture
def site():
    from pytest_httpserver import HTTPServer

    from tests.flows.sitehelpers import Site

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield Site(server)
    server.clear()
    server.stop()


@pytest.mark.slow
def test_exit_codes_follow_the_rule(site, tmp_path: Path, prefect_harness, monkeypatch):
    """A feed read whose every page failed exits 0 (its items wait for a retry); an unreachable feed or a configured folder
    gone at run time exits 1 (flows/cli_checks.py has the rule and its unit tests)."""
    from typer.testing import CliRunner

    from flows.cli import app

    monkeypatch.setenv("NEWSFLOW_ALLOW_PRIVATE_NETWORKS", "1")
    feed = site.set_feed("/rss.xml", "rss", [("gone1", "Gone one"), ("gone2", "Gone two")])
    site.pages = {path: page for path, page in site.pages.items() if path == "/rss.xml"}  # every item 404s
    (tmp_path / "newsflow.toml").write_text(
        f'[warehouse]\nroot = "wh"\n'
        f'[[sources]]\nname = "wire"\nkind = "feed"\nlocation = "{feed}"\ntimeout = "2s"\nmax_retries = 0\nmin_host_interval = 0\n'
        f'[[sources]]\nname = "dead"\nkind = "feed"\nlocation = "{site.url("/missing.xml")}"\ntimeout = "2s"\nmax_retries = 0\nmin_host_interval = 0\n'
        f'[[sources]]\nname = "drop"\nkind = "folder"\nlocation = "drop"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSFLOW_WAREHOUSE", raising=False)

    def run(*args: str):
        result = CliRunner().invoke(app, ["run", *args, "--format", "json"], catch_exceptions=False)
        return result.exit_code, [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")], result.stderr

    code, (summary,), _ = run("wire")
    assert (code, summary["inputs"], summary["rejects"], summary["item_failures"]) == (0, 0, 0, 2)
    code, _, err = run("dead")
    assert code == 1 and "could not read dead" in " ".join(err.split())
    code, (summary,), err = run("drop")  # drop/ beside newsflow.toml does not exist
    assert code == 1 and summary["rejects_by_reason"] == {"ingest/not-found": 1}
    assert (tmp_path / "wh" / "catalog.sqlite").exists()  # the config's relative root, read against its folder
