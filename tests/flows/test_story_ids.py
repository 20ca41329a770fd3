"""Story ids: never wrapped in a table, and any unique prefix stands for the whole id."""

from __future__ import annotations

import io

import duckdb
import pytest
import typer
from rich.console import Console

from flows import output
from flows.output import Format, limit_rows, print_rows
from flows.story_ids import resolve_story_id

IDS = ["st_f539d0ce136719eab8285986", "st_f539d1aa000000000000000", "st_0a1b2c3d4e5f60718293a4b5"]


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("CREATE TABLE stories (story_id VARCHAR, title VARCHAR)")
    con.executemany("INSERT INTO stories VALUES (?, 'x')", [[i] for i in IDS])
    return con


def test_prefixes_resolve_when_unique(con):
    assert resolve_story_id(con, IDS[0]) == IDS[0]
    assert resolve_story_id(con, "st_0a1b") == IDS[2]
    assert resolve_story_id(con, "0a1b2c") == IDS[2]  # without st_
    assert resolve_story_id(con, "f539d0c") == IDS[0]
    assert resolve_story_id(con, "st_nope") == "st_nope"  # the caller says "no story"


def test_ambiguous_and_short_prefixes_exit_2_with_candidates(con, capsys):
    with pytest.raises(typer.Exit) as ended:
        resolve_story_id(con, "st_f539")
    err = " ".join(capsys.readouterr().err.split())
    assert ended.value.exit_code == 2 and IDS[0] in err and IDS[1] in err and "more than one story" in err
    with pytest.raises(typer.Exit) as ended:
        resolve_story_id(con, "f5")
    assert ended.value.exit_code == 2 and "too short" in capsys.readouterr().err


@pytest.mark.parametrize("width", [80, 120])
def test_ids_are_never_wrapped(monkeypatch, width: int):
    buffer = io.StringIO()
    monkeypatch.setattr(output, "stdout", Console(file=buffer, width=width, soft_wrap=False))
    long = "Putin Orders Russian Military to Withdraw During Surprise Syria Visit " * 2
    print_rows(["story_id", "title", "canonical_url"], [(i, long, "https://example.com/" + "x" * 90) for i in IDS], Format.table)
    text = buffer.getvalue()
    assert all(i in text for i in IDS)
    assert max(len(line) for line in text.splitlines()) <= width


def test_limit_rows():
    assert limit_rows([(1,), (2,), (3,)], 2) == ([(1,), (2,)], 1)
    assert limit_rows([(1,)], 2) == ([(1,)], 0)
    assert limit_rows([(1,), (2,)], 0) == ([(1,), (2,)], 0)
    assert limit_rows(iter([(1,), (2,)]), None) == ([(1,), (2,)], 0)


def test_tables_are_limited_and_say_so_but_csv_and_json_are_whole(monkeypatch, capsys):
    buffer = io.StringIO()
    monkeypatch.setattr(output, "stdout", Console(file=buffer, width=80))
    rows = [(n,) for n in range(250)]
    print_rows(["n"], rows, Format.table, limit=100)
    assert "│ 99 " in buffer.getvalue() and "│ 100 " not in buffer.getvalue()
    assert "showing 100 of 250 rows" in capsys.readouterr().err
    print_rows(["n"], rows, Format.csv, limit=100)
    assert len(capsys.readouterr().out.splitlines()) == 251
    print_rows(["n"], rows, Format.json, limit=100)
    out, err = capsys.readouterr()
    assert out.count('"n"') == 250 and err == ""
