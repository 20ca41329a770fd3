"""The `news-poll` flow: one cycle over every due source, written as ONE run and one transaction.

Each cycle reads what the warehouse knows and does not grow with the items ever seen (waiting
items, feeds' validators, last polls: one query each), picks the sources that are due (their own
cron/interval from newsflow.toml), fetches them concurrently (tasks/sources/poll.py; the items
the feeds list are looked up by key as they are read), and carries every new document of the
cycle through normalize → enrich → dedup → publish with `write_run`, item states, source polls
and validators in the same transaction.
An unchanged feed costs one 304 and a `source_polls` row, not a load of its own.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, nullcontext
from functools import partial
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.config import DEFAULT_WAREHOUSE, SourceConfig
from flows.fanout import normalize_batches
from flows.run_steps import RunWritten, drop_stored, enrich_articles, enrich_rejects, new_load_id, write_run_task
from flows.warehouses import open_warehouse
from tasks import progress
from tasks.ingest import documents_table, sightings_table
from tasks.sources.items import ItemPolicy, is_due
from tasks.sources.netguard import private_networks_allowed
from tasks.sources.cycle import Known, PollLimits
from tasks.sources.poll import ITEM_KINDS, last_row_of_each_key, poll_sources
from warehouse.faults import checkpoint
from warehouse.lake import Warehouse
from warehouse.polling import fetched_urls, last_polls, latest_validators, listed, url_validators, waiting_items
from warehouse.schemas import ITEMS, SOURCE_POLLS, URL_VALIDATORS

FLOW_NAME = "news-poll"
DEFAULT_POLL_INTERVAL = 60.0

poll_sources_task = task(name="poll-sources", cache_policy=NO_CACHE)(poll_sources)


def source_is_due(source: SourceConfig, last: datetime | None, now: datetime) -> bool:
    """Due when never polled, when its interval has passed, or when its cron fired since the last poll."""
    if last is None:
        return True
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    if source.interval is not None:
        return last + timedelta(seconds=source.interval) <= now + timedelta(seconds=1)  # a second of slack for timer drift
    if source.cron:
        from zoneinfo import ZoneInfo

        from prefect._vendor.croniter import croniter

        zone = ZoneInfo(source.timezone or "UTC")
        return croniter(source.cron, last.astimezone(zone)).get_next(datetime) <= now.astimezone(zone)
    return False  # manual sources run with `newsflow run` / `newsflow trigger`


@flow(name=FLOW_NAME, log_prints=False)
def news_poll(
    sources: list[SourceConfig],
    warehouse: str = DEFAULT_WAREHOUSE,
    catalog: str | None = None,
    storage_options: dict[str, str] | None = None,
    allow_private_networks: bool = False,
    force: bool = False,
    max_items: int = PollLimits.max_items,
    max_bytes: int = PollLimits.max_bytes,
    max_seconds: float = PollLimits.max_seconds,
    max_connections: int = PollLimits.max_connections,
    item_max_attempts: int = ItemPolicy.max_attempts,
    item_retry_base: float = ItemPolicy.retry_base,
) -> dict:
    """One poll cycle over `sources` (the enabled ones of newsflow.toml): the due ones are read,
    and every source's waiting items are worked on. `force`: every source is due."""
    sources = [s if isinstance(s, SourceConfig) else SourceConfig.model_validate(s) for s in sources]
    counts, _ = poll_cycle(
        open_warehouse(warehouse, storage_options, catalog), sources, label=FLOW_NAME, force=force,
        allow_private_networks=allow_private_networks,
        limits=PollLimits(max_items=max_items, max_bytes=max_bytes, max_seconds=max_seconds, max_connections=max_connections),
        policy=ItemPolicy(max_attempts=item_max_attempts, retry_base=item_retry_base),
    )
    return counts


