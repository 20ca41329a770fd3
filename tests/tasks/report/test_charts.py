"""The report's chart specs, not pixels: whole-number count axes, time buckets that fit the span,
lines broken at gaps, size legends without zero, the story drill-down's markup."""

from __future__ import annotations

from datetime import date, timedelta

from tasks.report.charts import articles_per_day_chart, largest_stories_chart, places_map, tone_chart, top_entities_chart
from tasks.report.drilldown import story_drilldown
from tasks.report.timebuckets import bucket_start, integer_ticks, padded_domain, pick_bucket, segments


def _days(first: str, n: int, step: int = 1) -> list[str]:
    start = date.fromisoformat(first)
    return [(start + timedelta(days=i * step)).isoformat() for i in range(n)]


def test_integer_ticks():
    assert integer_ticks(2) == [0, 1, 2]
    assert integer_ticks(0) == [0, 1]
    assert integer_ticks(26) == [0, 5, 10, 15, 20, 25, 30]
    for top in (1, 3, 7, 9, 13, 48, 133, 999, 123456):
        ticks = integer_ticks(top)
        assert all(isinstance(t, int) for t in ticks) and ticks[-1] >= top and len(ticks) <= 9, (top, ticks)


def test_buckets_fit_the_span():
    assert pick_bucket(_days("2017-12-01", 11)) == "day"
    assert pick_bucket(_days("2019-01-01", 30, 10)) == "week"
    assert pick_bucket(["2019-01-01", "2022-06-30"]) == "month"
    assert pick_bucket(["2010-03-01", "2026-08-02"]) == "year"
    assert bucket_start("2026-12-02", "week") == "2026-11-29"  # a Wednesday -> its Sunday, as Vega's week unit
    assert bucket_start("2026-11-29", "week") == "2026-11-29"
    assert bucket_start("2026-12-02", "month") == "2026-12-01" and bucket_start("2026-12-02", "year") == "2026-01-01"
    assert segments(["2019-01-01", "2019-02-01", "2019-05-01", "2019-06-01"], "month") == [0, 0, 1, 1]
    assert padded_domain(["2017-12-11"], "day") == ("2017-12-08", "2017-12-15")  # one day among seven
    assert padded_domain(["2019-01-01", "2019-12-01"], "month") == ("2019-01-01", "2020-01-01")


def _spec_rows(spec: dict) -> list[dict]:
    return spec["data"]["values"]


def test_articles_chart_buckets_by_year_over_sixteen_years_with_an_integer_axis():
    rows = [{"day": d, "source": "a", "articles": 1, "stories": 1} for d in ["2010-03-01", "2019-05-02", "2019-05-03", "2026-08-02"]]
    rows.append({"day": "2019-07-01", "source": "b", "articles": 2, "stories": 1})
    spec = articles_per_day_chart(rows).to_dict()
    x, y = spec["encoding"]["x"], spec["encoding"]["y"]
    assert x["timeUnit"] == "utcyear" and x["axis"]["format"] == "%Y"
    assert {(r["bucket"], r["source"], r["articles"]) for r in _spec_rows(spec)} == {
        ("2010-01-01", "a", 1), ("2019-01-01", "a", 2), ("2019-01-01", "b", 2), ("2026-01-01", "a", 1)}
    assert y["axis"] == {"format": "d", "values": [0, 1, 2, 3, 4]} and y["scale"]["domain"] == [0, 4]  # stacked 2 + 2
    assert spec["width"] == "container"


def test_articles_chart_over_eleven_days_is_daily():
    rows = [{"day": d, "source": "a", "articles": 3, "stories": 2} for d in _days("2017-12-01", 11)]
    spec = articles_per_day_chart(rows).to_dict()
    assert spec["encoding"]["x"]["timeUnit"] == "utcyearmonthdate" and len(_spec_rows(spec)) == 11
    assert spec["encoding"]["x"]["scale"]["domain"] == [{"year": 2017, "month": 12, "date": 1, "utc": True},
                                                        {"year": 2017, "month": 12, "date": 12, "utc": True}]


def test_tone_lines_break_at_empty_stretches():
    days = ["2019-01-05", "2019-02-10", "2019-03-01", "2021-07-04", "2021-08-01"]
    rows = [{"day": d, "source": "a", "articles": 2, "tone": 1.0, "positive": 3.0, "negative": 2.0} for d in days]
    rows.append({"day": "2019-01-20", "source": "a", "articles": 1, "tone": 4.0, "positive": 5.0, "negative": 1.0})
    spec = tone_chart(rows).to_dict()
    assert spec["mark"]["type"] == "line" and spec["encoding"]["detail"]["field"] == "segment"
    assert spec["encoding"]["x"]["timeUnit"] == "utcyearmonth"
    values = _spec_rows(spec)
    by_segment: dict[str, list[str]] = {}
    for r in values:
        by_segment.setdefault(r["segment"], []).append(r["bucket"])
    assert sorted(by_segment.values()) == [["2019-01-01", "2019-02-01", "2019-03-01"], ["2021-07-01", "2021-08-01"]]
    january = next(r for r in values if r["bucket"] == "2019-01-01")
    assert january["articles"] == 3 and january["tone"] == 2.0  # weighted by articles: (2*1 + 1*4) / 3


def test_count_bars_have_whole_number_axes():
    stories = [{"story_id": f"st_{i}", "title": f"story {i}", "published": "2019-01-01", "copies": c, "sources": 1}
               for i, c in enumerate([2, 1, 1])]
    spec = largest_stories_chart(stories).to_dict()
    assert spec["encoding"]["x"]["axis"] == {"format": "d", "values": [0, 1, 2]}
    assert spec["encoding"]["href"]["field"] == "link" and _spec_rows(spec)[0]["link"] == "#story-st_0"
    persons = top_entities_chart([{"name": "A", "label": "PERSON", "stories": 26, "articles": 30, "mentions": 40}], "person").to_dict()
    assert persons["encoding"]["x"]["axis"]["values"] == [0, 5, 10, 15, 20, 25, 30]


def test_size_legend_has_no_zero():
    rows = [{"name": n, "country_code": "FR", "lat": 1.0, "lon": 2.0, "stories": s, "mentions": s} for n, s in [("a", 1), ("b", 2), ("c", 41)]]
    size = places_map(rows).to_dict()["layer"][1]["encoding"]["size"]
    assert size["scale"]["zero"] is False and size["scale"]["domain"] == [1, 41]
    assert size["legend"]["values"] == [1, 14, 28, 41] and size["legend"]["format"] == "d"


def test_story_drilldown_lists_members_sources_and_a_timeline():
    stories = [{"story_id": "st_a", "title": "A story", "published": "2019-01-02", "copies": 2, "sources": 2}]
    members = [
        {"story_id": "st_a", "article_id": "a1" * 8, "source": "wire", "title": "A story", "published": "2019-01-02",
         "fetched_at": "2019-01-02T10:00:00+00:00", "method": "canonical", "url": "https://x.example/a"},
        {"story_id": "st_a", "article_id": "b2" * 8, "source": "paper", "title": "A story <b>", "published": None,
         "fetched_at": "2019-01-05T10:00:00+00:00", "method": "near", "url": "file.txt"},
    ]
    page = story_drilldown(stories, members)
    assert '<details class="story" id="story-st_a" open>' in page and "sources: paper (1), wire (1)" in page
    assert "2019-01-02 – 2019-01-05" in page and "A story &lt;b&gt;" in page
    assert page.count('<td class="nw">') >= 8 and 'class="timeline-spec"' in page
    assert "<code>newsflow show ID --diff</code>" in page  # where the merge shows its work
