"""The run summary a `news-pipeline` run publishes as Prefect artifacts (markdown + table).

`build_run_summary` is pure: the flow's counts and the stories it touched in, markdown and
table rows out. `publish_run_summary` hands them to Prefect; a failure there is logged, never
fatal, because the load is already committed when it runs.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

SUMMARY_KEY = "news-pipeline-summary"
COUNTS_KEY = "news-pipeline-counts"
MAX_ROWS = 15


@dataclass(frozen=True)
class RunSummary:
    source: str
    load_id: str
    markdown: str
    table: list[dict]  # one row per (stage, metric): the counts by stage and rejects by reason
    new_stories: list[dict]
    top_duplicates: list[dict]

    @property
    def summary_key(self) -> str:
        return artifact_key(SUMMARY_KEY, self.source)

    @property
    def counts_key(self) -> str:
        return artifact_key(COUNTS_KEY, self.source)


def artifact_key(prefix: str, source: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes: one key per source."""
    slug = re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-")
    return f"{prefix}-{slug}" if slug else prefix


def build_run_summary(load_id: str, counts: dict, stories: list[dict], members: list[dict],
                      new_article_ids: set[str], stored_story_ids: set[str]) -> RunSummary:
    """Summarize one run: counts by stage, new stories, the touched stories with most copies, rejects.

    stories/members: the story and member rows the dedup stage wrote (touched stories only);
    new_article_ids: articles this run added; stored_story_ids: stories that existed before it.
    """
    live = [s for s in stories if s.get("merged_into") is None]
    new_copies = Counter(m["story_id"] for m in members if m["article_id"] in new_article_ids)
    new_stories = sorted((s for s in live if s["story_id"] not in stored_story_ids),
                         key=lambda s: (-(s.get("article_count") or 0), s.get("title") or "", s["story_id"]))
    duplicated = sorted((s for s in live if (s.get("article_count") or 0) > 1),
                        key=lambda s: (-(s.get("article_count") or 0), -new_copies[s["story_id"]], s["story_id"]))
    top = [{"story_id": s["story_id"], "title": s.get("title"), "copies": s.get("article_count"),
            "new_copies": new_copies[s["story_id"]], "sources": s.get("source_count")} for s in duplicated[:MAX_ROWS]]
    fresh = [{"story_id": s["story_id"], "title": s.get("title"), "copies": s.get("article_count"),
              "sources": s.get("source_count")} for s in new_stories]
    source = str(counts.get("source") or "files")
    table = stage_rows(counts)
    return RunSummary(source, load_id, _markdown(source, load_id, table, fresh, top, counts), table, fresh, top)


def stage_rows(counts: dict) -> list[dict]:
    """Counts by stage, then rejected inputs by stage and reason: rows of stage, metric, count."""
    rows = []
    if counts.get("fetches"):
        rows.append(("fetch", "HTTP fetches", counts["fetches"]))
    for reason, n in sorted((counts.get("skipped") or {}).items()):
        rows.append(("fetch", f"skipped: {reason}", n))
    rows += [
        ("ingest", "inputs read", counts.get("inputs", 0)),
        ("ingest", "new documents", counts.get("documents", 0)),
        ("normalize", "new articles", counts.get("articles", 0)),
        ("dedup", "new stories", counts.get("stories_new", 0)),
        ("dedup", "stories updated", counts.get("stories_touched", 0) - counts.get("stories_new", 0)),
        ("dedup", "stories merged away", counts.get("stories_merged", 0)),
        ("dedup", "duplicates (copies of a story)", counts.get("duplicates", 0)),
        ("publish", "rows written", sum((counts.get("rows_written") or {}).values())),
    ]
    for key, n in sorted((counts.get("rejects_by_reason") or {}).items()):
        stage, _, reason = key.partition("/")
        rows.append((stage, f"rejected: {reason or key}", n))
    return [{"stage": s, "metric": m, "count": int(n)} for s, m, n in rows]


def _markdown(source: str, load_id: str, table: list[dict], fresh: list[dict], top: list[dict], counts: dict) -> str:
    lines = [f"# news-pipeline · {_cell(source)}", "", f"Load `{load_id}`: {counts.get('articles', 0)} new articles, "
             f"{counts.get('stories_new', 0)} new stories, {counts.get('duplicates', 0)} duplicates, "
             f"{counts.get('rejects', 0)} rejects.", "", "## Counts by stage", "", "| stage | metric | count |", "|---|---|---:|"]
    lines += [f"| {r['stage']} | {_cell(r['metric'])} | {r['count']} |" for r in table if not r["metric"].startswith("rejected: ")]
    lines += ["", f"## New stories ({len(fresh)})", ""]
    if fresh:
        lines += ["| title | copies | sources | story_id |", "|---|---:|---:|---|"]
        lines += [f"| {_cell(s['title'])} | {s['copies']} | {s['sources']} | `{s['story_id']}` |" for s in fresh[:MAX_ROWS]]
        if len(fresh) > MAX_ROWS:
            lines.append(f"\n… and {len(fresh) - MAX_ROWS} more (`newsflow stories`)")
    else:
        lines.append("None: every article joined a story already stored, or nothing new was read.")
    lines += ["", "## Top duplicates", "", "Stories this run touched that have the most copies.", ""]
    if top:
        lines += ["| title | copies | new this run | sources | story_id |", "|---|---:|---:|---:|---|"]
        lines += [f"| {_cell(s['title'])} | {s['copies']} | {s['new_copies']} | {s['sources']} | `{s['story_id']}` |" for s in top]
    else:
        lines.append("None: no touched story has more than one copy.")
    rejects = [r for r in table if r["metric"].startswith("rejected: ")]
    lines += ["", f"## Rejects by reason ({counts.get('rejects', 0)})", ""]
    if rejects:
        lines += ["| stage | reason | count |", "|---|---|---:|"]
        lines += [f"| {r['stage']} | {_cell(r['metric'].removeprefix('rejected: '))} | {r['count']} |" for r in rejects]
        lines.append("\nDetails: `newsflow sql --query rejects_by_reason`.")
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def _cell(text) -> str:
    """Text safe inside a markdown table cell."""
    return " ".join(str(text if text is not None else "(untitled)").split()).replace("|", "\\|")


def publish_run_summary(summary: RunSummary) -> list:
    """Create the run's markdown and table artifacts; returns their ids ([] if Prefect refused)."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    try:
        return [
            create_markdown_artifact(markdown=summary.markdown, key=summary.summary_key,
                                     description=f"news-pipeline run summary, source {summary.source}, load {summary.load_id}"),
            create_table_artifact(table=summary.table, key=summary.counts_key,
                                  description=f"news-pipeline counts by stage and rejects by reason, load {summary.load_id}"),
        ]
    except Exception as exc:  # the load is committed; a missing artifact must not fail the run
        logging.getLogger(__name__).warning("could not publish run artifacts for load %s: %s", summary.load_id, exc)
        return []
