"""The report's story drill-down: each largest story's title opens its members, sources and timeline."""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict

import altair as alt

from tasks.report.timebuckets import AXIS_FORMAT, pick_bucket

# the timeline draws when its story is opened (a closed <details> has no width to fit)
SCRIPT = """
function openStory(id) {
  var el = document.getElementById(id);
  if (el && el.tagName === 'DETAILS') { el.open = true; el.scrollIntoView(); }
}
function drawTimeline(details) {
  var spec = details.querySelector('script.timeline-spec'), box = details.querySelector('.timeline');
  if (!spec || box.dataset.drawn) return;
  box.dataset.drawn = '1';
  vegaEmbed(box, JSON.parse(spec.textContent), {actions: false, renderer: 'svg'}).catch(function (err) {
    box.textContent = 'chart failed: ' + err;
  });
}
document.querySelectorAll('details.story').forEach(function (d) {
  d.addEventListener('toggle', function () { if (d.open) drawTimeline(d); });
  if (d.open) drawTimeline(d);
});
window.addEventListener('hashchange', function () { openStory(location.hash.slice(1)); });
if (location.hash) openStory(location.hash.slice(1));
"""


def timeline_spec(members: list[dict]) -> dict:
    """One point per member article: when (published, else fetched day), from which source, how it matched."""
    rows = [{**m, "when": m.get("published") or str(m.get("fetched_at") or "")[:10]} for m in members]
    unit = pick_bucket([r["when"] for r in rows if r["when"]])
    return alt.Chart(alt.Data(values=rows)).mark_point(filled=True, size=90).encode(
        x=alt.X("when:T", timeUnit="utcyearmonthdate", title="published (else fetched)", scale=alt.Scale(padding=14),
                axis=alt.Axis(format=AXIS_FORMAT[unit], labelOverlap=True)),
        y=alt.Y("source:N", title=None),
        color=alt.Color("method:N", title="matched as"),
        shape=alt.Shape("method:N", title="matched as"),
        tooltip=["title:N", "source:N", alt.Tooltip("when:T", timeUnit="utcyearmonthdate", title="date"), "method:N", "url:N"],
    ).properties(width="container", height=alt.Step(26), autosize={"type": "fit-x", "contains": "padding"}).to_dict()


def story_drilldown(stories: list[dict], members: list[dict]) -> str:
    """A <details> per story (the first one open): title and counts, then sources, timeline and members."""
    by_story: dict[str, list[dict]] = defaultdict(list)
    for m in members:
        by_story[m["story_id"]].append(m)
    parts = ['<div class="stories">']
    for n, s in enumerate(stories):
        rows = by_story.get(s["story_id"], [])
        sources = Counter(m["source"] for m in rows)
        dates = sorted(d for d in (m.get("published") or str(m.get("fetched_at") or "")[:10] for m in rows) if d)
        span = f"{dates[0]} – {dates[-1]}" if dates and dates[0] != dates[-1] else (dates[0] if dates else "no date")
        parts += [
            f'<details class="story" id="story-{html.escape(s["story_id"])}"{" open" if n == 0 else ""}>',
            f'<summary><span class="counts">{s["copies"]} {"copy" if s["copies"] == 1 else "copies"} · {s["sources"]} '
            f'{"source" if s["sources"] == 1 else "sources"}</span> <time class="nw">{html.escape(str(s.get("published") or ""))}</time> '
            f'<b>{html.escape(s.get("title") or s["story_id"])}</b></summary>',
            f'<p class="meta">story <code class="nw">{html.escape(s["story_id"])}</code> (<code>newsflow show ID --diff</code>: '
            f'the member each field came from, every sighting, what each copy adds or lacks) · '
            f'sources: {html.escape(", ".join(f"{k} ({v})" for k, v in sorted(sources.items())))} · {html.escape(span)}</p>',
        ]
        if rows:
            spec = json.dumps(timeline_spec(rows)).replace("</", "<\\/")
            parts += ['<div class="timeline"></div>', f'<script type="application/json" class="timeline-spec">{spec}</script>',
                      _members_table(rows)]
        parts.append("</details>")
    parts.append("</div>")
    return "\n".join(parts)


def _members_table(rows: list[dict]) -> str:
    body = "".join(
        f'<tr><td class="nw">{html.escape(str(m.get("published") or ""))}</td>'
        f'<td class="nw">{html.escape(str(m.get("fetched_at") or "")[:16].replace("T", " "))}</td>'
        f'<td class="nw">{html.escape(m["source"])}</td><td class="nw">{html.escape(m.get("method") or "")}</td>'
        f'<td>{_link(m)}</td><td><code class="nw">{html.escape(m["article_id"][:12])}</code></td></tr>'
        for m in rows
    )
    return ('<div class="scroll"><table><thead><tr><th>published</th><th>fetched (UTC)</th><th>source</th><th>matched as</th>'
            f"<th>title</th><th>article</th></tr></thead><tbody>{body}</tbody></table></div>")


def _link(m: dict) -> str:
    title = html.escape(m.get("title") or m.get("url") or m["article_id"])
    url = m.get("url") or ""
    if url.startswith(("http://", "https://")):
        return f'<a href="{html.escape(url, quote=True)}" rel="noreferrer">{title}</a>'
    return title
