"""Run summary artifacts: the pure builder, and the artifacts a flow run leaves in Prefect's API."""

from __future__ import annotations

from tasks.report.artifacts import artifact_key, build_run_summary, stage_rows
from warehouse.lake import Warehouse
from warehouse.lake import connect

COUNTS = {
    "inputs": 4, "documents": 4, "articles": 3, "stories_new": 1, "stories_touched": 2, "stories_merged": 1,
    "duplicates": 2, "rejects": 2, "rejects_by_reason": {"normalize/empty": 1, "ingest/too-large": 1},
    "rows_written": {"documents": 4, "articles": 3}, "source": "Moscow Times", "fetches": 5, "skipped": {"known": 2},
}
STORIES = [
    {"story_id": "st_new", "title": "Fresh | news", "article_count": 1, "source_count": 1, "merged_into": None},
    {"story_id": "st_old", "title": "Old story", "article_count": 4, "source_count": 2, "merged_into": None},
    {"story_id": "st_gone", "title": "Absorbed", "article_count": 1, "source_count": 1, "merged_into": "st_old"},
]
MEMBERS = [
    {"story_id": "st_new", "article_id": "a1"},
    {"story_id": "st_old", "article_id": "a2"}, {"story_id": "st_old", "article_id": "a3"},
    {"story_id": "st_old", "article_id": "old1"}, {"story_id": "st_old", "article_id": "old2"},
]


def summary():
    return build_run_summary("L1", COUNTS, STORIES, MEMBERS, {"a1", "a2", "a3"}, {"st_old", "st_gone"})


def test_new_stories_and_top_duplicates():
    s = summary()
    assert [x["story_id"] for x in s.new_stories] == ["st_new"]
    assert s.top_duplicates == [{"story_id": "st_old", "title": "Old story", "copies": 4, "new_copies": 2, "sources": 2}]


def test_counts_by_stage_and_rejects_by_reason():
    rows = {(r["stage"], r["metric"]): r["count"] for r in stage_rows(COUNTS)}
    assert rows[("fetch", "HTTP fetches")] == 5 and rows[("fetch", "skipped: known")] == 2
    assert rows[("ingest", "inputs read")] == 4 and rows[("normalize", "new articles")] == 3
    assert rows[("dedup", "stories updated")] == 1 and rows[("dedup", "duplicates (copies of a story)")] == 2
    assert rows[("publish", "rows written")] == 7
    assert rows[("normalize", "rejected: empty")] == 1 and rows[("ingest", "rejected: too-large")] == 1


def test_markdown_sections_and_escaping():
    md = summary().markdown
    for heading in ("## Counts by stage", "## New stories (1)", "## Top duplicates", "## Rejects by reason (2)"):
        assert heading in md
    assert "Fresh \\| news" in md  # a pipe in a title does not break the table
    assert "| normalize | empty | 1 |" in md


def test_keys_are_valid_prefect_keys_per_source():
    assert summary().summary_key == "news-pipeline-summary-moscow-times"
    assert summary().counts_key == "news-pipeline-counts-moscow-times"
    assert artifact_key("news-pipeline-summary", "files") == "news-pipeline-summary-files"
    assert artifact_key("news-pipeline-summary", "!!!") == "news-pipeline-summary"


def test_flow_runs_publish_artifacts(news_warehouse):
    """Each run of the shared corpus left a markdown and a table artifact on its flow run."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    root, summaries = news_warehouse
    con = connect(Warehouse(root))
    load_id = summaries["wire-b"]["load_id"]
    run_id = con.execute("SELECT flow_run_id FROM loads WHERE load_id = ? AND status = 'committed'", [load_id]).fetchall()[0][0]
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    by_key = {a.key: a for a in artifacts}
    assert set(by_key) == {"news-pipeline-summary-wire-b", "news-pipeline-counts-wire-b"}
    md = by_key["news-pipeline-summary-wire-b"]
    assert md.type == "markdown" and load_id in md.data and "## Top duplicates" in md.data
    table = by_key["news-pipeline-counts-wire-b"]
    assert table.type == "table" and "new articles" in str(table.data)
