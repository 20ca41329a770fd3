"""`newsflow run`'s checks before Prefect starts and its exit-code rule: every case a message, an
exit code and no traceback."""

from __future__ import annotations

import gzip
import traceback
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from flows.cli import app
from flows.cli_checks import (
    default_targets,
    exit_code,
    run_guard,
    run_problems,
    source_was_read,
    warehouse_problem,
)
from flows.config import NewsflowConfig, parse_config
from flows.targets import RunPlan, TargetError, adhoc_source


def config(toml: str = "") -> NewsflowConfig:
    import tomllib

    return parse_config(tomllib.loads(toml))


@pytest.mark.parametrize(("read", "interrupted", "code"), [
    ([True], False, 0), ([True, True], False, 0), ([], False, 0),
    ([False], False, 1), ([True, False], False, 1),
    ([True], True, 130),
])
def test_exit_code_rule(read, interrupted, code):
    assert exit_code(read, interrupted) == code


def summary(inputs: int, rejects: int, unread: tuple[str, ...] = ()) -> dict:
    return {"inputs": inputs, "rejects": rejects, "load_id": "L1", "sources_unread": list(unread)}


def test_a_source_was_read_whatever_became_of_its_items(tmp_path: Path):
    feed = RunPlan(source_config=adhoc_source("https://example.com/rss", "feed"))
    name = feed.source_config.name
    assert source_was_read(feed, summary(3, 2))  # documents came
    assert source_was_read(feed, summary(0, 0))  # unchanged feed (304) or every item seen
    assert source_was_read(feed, summary(0, 5))  # every item failed: the feed was read → 0
    assert not source_was_read(feed, summary(0, 1, (name,)))  # the feed itself failed → 1
    assert source_was_read(feed, summary(0, 1, ("another-source",)))

    drop = tmp_path / "drop"
    drop.mkdir()
    folder = RunPlan(source_config=adhoc_source(str(drop), "folder"))
    assert source_was_read(folder, summary(0, 4))  # every file rejected: the folder was read → 0
    drop.rmdir()
    assert not source_was_read(folder, summary(0, 1))  # missing at run time → 1
    assert not source_was_read(RunPlan(paths=[str(drop)]), summary(0, 1))
    assert not source_was_read(RunPlan(source_config=adhoc_source(str(tmp_path / "*.warc.gz"), "warc")), summary(0, 1))


def test_warehouse_layouts(tmp_path: Path):
    assert warehouse_problem(str(tmp_path / "new")) is None
    assert warehouse_problem(str(tmp_path / "new" / "deeper")) is None
    assert warehouse_problem("s3://bucket/wh") is None
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / ".DS_Store").write_text("")
    assert warehouse_problem(str(empty)) is None
    lake = tmp_path / "lake"
    (lake / "data").mkdir(parents=True)
    (lake / "catalog.sqlite").write_text("")
    (lake / "catalog.sqlite.lock").write_text("")
    assert warehouse_problem(str(lake)) is None
    external_catalog = tmp_path / "pgdata"
    (external_catalog / "data").mkdir(parents=True)
    assert warehouse_problem(str(external_catalog)) is None
    delta = tmp_path / "delta"
    (delta / "loads" / "_delta_log").mkdir(parents=True)
    (delta / "catalog.duckdb").write_text("")
    assert warehouse_problem(str(delta)) is None

    file = tmp_path / "notes.txt"
    file.write_text("x")
    assert "is a file, not a folder" in warehouse_problem(str(file))
    assert "is a file, not a folder" in warehouse_problem(str(file / "wh"))
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    for name in ("README.md", "setup.py", "src", "x", "y"):
        (project / name).write_text("")
    problem = warehouse_problem(str(project))
    assert problem.startswith(f"{project} is not a newsflow warehouse (it holds README.md, data/, setup.py, src and 2 more)")


def test_bare_run_runs_the_configured_sources(tmp_path: Path):
    seeds = Path("seeds")
    assert default_targets(str(tmp_path / "newsflow.toml"), NewsflowConfig(), seeds) == ["seeds"]
    toml = tmp_path / "newsflow.toml"
    toml.write_text("")
    text = ('[[sources]]\nname = "a"\nkind = "feed"\nlocation = "https://example.com/rss"\n'
            '[[sources]]\nname = "b"\nkind = "folder"\nlocation = "/srv/drop"\nenabled = false\n'
            '[[sources]]\nname = "c"\nkind = "folder"\nlocation = "/srv/other"\n')
    assert default_targets(str(toml), config(text), seeds) == ["a", "c"]
    with pytest.raises(TargetError, match="has no enabled sources"):
        default_targets(str(toml), config('[warehouse]\nroot = "wh"'), seeds)


