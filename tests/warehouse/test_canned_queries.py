"""Canned queries: documented headers, parameters bound (never formatted), every query runs."""

from __future__ import annotations

import re

import pytest

from warehouse.canned import QueryError, get_query, list_queries, parse_params
from warehouse.lake import Warehouse
from warehouse.lake import connect

REQUIRED = {"top_entities", "stories_by_copies", "duplicate_rate_by_source", "rejects_by_reason", "quotes_by_speaker", "articles_per_day"}


def test_required_queries_exist_with_headers():
    queries = {q.name: q for q in list_queries()}
    assert REQUIRED <= set(queries)
    for q in queries.values():
        assert len(q.description) > 20, f"{q.path.name}: describe the query in its header"
        assert q.params and q.params[0].name == "since" and q.params[0].default == "1970-01-01"
        assert all(p.help for p in q.params), q.name


def test_parameters_are_declared_and_bound_not_formatted():
    for q in list_queries():
        used = set(re.findall(r"\$([a-z_][a-z0-9_]*)", q.sql))
        assert used == {p.name for p in q.params}, f"{q.path.name}: header params {[p.name for p in q.params]} vs SQL {used}"
        assert "{" not in q.sql and "%s" not in q.sql


def empty_lake(path) -> Warehouse:
    """A new lake: its tables exist (a writer made them), no run has written yet."""
    wh = Warehouse(path)
    wh.connect(read_only=False).close()
    return wh


def test_every_query_runs_on_an_empty_warehouse(tmp_path):
    con = connect(empty_lake(tmp_path / "empty"))
    for q in list_queries():
        columns, rows = q.run(con)
        assert columns and rows == [], q.name


def test_hostile_values_stay_values(tmp_path):
    con = connect(empty_lake(tmp_path / "empty"))
    query = get_query("top_entities")
    assert query.run(con, {"labels": "PERSON') OR 1=1; DROP VIEW articles; --"})[1] == []
    assert con.execute("SELECT count(*) FROM articles").fetchall() == [(0,)]


def test_bad_names_and_params_say_what_to_do():
    with pytest.raises(QueryError, match="no canned query 'nope'.*top_entities"):
        get_query("nope")
    with pytest.raises(QueryError, match="no canned query"):
        get_query("../schemas")
    with pytest.raises(QueryError, match="has no parameter sinec; it takes: labels, limit, since"):
        get_query("top_entities").bind({"sinec": "2017-01-01"})
    with pytest.raises(QueryError, match="NAME=VALUE"):
        parse_params(["since"])
    assert parse_params(["since=2017-12-01", "labels=PERSON,ORG"]) == {"since": "2017-12-01", "labels": "PERSON,ORG"}


def test_queries_over_the_corpus(news_warehouse):
    con = connect(Warehouse(news_warehouse[0]))
    speakers = {r["speaker"] for r in get_query("quotes_by_speaker").records(con)}
    assert {"Vladimir Putin", "Emmanuel Macron"} <= speakers
    persons = get_query("top_entities").records(con, {"since": "2017-12-01", "labels": "PERSON", "limit": "3"})
    assert len(persons) == 3 and all(r["label"] == "PERSON" for r in persons)
    rates = {r["source"]: r for r in get_query("duplicate_rate_by_source").records(con)}
    assert set(rates) == {"files", "wire-a", "wire-b"}
    assert sum(r["duplicates"] for r in rates.values()) == 8  # 6 exact + 1 abridged copies, 1 seed copy
    assert get_query("rejects_by_reason").records(con) == []
    assert get_query("stories_by_copies").records(con, {"limit": "1"})[0]["copies"] == 2


def test_a_surname_in_a_later_run_counts_for_the_full_name(news_warehouse):
    """wire-a's run stores "Donald Trump" (wire-b copies it: two articles); wire-b's own story says
    only "Trump": one entity, two stories."""
    con = connect(Warehouse(news_warehouse[0]))
    persons = {r["name"]: r for r in get_query("top_entities").records(con, {"labels": "PERSON", "limit": "100"})}
    assert "Trump" not in persons and persons["Donald Trump"]["stories"] == 2
    names = con.execute("SELECT name, canonical_name, entity_id FROM entity_names WHERE label = 'PERSON' AND tail = 'trump'").fetchall()
    assert {n: c for n, c, _ in names} == {"Donald Trump": "Donald Trump", "Trump": "Donald Trump"}
    assert len({i for *_, i in names}) == 1
    speakers = {r["speaker"] for r in get_query("quotes_by_speaker").records(con)}
    assert "Donald Trump" in speakers and "Trump" not in speakers
