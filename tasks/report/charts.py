"""Vega-Lite chart specs (altair) for the report, one per section, from plain row dicts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import altair as alt

LAND = Path(__file__).resolve().parent / "assets" / "land-110m.json"
WIDTH = 760


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    description: str
    spec: dict | None  # None when the section has no data


def _bar_h(rows: list[dict], x: str, y: str, x_title: str, tooltip: list, color: str | None = None, x_format: str | None = None) -> alt.Chart:
    """A horizontal bar chart sorted by `x`, one bar per `y` value."""
    enc = {
        "x": alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format=x_format) if x_format else alt.Axis(tickMinStep=1, format="d")),
        "y": alt.Y(f"{y}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=360)),
        "tooltip": tooltip,
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N")
    return alt.Chart(alt.Data(values=rows)).mark_bar().encode(**enc).properties(width=WIDTH - 360, height=alt.Step(18))


def articles_per_day_chart(rows: list[dict]) -> alt.Chart:
    return alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        x=alt.X("day:T", timeUnit="yearmonthdate", title="day"),
        y=alt.Y("sum(articles):Q", title="articles"),
        color=alt.Color("source:N", title="source"),
        tooltip=[alt.Tooltip("day:T", timeUnit="yearmonthdate"), "source:N", "articles:Q", "stories:Q"],
    ).properties(width=WIDTH, height=240)


def duplicate_rate_chart(rows: list[dict]) -> alt.Chart:
    return _bar_h(rows, "duplicate_rate", "source", "share of articles that copy a story already told",
                  ["source:N", "articles:Q", "duplicates:Q", alt.Tooltip("duplicate_rate:Q", format=".1%")], x_format="%")


def largest_stories_chart(rows: list[dict]) -> alt.Chart:
    rows = [{**r, "label": _short(r.get("title") or r["story_id"], 60)} for r in rows]
    return _bar_h(rows, "copies", "label", "copies (member articles)",
                  ["title:N", "story_id:N", "published:T", "copies:Q", "sources:Q"], color="sources")


def top_entities_chart(rows: list[dict], what: str) -> alt.Chart:
    return _bar_h(rows, "stories", "name", f"stories mentioning the {what}",
                  ["name:N", "label:N", "stories:Q", "articles:Q", "mentions:Q"])


def places_map(rows: list[dict]) -> alt.LayerChart:
    """Resolved places as circles over a Natural Earth land outline (equirectangular, data inlined)."""
    land = alt.Chart(alt.Data(values=_land(), format=alt.DataFormat(type="topojson", feature="land"))).mark_geoshape(
        fill="#e6e6e6", stroke="#b0b0b0", strokeWidth=0.5,
    ).project(type="equirectangular")
    points = alt.Chart(alt.Data(values=rows)).mark_circle(opacity=0.75, color="#c0392b", stroke="white", strokeWidth=0.5).encode(
        longitude="lon:Q", latitude="lat:Q",
        size=alt.Size("stories:Q", title="stories", scale=alt.Scale(range=[40, 600]), legend=alt.Legend(tickMinStep=1, format="d")),
        tooltip=["name:N", "country_code:N", "stories:Q", "mentions:Q", "lat:Q", "lon:Q"],
    ).project(type="equirectangular")
    return alt.layer(land, points).properties(width=WIDTH, height=WIDTH // 2)


def tone_chart(rows: list[dict]) -> alt.Chart:
    return alt.Chart(alt.Data(values=rows)).mark_line(point=True).encode(
        x=alt.X("day:T", timeUnit="yearmonthdate", title="day"),
        y=alt.Y("tone:Q", title="average tone (positive − negative, % of words)"),
        color=alt.Color("source:N", title="source"),
        tooltip=[alt.Tooltip("day:T", timeUnit="yearmonthdate"), "source:N", "articles:Q", "tone:Q", "positive:Q", "negative:Q"],
    ).properties(width=WIDTH, height=240)


SECTIONS = [
    ("articles_per_day", "Articles per day by source", "Every stored article on its published day (else its story's, else the day it was fetched).",
     articles_per_day_chart),
    ("duplicate_rate", "Duplicate rate by source", "Share of each source's articles that are copies (exact, same URL or near) of a story another article tells.",
     duplicate_rate_chart),
    ("largest_stories", "Largest stories", "Stories with the most copies; colour is the number of sources.", largest_stories_chart),
    ("top_persons", "Top persons", "People named in the most stories (copies of a story count once).",
     lambda rows: top_entities_chart(rows, "person")),
    ("top_organizations", "Top organizations", "Organizations named in the most stories.",
     lambda rows: top_entities_chart(rows, "organization")),
    ("places", "Places", "Places resolved to coordinates; circle size is the number of stories mentioning them.", places_map),
    ("tone", "Tone over time", "Average tone per day and source (VADER per sentence, aggregated like GDELT's V1.5TONE).", tone_chart),
]


def build_sections(data: dict[str, list[dict]]) -> list[Section]:
    """One Section per report chart, with its Vega-Lite spec (or None when its query found nothing)."""
    sections = []
    for key, title, description, make in SECTIONS:
        rows = data.get(key) or []
        spec = make(rows).to_dict() if rows else None
        sections.append(Section(key, title, description, spec))
    return sections


@lru_cache(maxsize=1)
def _land() -> dict:
    return json.loads(LAND.read_text(encoding="utf-8"))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