def poll_cycle(wh: Warehouse, sources: list[SourceConfig], *, label: str, force: bool = False,
               allow_private_networks: bool = False, limits: PollLimits | None = None, policy: ItemPolicy | None = None,
               batch_rows: int | None = None) -> tuple[dict, RunWritten]:
    """A cycle without the flow around it; `news-pipeline` runs one for a single source (forced),
    so a source run by hand keeps its items as the schedule does. `label`: the loads row's source.
    Returns the counts (`sources_unread`: the sources whose feed or listing could not be read) and
    what was written."""
    logger = get_run_logger()
    now = datetime.now(UTC)
    load_id = new_load_id(now)
    progress.load_started(load_id)  # what `newsflow run` names if interrupted after the commit
    in_warehouse = _Clock()
    # Outside the writer lock (fetching must not block other runs), on the read-write DuckDB
    # instance the cycle's write will reuse: opening an instance costs ~0.4 s of extension
    # loading, and a cycle is a process of its own under serve. SELECTs only here.
    with closing(wh.connect(read_only=False)) if wh.exists() else nullcontext() as con:
        with in_warehouse.timing():
            known, due = _known_before_fetching(con, sources, now, force)
        if con is not None:
            known.look_up = in_warehouse.timed(partial(listed, con))  # asked as feeds are read
        waiting = {name for name, rows in known.items.items() if any(is_due(r, now) for r in rows.values())}
        allow = allow_private_networks or private_networks_allowed(os.environ)
        specs = [s.spec(allow_private_networks=allow, now=now) for s in sources if s.name in due or s.name in waiting]
        polled = poll_sources_task(specs, due=due, known=known, now=now, limits=limits or PollLimits(),
                                   item_policy=policy or ItemPolicy())
    checkpoint("ingest")
    documents = documents_table(polled.documents, load_id)
    sightings = sightings_table(polled.documents, load_id)  # also bytes already stored: where each text appeared
    documents, checked_at = drop_stored(wh, documents)
    normalized = normalize_batches(documents, load_id, batch_rows)
    checkpoint("normalize")
    rejects = polled.rejects + normalized.rejects
    enrichment = enrich_articles(wh, normalized.articles, load_id, batch_rows)
    rejects += enrich_rejects(normalized.articles, enrichment.pop("_failed"))
    checkpoint("enrich")
    # an unchanged feed's 304 is summed up in source_polls: fetch_log keeps the fetches that said something
    fetch_log = [r for r in polled.fetch_log if r["status"] != 304]
    extra = {
        "items": pa.Table.from_pylist(last_row_of_each_key(polled.items, ITEMS.key, load_id), schema=ITEMS.schema),
        "source_polls": pa.Table.from_pylist([{**p, "load_id": load_id} for p in polled.polls], schema=SOURCE_POLLS.schema),
        "url_validators": pa.Table.from_pylist(last_row_of_each_key(polled.validators, URL_VALIDATORS.key, load_id),
                                               schema=URL_VALIDATORS.schema),
    }
    with in_warehouse.timing():  # the one transaction (with its upkeep)
        result = write_run_task(wh, load_id, now, label, documents, normalized, enrichment, rejects, fetch_log,
                                len(polled.documents), dict(polled.skipped), extra=extra, sightings=sightings, checked_at=checked_at)
    unread = sorted({p["source"] for p in polled.polls if p["status"] == "failed"})
    counts = {**result.counts, "load_id": load_id if result.committed else None, "sources_due": len(due),
              "sources_polled": len(polled.polls), "sources_unread": unread, "items_changed": extra["items"].num_rows,
              "warehouse_seconds": round(in_warehouse.seconds, 3), **dict(polled.stats)}
    logger.info("%s: %d sources due, %d documents, %d articles, %d rejects, %s", label, len(due), documents.num_rows,
                normalized.articles.num_rows, len(rejects), dict(polled.stats))
    return counts, result


def _known_before_fetching(con: duckdb.DuckDBPyConnection | None, sources: list[SourceConfig], now: datetime,
                           force: bool) -> tuple[Known, set[str]]:
    """What a cycle reads before it fetches (none of it grows with the items ever seen: the
    waiting items, the feeds' validators, the last polls) and the sources due. Kinds without
    items (folder, warc, page) get every fetch of their own: their collectors skip what they saw."""
    known, polled_at = Known(), {}
    names = [s.name for s in sources]
    if con is not None:
        for row in waiting_items(con, names):
            known.items.setdefault(row["source"], {})[row["item_key"]] = row
        known.validators = url_validators(con, names)
        polled_at = last_polls(con)
    due = {s.name for s in sources if force or source_is_due(s, polled_at.get(s.name), now)}
    collected = [s.name for s in sources if s.name in due and s.kind not in ITEM_KINDS]
    if con is not None and collected:
        known.validators.update(latest_validators(con, collected))
        known.fetched_urls = fetched_urls(con, collected)
    return known, due


class _Clock:
    """Seconds a cycle spends in the warehouse: its reads, look-ups and transaction."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def timing(self) -> Iterator[None]:
        clock = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - clock

    def timed(self, fn: Callable) -> Callable:
        def timed(*args):
            with self.timing():
                return fn(*args)
        return timed


@flow(name="news-maintenance", log_prints=False)
def news_maintenance(warehouse: str = DEFAULT_WAREHOUSE, catalog: str | None = None,
                     storage_options: dict[str, str] | None = None) -> dict:
    """Compact the warehouse (what runs also do when thresholds pass), on a schedule."""
    from warehouse.maintenance import compact

    wh = open_warehouse(warehouse, storage_options, catalog)
    return compact(wh) if wh.exists() else {}


def poll_parameters(sources: list[SourceConfig], warehouse: str, **limits) -> dict:
    """The deployment's parameters: the sources' config (edit the file, restart serve) and limits."""
    return {"sources": [s.model_dump(mode="json") for s in sources], "warehouse": warehouse, **limits}

