"""`newsflow report`, `newsflow queries`, `newsflow sql --query`: output, JSON, and errors that say what to do."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tasks.report.page import embedded_specs


@pytest.fixture
def cli(news_warehouse, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_WAREHOUSE", str(news_warehouse[0]))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_report_writes_a_page(cli, tmp_path):
    out = tmp_path / "sub" / "r.html"
    result = cli("report", "--since", "2017-12-02", "--out", str(out))
    assert result.exit_code == 0, result.output
    specs = embedded_specs(out.read_text())
    assert min(r["bucket"] for r in specs["articles_per_day"]["data"]["values"]) == "2017-12-02"
    assert "report written to" in result.stderr


def test_report_refuses_a_bad_date(cli, tmp_path):
    result = cli("report", "--since", "last week", "--out", str(tmp_path / "r.html"))
    assert result.exit_code == 2 and "write YYYY-MM-DD" in result.stderr


def test_queries_lists_names_and_parameters(cli):
    result = cli("queries", "--format", "json")
    assert result.exit_code == 0
    queries = {q["name"]: q for q in json.loads(result.stdout)}
    assert queries["top_entities"]["parameters"]["labels"]["default"] == "PERSON,ORG"


def test_sql_runs_a_canned_query_with_params(cli):
    result = cli("sql", "--query", "top_entities", "--param", "since=2017-12-01", "--param", "labels=ORG", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows and {r["label"] for r in rows} == {"ORG"}


@pytest.mark.parametrize(("args", "message"), [
    (["sql", "--query", "nope"], "no canned query 'nope'"),
    (["sql", "--query", "top_entities", "--param", "sinse=2017-01-01"], "it takes: labels, limit, since"),
    (["sql", "--query", "places", "--param", "since=yesterday"], "Check the --param values"),
    (["sql", "--query", "places", "--param", "since"], "NAME=VALUE"),
    (["sql"], "give either SQL text"),
    (["sql", "select 1", "--query", "places"], "give either SQL text"),
])
def test_sql_errors(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2 and message in " ".join(result.stderr.split()), result.stderr


def test_every_command_has_help_examples():
    import typer.main

    group = typer.main.get_command(app)
    commands = [(name, cmd) for name, cmd in group.commands.items()]
    commands += [(f"eval {n}", c) for n, c in group.commands["eval"].commands.items()]
    missing = [name for name, cmd in commands if name != "eval" and "Examples" not in (cmd.help or "")]
    assert not missing, f"commands without [b]Examples[/b] in --help: {missing}"
