"""The `news-pipeline` flow: ingest → normalize → enrich → dedup → publish, one transaction per run.

Files and folders are read here; a configured source (`source_config`: a feed, sitemap, URL list,
page, folder or WARC of newsflow.toml, or a URL given to `newsflow run`) runs as one poll cycle over
that source alone (flows/poll.py), so its items, retries and leftovers are the schedule's own.
"""

from __future__ import annotations

from datetime import datetime, timezone

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.config import DEFAULT_WAREHOUSE, SourceConfig
from flows.fanout import normalize_batches
from flows.poll import poll_cycle
from flows.run_steps import RunWritten, drop_stored, enrich_articles, enrich_rejects, new_load_id, write_run_task
from flows.warehouses import open_warehouse
from tasks import progress
from tasks.ingest import documents_table, read_paths_task, sightings_table
from tasks.report.artifacts import build_run_summary, publish_run_summary
from warehouse.faults import checkpoint

publish_run_summary_task = task(name="publish-run-summary", cache_policy=NO_CACHE)(publish_run_summary)


@flow(name="news-pipeline", log_prints=False)
def news_pipeline(
    paths: list[str] | None = None,
    warehouse: str = DEFAULT_WAREHOUSE,
    source: str = "files",
    source_config: SourceConfig | None = None,
    allow_private_networks: bool = False,
    storage_options: dict[str, str] | None = None,
    batch_rows: int | None = None,
    catalog: str | None = None,
) -> dict:
    """Ingest a configured source (`source_config`), or files and folders (`paths`), into the
    warehouse; returns the run's counts. Private networks are allowed when the source, this
    parameter or NEWSFLOW_ALLOW_PRIVATE_NETWORKS=1 (in the flow's environment) says so.

    `catalog` is the lake's catalog database (default `<warehouse>/catalog.sqlite`; a
    postgres://… URL without a password, which comes from PGPASSWORD or ~/.pgpass). An s3://
    warehouse takes its credentials, region and endpoint from AWS_* variables in the flow's
    environment; `storage_options` adds non-secret ones. `batch_rows` splits normalize and
    enrich into tasks of that many rows (for a Dask task runner)."""
    logger = get_run_logger()
    wh = open_warehouse(warehouse, storage_options, catalog)
    if source_config is not None:
        # one poll cycle over this source alone, due now: its items kept as the schedule keeps them
        source_config = source_config if isinstance(source_config, SourceConfig) else SourceConfig.model_validate(source_config)
        counts, result = poll_cycle(wh, [source_config], label=source_config.name, force=True,
                                    allow_private_networks=allow_private_networks, batch_rows=batch_rows)
        _publish_summary(counts, result)
        return counts
    started = datetime.now(timezone.utc)
    load_id = new_load_id(started)
    progress.load_started(load_id)  # what `newsflow run` names if interrupted after the commit
    raws, rejects = read_paths_task(paths or ["seeds"], source)
    checkpoint("ingest")
    documents = documents_table(raws, load_id)
    sightings = sightings_table(raws, load_id)  # every input, also bytes already stored: where each text appeared
    documents, checked_at = drop_stored(wh, documents)  # outside the lock: skip work on bytes already stored
    normalized = normalize_batches(documents, load_id, batch_rows)
    checkpoint("normalize")
    rejects = rejects + normalized.rejects
    enrichment = enrich_articles(wh, normalized.articles, load_id, batch_rows)  # outside the lock: the slowest stage
    rejects += enrich_rejects(normalized.articles, enrichment.pop("_failed"))
    checkpoint("enrich")
    logger.info("read %d inputs: %d new documents, %d articles, %d rejects", len(raws) + len(rejects),
                documents.num_rows, normalized.articles.num_rows, len(rejects))
    result = write_run_task(wh, load_id, started, source, documents, normalized, enrichment, rejects, [], len(raws), {},
                            sightings=sightings, checked_at=checked_at)
    counts = {**result.counts, "load_id": load_id if result.committed else None}
    _publish_summary(counts, result)
    return counts


def _publish_summary(counts: dict, result: RunWritten) -> None:
    """Log the outcome; artifacts in the Prefect UI: counts by stage, new stories, top duplicates, rejects by reason."""
    logger = get_run_logger()
    if not result.committed:
        logger.info("nothing new: no load written")  # a re-run leaves every table as it was
        return
    logger.info("load %s committed: %s", counts["load_id"], result.counts)
    publish_run_summary_task(build_run_summary(counts["load_id"], result.counts, result.story_rows, result.member_rows,
                                               result.new_ids, result.stored_story_ids))