def test_run_problems(tmp_path: Path):
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "a.html.gz").write_bytes(gzip.compress(b"<p>x</p>"))
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / ".x.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    plans = [RunPlan(paths=[str(tmp_path / p) for p in ("drop", "missing", "hidden", "empty")]),
             RunPlan(source_config=adhoc_source(str(tmp_path / "*.warc.gz"), "warc"))]
    assert run_problems(plans, str(tmp_path / "wh"), NewsflowConfig()) == [
        f"no such file or folder: {tmp_path / 'missing'}",
        f"no files under {tmp_path / 'hidden'} (hidden files and folders are skipped)",
        f"no files under {tmp_path / 'empty'} (hidden files and folders are skipped)",
        f"no file matches {tmp_path / '*.warc.gz'}",
    ]
    # a configured source missing at run time is not a usage error: the run says so (exit 1)
    cfg = config(f'[[sources]]\nname = "gone"\nkind = "folder"\nlocation = "{tmp_path / "gone"}"')
    assert run_problems([RunPlan(source_config=cfg.source("gone"))], str(tmp_path / "wh"), cfg) == []


def test_run_guard_sends_prints_to_stderr_and_ctrl_c_exits_130(capfd):
    with run_guard():
        print("a library talking")
    assert capfd.readouterr().out == ""
    with pytest.raises(typer.Exit) as stopped, run_guard():
        raise KeyboardInterrupt
    assert stopped.value.exit_code == 130 and "interrupted" in capfd.readouterr().err


@pytest.fixture
def no_pipeline(monkeypatch):
    """Every case below must stop before the flow (and Prefect) starts."""
    import flows.pipeline

    def refuse(*args, **kwargs):
        raise AssertionError("the flow started")

    monkeypatch.setattr(flows.pipeline, "news_pipeline", refuse)
    monkeypatch.delenv("NEWSFLOW_WAREHOUSE", raising=False)
    monkeypatch.delenv("NEWSFLOW_CONFIG", raising=False)


def run_cli(*args: str):
    result = CliRunner().invoke(app, ["run", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise AssertionError("".join(traceback.format_exception(result.exception)))
    return result


def one_line(result) -> str:
    return " ".join(result.stderr.split())


@pytest.mark.parametrize("case", ["missing-path", "empty-folder", "warehouse-file", "not-a-warehouse", "bad-timezone",
                                  "misspelt-table", "no-enabled-sources", "bad-cron", "missing-warc"])
def test_usage_errors_say_what_and_where_and_exit_2(case: str, tmp_path: Path, monkeypatch, no_pipeline):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "a.txt").write_text("A story.")
    wh = ["--warehouse", str(tmp_path / "wh")]
    if case == "missing-path":
        result, expected = run_cli(str(tmp_path / "nope"), *wh), f"no such file or folder: {tmp_path / 'nope'}"
    elif case == "empty-folder":
        (tmp_path / "empty").mkdir()
        result, expected = run_cli("empty", *wh), "no files under empty"
    elif case == "warehouse-file":
        (tmp_path / "wh.txt").write_text("x")
        result, expected = run_cli("drop", "--warehouse", "wh.txt"), "wh.txt is a file, not a folder"
    elif case == "not-a-warehouse":
        (tmp_path / "stuff").mkdir()
        (tmp_path / "stuff" / "notes.txt").write_text("x")
        result, expected = run_cli("drop", "--warehouse", "stuff"), "stuff is not a newsflow warehouse (it holds notes.txt)"
    elif case == "bad-timezone":
        (tmp_path / "newsflow.toml").write_text('[[sources]]\nname = "d"\nkind = "folder"\nlocation = "drop"\n'
                                                'cron = "0 * * * *"\ntimezone = "Europe/Berln"\n')
        result, expected = run_cli(*wh), "'Europe/Berln' is not a time zone: did you mean 'Europe/Berlin'"
    elif case == "bad-cron":
        (tmp_path / "newsflow.toml").write_text('[[sources]]\nname = "d"\nkind = "folder"\nlocation = "drop"\ncron = "*/15 * * *"\n')
        result, expected = run_cli(*wh), "'*/15 * * *' is not a cron expression: it has 4 fields"
    elif case == "misspelt-table":
        (tmp_path / "newsflow.toml").write_text('[[source]]\nname = "d"\nkind = "folder"\nlocation = "drop"\n')
        result, expected = run_cli(*wh), "[[source]] is not part of a newsflow config: did you mean [[sources]]?"
    elif case == "no-enabled-sources":
        (tmp_path / "newsflow.toml").write_text('[[sources]]\nname = "d"\nkind = "folder"\nlocation = "drop"\nenabled = false\n')
        result, expected = run_cli(*wh), "newsflow.toml has no enabled sources: name what to run"
    else:
        result, expected = run_cli("crawl-*.warc.gz", *wh), "no file matches crawl-*.warc.gz"
    assert result.exit_code == 2, result.output
    assert expected in one_line(result)
    assert "Traceback" not in result.output


def test_configured_paths_are_read_against_the_config_folder(tmp_path: Path, monkeypatch, no_pipeline):
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "newsflow.toml").write_text('[warehouse]\nroot = "wh-file"\n[[sources]]\nname = "d"\nkind = "folder"\nlocation = "drop"\n')
    (etc / "wh-file").write_text("x")
    monkeypatch.chdir(tmp_path)
    result = run_cli("--config", "etc/newsflow.toml")
    assert result.exit_code == 2 and f"{etc / 'wh-file'} is a file" in one_line(result)
