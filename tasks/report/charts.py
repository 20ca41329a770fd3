"""Vega-Lite chart specs (altair) for the report, one per section, from plain row dicts.

Counts get whole-number axes (explicit tick values, never 0.5); time charts bucket their rows by
day, week, month or year to fit the span (timebuckets.py) and draw a line only between
neighbouring buckets; charts take the width of the page ("container"), so they read at 800 px.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import altair as alt

from tasks.report.timebuckets import (AXIS_FORMAT, VEGA_TIME_UNIT, bucket_start, integer_ticks, padded_domain, pick_bucket,
                                     segments)

LAND = Path(__file__).resolve().parent / "assets" / "land-110m.json"
LABEL_LIMIT = 260  # px of a bar label before it is cut with an ellipsis
FIT = {"type": "fit-x", "contains": "padding"}


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    description: str
    spec: dict | None  # None when the section has no data


def count_axis(values: list[float]) -> dict:
    """Scale and axis of a count: 0 to a whole number, whole-number ticks, no decimals."""
    ticks = integer_ticks(max(values, default=1))
    return {"scale": alt.Scale(domain=[0, ticks[-1]], nice=False), "axis": alt.Axis(values=ticks, format="d")}


def _bar_h(rows: list[dict], x: str, y: str, x_title: str, tooltip: list, color: str | None = None,
           x_format: str | None = None, href: str | None = None) -> alt.Chart:
    """A horizontal bar chart sorted by `x`, one bar per `y` value; `x` is a count unless `x_format`."""
    x_enc = alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format=x_format, tickCount=5)) if x_format else \
        alt.X(f"{x}:Q", title=x_title, **count_axis([r[x] for r in rows]))
    enc = {"x": x_enc, "y": alt.Y(f"{y}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)), "tooltip": tooltip}
    if color:
        enc["color"] = alt.Color(f"{color}:O", title=color, scale=alt.Scale(scheme="blues"))
    if href:
        enc["href"] = alt.Href(f"{href}:N")
    chart = alt.Chart(alt.Data(values=rows)).mark_bar(cursor="pointer" if href else "default").encode(**enc)
    return chart.properties(width="container", height=alt.Step(18), autosize=FIT)


def bucket_rows(rows: list[dict], sums: tuple[str, ...], means: tuple[str, ...] = (), weight: str = "articles") -> tuple[str, list[dict]]:
    """(unit, rows per bucket and source): `sums` added up, `means` averaged weighted by `weight`,
    each row with its bucket's first day (`bucket`) and its series' `segment` (a gap starts a new one)."""
    unit = pick_bucket([r["day"] for r in rows])
    acc: dict[tuple[str, str], dict] = defaultdict(lambda: defaultdict(float))
    for r in rows:
        a = acc[(bucket_start(r["day"], unit), r["source"])]
        for k in sums:
            a[k] += r[k] or 0
        for k in means:
            a[f"_{k}"] += (r[k] or 0) * (r[weight] or 0)
        if means and weight not in sums:
            a[weight] += r[weight] or 0
    out = []
    for source in sorted({s for _, s in acc}):
        starts = sorted(b for b, s in acc if s == source)
        for start, segment in zip(starts, segments(starts, unit)):
            a = acc[(start, source)]
            row = {"bucket": start, "source": source, "segment": f"{source}/{segment}", **{k: int(a[k]) for k in sums}}
            if means:
                row[weight] = int(a[weight])
                row.update({k: round(a[f"_{k}"] / a[weight], 3) if a[weight] else None for k in means})
            out.append(row)
    return unit, out


def _time_x(unit: str, starts: list[str]) -> alt.X:
    first, end = padded_domain(starts, unit)
    return alt.X("bucket:T", timeUnit=VEGA_TIME_UNIT[unit], title=f"{unit} (first day)" if unit != "day" else "day",
                 axis=alt.Axis(format=AXIS_FORMAT[unit], labelOverlap=True),
                 scale=alt.Scale(domain=[_utc(first), _utc(end)], padding=12))


def _utc(day: str) -> dict:
    d = date.fromisoformat(day)
    return {"year": d.year, "month": d.month, "date": d.day, "utc": True}


def articles_per_day_chart(rows: list[dict]) -> alt.Chart:
    unit, buckets = bucket_rows(rows, ("articles", "stories"))
    totals: dict[str, int] = defaultdict(int)
    for r in buckets:
        totals[r["bucket"]] += r["articles"]
    return alt.Chart(alt.Data(values=buckets)).mark_bar().encode(
        x=_time_x(unit, [r["bucket"] for r in buckets]),
        y=alt.Y("sum(articles):Q", title=f"articles per {unit}", **count_axis(list(totals.values()))),
        color=alt.Color("source:N", title="source"),
        tooltip=[alt.Tooltip("bucket:T", timeUnit=VEGA_TIME_UNIT[unit], title=unit), "source:N", "articles:Q", "stories:Q"],
    ).properties(width="container", height=240, autosize=FIT)


def duplicate_rate_chart(rows: list[dict]) -> alt.Chart:
    return _bar_h(rows, "duplicate_rate", "source", "share of articles that copy a story already told",
                  ["source:N", "articles:Q", "duplicates:Q", alt.Tooltip("duplicate_rate:Q", format=".1%")], x_format=".2~%")


def largest_stories_chart(rows: list[dict]) -> alt.Chart:
    rows = [{**r, "label": _short(r.get("title") or r["story_id"], 60), "link": f"#story-{r['story_id']}"} for r in rows]
    return _bar_h(rows, "copies", "label", "copies (member articles); click a bar for the story",
                  ["title:N", "story_id:N", "published:T", "copies:Q", "sources:Q"], color="sources", href="link")


def top_entities_chart(rows: list[dict], what: str) -> alt.Chart:
    return _bar_h(rows, "stories", "name", f"stories mentioning the {what}",
                  ["name:N", "label:N", "stories:Q", "articles:Q", "mentions:Q"])


def size_legend_values(values: list[int], most: int = 4) -> list[int]:
    """Whole, distinct, non-zero sizes from the smallest to the largest value, at most `most`."""
    low, high = max(1, min(values)), max(1, max(values))
    if high - low < most:
        return list(range(low, high + 1))
    step = (high - low) / (most - 1)
    return sorted({low + round(step * i) for i in range(most)})


def places_map(rows: list[dict]) -> alt.LayerChart:
    """Resolved places as circles over a Natural Earth land outline (equirectangular, data inlined)."""
    stories = [r["stories"] for r in rows]
    land = alt.Chart(alt.Data(values=_land(), format=alt.DataFormat(type="topojson", feature="land"))).mark_geoshape(
        fill="#e6e6e6", stroke="#b0b0b0", strokeWidth=0.5,
    ).project(type="equirectangular")
    sizes = alt.Scale(domain=[min(stories), max(stories)], range=[40, 600], zero=False)
    points = alt.Chart(alt.Data(values=rows)).mark_circle(opacity=0.75, color="#c0392b", stroke="white", strokeWidth=0.5).encode(
        longitude="lon:Q", latitude="lat:Q",
        size=alt.Size("stories:Q", title="stories", scale=sizes, legend=alt.Legend(values=size_legend_values(stories), format="d")),
        tooltip=["name:N", "country_code:N", "stories:Q", "mentions:Q", "lat:Q", "lon:Q"],
    ).project(type="equirectangular")
    return alt.layer(land, points).properties(width="container", height=380, autosize=FIT)


def tone_chart(rows: list[dict]) -> alt.Chart:
    unit, buckets = bucket_rows(rows, (), means=("tone", "positive", "negative"))
    return alt.Chart(alt.Data(values=buckets)).mark_line(point=True).encode(
        x=_time_x(unit, [r["bucket"] for r in buckets]),
        y=alt.Y("tone:Q", title="average tone (positive − negative, % of words)"),
        color=alt.Color("source:N", title="source"),
        detail="segment:N",  # one line per run of neighbouring buckets: none across empty stretches
        tooltip=[alt.Tooltip("bucket:T", timeUnit=VEGA_TIME_UNIT[unit], title=unit), "source:N", "articles:Q", "tone:Q",
                 "positive:Q", "negative:Q"],
    ).properties(width="container", height=240, autosize=FIT)


SECTIONS = [
    ("articles_per_day", "Articles over time by source", "Every stored article on its published day (else its story's, "
     "else the day it was fetched), counted per day, week, month or year to fit the span.", articles_per_day_chart),
    ("duplicate_rate", "Duplicate rate by source", "Share of each source's articles that are copies (exact, same URL or near) of a story another article tells.",
     duplicate_rate_chart),
    ("largest_stories", "Largest stories", "Stories with the most copies; colour is the number of sources. Click a bar or a "
     "title below for its members, sources and timeline.", largest_stories_chart),
    ("top_persons", "Top persons", "People named in the most stories (copies of a story count once; one name per person "
     "across articles: \"Trump\" counts for \"Donald Trump\").", lambda rows: top_entities_chart(rows, "person")),
    ("top_organizations", "Top organizations", "Organizations named in the most stories.",
     lambda rows: top_entities_chart(rows, "organization")),
    ("places", "Places", "Places resolved to coordinates; circle size is the number of stories mentioning them.", places_map),
    ("tone", "Tone over time", "Average tone per source and day, week, month or year (VADER per sentence, aggregated like "
     "GDELT's V1.5TONE); a gap of empty periods breaks the line.", tone_chart),
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
