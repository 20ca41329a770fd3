"""The HTML report over the seeds plus a generated three-source corpus: every chart has data,
the page loads nothing from the network, and Chromium draws the charts."""

from __future__ import annotations

import re

import pytest

from tasks.report.charts import build_sections
from tasks.report.page import embedded_specs, render_report
from tasks.report.queries import report_data
from tests.chromium import dump_dom, keep, screenshot
from warehouse.lake import Warehouse
from warehouse.lake import connect

SECTIONS = ["articles_per_day", "duplicate_rate", "largest_stories", "top_persons", "top_organizations", "places", "tone"]


@pytest.fixture(scope="module")
def page(news_warehouse, tmp_path_factory):
    root, _ = news_warehouse
    html = render_report(connect(Warehouse(root)), title="newsflow test report")
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(html, encoding="utf-8")
    return path, html


def _values(spec: dict) -> list[dict]:
    """Every inline row of a spec (layers included), except the map's TopoJSON outline."""
    rows = []
    for part in [spec, *spec.get("layer", [])]:
        values = part.get("data", {}).get("values")
        if isinstance(values, list):
            rows += values
    for values in spec.get("datasets", {}).values():
        rows += values
    return rows


def test_every_chart_has_data(page):
    specs = embedded_specs(page[1])
    assert list(specs) == SECTIONS
    for key, spec in specs.items():
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/"), key
        assert _values(spec), f"chart {key} has no rows"


def test_charts_show_the_corpus(page):
    specs = embedded_specs(page[1])
    days = {r["bucket"] for r in _values(specs["articles_per_day"])}  # ten days: daily buckets
    assert {f"2017-12-{d:02d}" for d in range(1, 9)} | {"2017-12-11"} <= days
    assert {r["source"] for r in _values(specs["articles_per_day"])} == {"files", "wire-a", "wire-b"}
    assert any(r["duplicates"] > 0 for r in _values(specs["duplicate_rate"]))
    assert max(r["copies"] for r in _values(specs["largest_stories"])) >= 2
    persons = {r["name"] for r in _values(specs["top_persons"])}
    assert {"Vladimir Putin", "Emmanuel Macron", "Angela Merkel"} <= persons
    orgs = {r["name"] for r in _values(specs["top_organizations"])}
    assert {"European Union", "United Nations"} <= orgs
    places = {r["name"]: r for r in _values(specs["places"])}
    assert places["Paris"]["country_code"] == "FR" and abs(places["Paris"]["lat"] - 48.85) < 0.5
    assert {"Syria", "Tokyo", "Nairobi"} <= set(places)
    tones = [r["tone"] for r in _values(specs["tone"])]
    assert min(tones) < 0 < max(tones)  # the corpus has good and bad news


def test_map_has_an_offline_world_outline(page):
    land = embedded_specs(page[1])["places"]["layer"][0]["data"]
    assert land["format"] == {"type": "topojson", "feature": "land"}
    assert land["values"]["type"] == "Topology"


def test_page_is_self_contained(page):
    html = page[1]
    markup = re.sub(r"(<script\b[^>]*>).*?(</script>)", r"\1\2", html, flags=re.S | re.I)  # tags, not script text
    assert not re.findall(r"<(?:script|link|img|iframe|object|embed)\b[^>]*\b(?:src|href|data)\s*=", markup, flags=re.I)
    assert not re.findall(r"<script[^>]*\bsrc\s*=\s*[\"']?https?:", html, flags=re.I)
    stories = html.count('class="timeline-spec"')  # one timeline per largest story, drawn when opened
    assert stories >= 2 and markup.count("<script") == 1 + len(embedded_specs(html)) + stories + 1  # bundle, specs, timelines, embed call
    assert "vegaEmbed" in html and len(html) > 500_000  # the vega bundle is inlined


def test_since_narrows_the_report(news_warehouse):
    data = report_data(connect(Warehouse(news_warehouse[0])), since="2017-12-05")
    assert min(r["day"] for r in data["articles_per_day"]) >= "2017-12-05"
    assert "Emmanuel Macron" not in {r["name"] for r in data["top_persons"]}  # his story is dated 12-01


def test_empty_warehouse_gives_empty_sections(tmp_path):
    wh = Warehouse(tmp_path / "none")
    wh.connect(read_only=False).close()  # a new lake: tables, no rows
    sections = build_sections(report_data(connect(wh)))
    assert [s.key for s in sections] == SECTIONS and all(s.spec is None for s in sections)


def test_chromium_draws_every_chart(page, tmp_path):
    path, _ = page
    dom = dump_dom(path.as_uri(), tmp_path / "profile-dom")
    assert "chart failed: " not in dom.replace("'chart failed: '", "")  # the message, not the script's literal
    for key in SECTIONS:
        chart = re.search(rf'<div class="chart[^"]*" id="chart-{key}"[^>]*>(.*?)</section>', dom, flags=re.S)
        assert chart and "<svg" in chart.group(1) and 'class="mark-' in chart.group(1), f"chart {key} was not drawn"
    story = re.search(r'<details class="story"[^>]*\bopen\b[^>]*>(.*?)</details>', dom, flags=re.S)  # the first story, open
    assert story and re.search(r'<div class="timeline[ "][^>]*>\s*<svg', story.group(1), flags=re.S), "the timeline was not drawn"
    png = tmp_path / "newsflow-report.png"
    width, height = screenshot(path.as_uri(), png, tmp_path / "profile-png", size="800,4000")  # the narrow width
    assert (width, height) == (800, 4000) and png.stat().st_size > 100_000
    print(f"report screenshot: {keep(png)}")
