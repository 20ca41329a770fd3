"""The report's data: canned queries (warehouse/queries/*.sql) run over a DuckDB connection."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb

from warehouse.canned import get_query

# section → (canned query, parameters besides `since`)
REPORT_QUERIES: dict[str, tuple[str, dict[str, str]]] = {
    "articles_per_day": ("articles_per_day", {}),
    "duplicate_rate": ("duplicate_rate_by_source", {}),
    "largest_stories": ("stories_by_copies", {"limit": "15"}),
    "top_persons": ("top_entities", {"labels": "PERSON", "limit": "15"}),
    "top_organizations": ("top_entities", {"labels": "ORG", "limit": "15"}),
    "places": ("places", {"limit": "300"}),
    "tone": ("tone_by_day", {}),
    "story_members": ("story_members", {"limit": "15"}),  # the largest stories' drill-down
}
EPOCH = "1970-01-01"


def report_data(con: duckdb.DuckDBPyConnection, since: str | None = None) -> dict[str, list[dict]]:
    """Rows for every report section, JSON-ready (dates as ISO strings, decimals as floats)."""
    data = {}
    for section, (name, params) in REPORT_QUERIES.items():
        rows = get_query(name).records(con, {**params, "since": since or EPOCH})
        data[section] = [{k: _plain(v) for k, v in row.items()} for row in rows]
    return data


def report_totals(con: duckdb.DuckDBPyConnection, since: str | None = None) -> dict[str, int]:
    """Headline numbers for the page: articles, stories, sources, duplicates in the window."""
    rows = get_query("duplicate_rate_by_source").records(con, {"since": since or EPOCH})
    stories = get_query("stories_by_copies").records(con, {"since": since or EPOCH, "limit": "1000000000"})
    return {
        "articles": sum(r["articles"] for r in rows),
        "duplicates": sum(r["duplicates"] for r in rows),
        "sources": len(rows),
        "stories": len(stories),
    }


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
