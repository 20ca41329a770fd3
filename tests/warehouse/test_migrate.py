"""`newsflow migrate`: a Delta warehouse written by newsflow before DuckLake gives the same rows and
query results in the new warehouse.

The fixture `tests/fixtures/delta_warehouse/` was written by newsflow at commit e3cebc9 (the
last Delta Lake version) from two runs over a small mixed corpus (the second corrects two stories
of the first), and `tests/fixtures/delta_expected.json` holds what that version's views showed:
every table's rows and five canned queries. `tests/fixtures/make_delta_fixture.py` made both
(run with that commit's code on PYTHONPATH).
"""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from flows.cli import app
from tests.conftest import FIXTURES
from warehouse.canned import get_query
from warehouse.lake import Warehouse
from warehouse.story_vectors import ROWS_SQL as STORY_VECTOR_ROWS

EXPECTED = json.loads((FIXTURES / "delta_expected.json").read_text())


def test_migrate_gives_the_rows_and_query_results_the_delta_warehouse_showed(tmp_path):
    source = tmp_path / "old"
    shutil.copytree(FIXTURES / "delta_warehouse", source)  # migrate only reads, but keep the fixture pristine
    target = tmp_path / "new"
    result = CliRunner().invoke(app, ["migrate", str(source), "--warehouse", str(target), "--format", "json"])
    assert result.exit_code == 0, result.output
    written = {r["table"]: r["rows"] for r in json.loads(result.stdout)}
    assert written["stories"] == EXPECTED["stories"]["count"] > 0
    with Warehouse(target).reading() as con:
        for table, want in EXPECTED.items():
            if table.startswith("query:") or "columns" not in want:
                continue
            stored = [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
            keep = [i for i, c in enumerate(want["columns"]) if c in stored]  # `loads.replaces` belonged to the old protocol
            wanted = [json.loads(r) for r in want["rows"]]
            if table == "loads":  # the old run log also listed each run's `started` row; a commit is all a lake records
                status = want["columns"].index("status")
                wanted = [r for r in wanted if r[status] == "committed"]
            columns = ", ".join(f'"{want["columns"][i]}"' for i in keep)
            rows = con.execute(f'SELECT {columns} FROM "{table}"').fetchall()
            got = sorted(json.dumps(list(r), default=str) for r in rows)
            assert got == sorted(json.dumps([r[i] for i in keep]) for r in wanted), table
        assert con.execute("SELECT count(*) FROM story_merges").fetchone()[0] == EXPECTED["story_merges"]["count"]
        # story_vectors, newer than the Delta warehouses, made from the migrated stories and embeddings
        vectors = con.execute("SELECT count(*) FROM story_vectors").fetchone()[0]
        assert vectors > 0 and vectors == con.execute(f"SELECT count(*) FROM ({STORY_VECTOR_ROWS})").fetchone()[0]
        for key, want in EXPECTED.items():
            if key.startswith("query:"):
                _, rows = get_query(key.split(":", 1)[1]).run(con)
                assert [json.dumps(list(r), default=str) for r in rows] == want, key


def test_migrate_refuses_what_is_not_an_earlier_warehouse_and_a_used_target(tmp_path):
    cli = CliRunner()
    refused = cli.invoke(app, ["migrate", str(tmp_path), "--warehouse", str(tmp_path / "new")])
    assert refused.exit_code == 2 and "not a Delta warehouse" in " ".join(refused.output.split())
    shutil.copytree(FIXTURES / "delta_warehouse", tmp_path / "old")
    assert cli.invoke(app, ["migrate", str(tmp_path / "old"), "--warehouse", str(tmp_path / "new")]).exit_code == 0
    again = cli.invoke(app, ["migrate", str(tmp_path / "old"), "--warehouse", str(tmp_path / "new")])
    assert again.exit_code == 2 and "already holds runs" in " ".join(again.output.split())
