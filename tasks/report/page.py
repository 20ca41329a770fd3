"""The report as one self-contained HTML page: Vega, Vega-Lite and vega-embed inlined, specs embedded.

Nothing on the page loads from the network, so it opens offline and can be mailed as one file.
"""

from __future__ import annotations

import html
import json
from datetime import datetime, timezone
from functools import lru_cache

import duckdb

from tasks.report.charts import Section, build_sections
from tasks.report.drilldown import SCRIPT as DRILLDOWN_SCRIPT
from tasks.report.drilldown import story_drilldown
from tasks.report.queries import report_data, report_totals

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { margin-bottom: .2rem; } .meta { color: #666; margin-top: 0; }
.totals { display: flex; gap: 1rem; margin: 1rem 0 2rem; flex-wrap: wrap; }
.totals div { background: #f4f6f8; border-radius: 6px; padding: .6rem 1rem; min-width: 8rem; }
.totals b { display: block; font-size: 1.6rem; }
section { margin: 2.2rem 0; } section p { color: #555; margin: .2rem 0 .8rem; }
.empty { color: #999; font-style: italic; }
table { border-collapse: collapse; margin-top: .8rem; font-size: 13px; }
td, th { border-bottom: 1px solid #e3e3e3; padding: .25rem .6rem; text-align: left; vertical-align: top; }
code { font-size: 12px; } .nw { white-space: nowrap; } .scroll { overflow-x: auto; }
.chart, .timeline { width: 100%; }
.stories { margin-top: 1rem; } details.story { border-bottom: 1px solid #e3e3e3; padding: .35rem 0; }
details.story summary { cursor: pointer; } details.story .counts { color: #666; font-size: 13px; white-space: nowrap; }
details.story time { color: #666; font-size: 13px; margin: 0 .4rem; } details.story .meta { font-size: 13px; }
"""


def render_report(con: duckdb.DuckDBPyConnection, since: str | None = None, title: str = "newsflow report",
                  source_label: str = "", now: datetime | None = None) -> str:
    """The whole page for the warehouse behind `con`, articles dated on or after `since`."""
    data = report_data(con, since)
    totals = report_totals(con, since)
    return render_html(build_sections(data), totals, data.get("largest_stories", []), title=title,
                       subtitle=_subtitle(source_label, since, now or datetime.now(timezone.utc)),
                       members=data.get("story_members", []))


def render_html(sections: list[Section], totals: dict[str, int], stories: list[dict], title: str, subtitle: str,
                members: list[dict] | None = None) -> str:
    """Assemble the page; each spec sits in a JSON script tag (`spec-KEY`) that vega-embed renders."""
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>", f"<style>{STYLE}</style>",
        f'<script type="text/javascript">{_script_safe(javascript_bundle())}</script>', "</head>", "<body>",
        f"<h1>{html.escape(title)}</h1>", f'<p class="meta">{html.escape(subtitle)}</p>', '<div class="totals">',
    ]
    parts += [f"<div><b>{n:,}</b>{html.escape(name)}</div>" for name, n in totals.items()]
    parts.append("</div>")
    for section in sections:
        parts += [f'<section id="{section.key}">', f"<h2>{html.escape(section.title)}</h2>", f"<p>{html.escape(section.description)}</p>"]
        if section.spec is None:
            parts.append('<p class="empty">No data in this period.</p>')
        else:
            parts.append(f'<div class="chart" id="chart-{section.key}"></div>')
            parts.append(f'<script type="application/json" id="spec-{section.key}">{_script_safe(json.dumps(section.spec))}</script>')
        if section.key == "largest_stories" and stories:
            parts.append(story_drilldown(stories, members or []))
        parts.append("</section>")
    parts += [
        "<script>",
        "document.querySelectorAll('script[id^=\"spec-\"]').forEach(function (el) {",
        "  var key = el.id.slice(5);",
        "  vegaEmbed('#chart-' + key, JSON.parse(el.textContent), {actions: false, renderer: 'svg'}).catch(function (err) {",
        "    document.getElementById('chart-' + key).textContent = 'chart failed: ' + err;",
        "  });",
        "});",
        _script_safe(DRILLDOWN_SCRIPT),
        "</script>",
        "</body>", "</html>",
    ]
    return "\n".join(parts) + "\n"


@lru_cache(maxsize=1)
def javascript_bundle() -> str:
    """vega + vega-lite + vega-embed as one script (from vl-convert), setting window.vegaEmbed."""
    import vl_convert
    from altair.utils._importers import vl_version_for_vl_convert

    return vl_convert.javascript_bundle(vl_version=vl_version_for_vl_convert())


def embedded_specs(page: str) -> dict[str, dict]:
    """The Vega-Lite specs a rendered page carries, by section key (for tests and tools)."""
    import re

    found = re.findall(r'<script type="application/json" id="spec-([\w-]+)">(.*?)</script>', page, flags=re.S)
    return {key: json.loads(text) for key, text in found}


def _subtitle(source_label: str, since: str | None, now: datetime) -> str:
    window = f"articles dated on or after {since}" if since else "all articles"
    where = f"{source_label} · " if source_label else ""
    return f"{where}{window} · generated {now:%Y-%m-%d %H:%M} UTC"


def _script_safe(text: str) -> str:
    # a literal "</script" inside a script element would end it early
    return text.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
