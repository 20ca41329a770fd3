"""The README's commands, run as a user runs them: the installed `newsflow` console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

NEWSFLOW = Path(sys.executable).parent / "newsflow"


def newsflow(*args: str, warehouse: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWSFLOW_WAREHOUSE": str(warehouse)}
    env.pop("PREFECT_API_URL", None)  # the README runs on Prefect's temporary server
    out = subprocess.run([str(NEWSFLOW), *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    if check:
        assert out.returncode == 0, out.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "wh"
    out = newsflow("run", "--format", "json", warehouse=root)
    summary = json.loads(out.stdout)  # stdout is only the JSON summary; logs went to stderr
    assert summary["documents"] == 2 and summary["articles"] == 2 and summary["stories_new"] == 1
    return root


def test_sql_json_is_one_array_on_stdout(warehouse):
    out = newsflow("sql", "select count(*) from stories", "--format", "json", warehouse=warehouse)
    assert json.loads(out.stdout) == [{"count_star()": 1}]


def test_sql_csv(warehouse):
    out = newsflow("sql", "select article_count, title from stories", "--format", "csv", warehouse=warehouse)
    assert out.stdout.splitlines() == ["article_count,title", "2,Putin Orders Russian Military to Withdraw During Surprise Syria Visit"]


def test_sql_is_read_only_and_confined(warehouse):
    out = newsflow("sql", "select * from read_csv('/etc/passwd')", warehouse=warehouse, check=False)
    assert out.returncode != 0 and "query failed" in out.stderr
    out = newsflow("sql", "copy (select 1) to '/tmp/newsflow-escape.csv'", warehouse=warehouse, check=False)
    assert out.returncode != 0 and not Path("/tmp/newsflow-escape.csv").exists()
    # into the lake's own data folder, which its reader may read: refused before it runs
    inside = Path(warehouse) / "data" / "main" / "stories" / "evil.parquet"
    out = newsflow("sql", f"copy (select 1) to '{inside}'", warehouse=warehouse, check=False)
    assert out.returncode == 2 and "only reads" in " ".join(out.stderr.split()) and not inside.exists()
    out = newsflow("sql", "attach 'x.db'; select 1", warehouse=warehouse, check=False)
    assert out.returncode == 2


def test_stories_and_show(warehouse):
    stories = json.loads(newsflow("stories", "--format", "json", warehouse=warehouse).stdout)
    assert len(stories) == 1 and stories[0]["copies"] == 2
    story = json.loads(newsflow("show", stories[0]["story_id"], "--format", "json", warehouse=warehouse).stdout)
    assert story["title"] == "Putin Orders Russian Military to Withdraw During Surprise Syria Visit"
    assert {m["method"] for m in story["members"]} == {"canonical", "exact"}
    assert {link["kind"] for link in story["links"]} == {"canonical", "related", "source"}
    assert {"label": "PERSON", "name": "Vladimir Putin"}.items() <= story["entities"][0].items()  # canonical names
    table = newsflow("show", stories[0]["story_id"], warehouse=warehouse).stdout
    assert "Members" in table and "ria.ru" in table


def test_unknown_story_and_missing_warehouse_explain_themselves(warehouse, tmp_path):
    out = newsflow("show", "st_nope", warehouse=warehouse, check=False)
    assert out.returncode == 1 and "no story" in out.stderr
    out = newsflow("stories", warehouse=tmp_path / "absent", check=False)
    assert out.returncode == 1 and "newsflow run" in out.stderr
