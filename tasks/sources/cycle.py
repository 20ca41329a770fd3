"""What every source's part of one poll cycle shares (tasks/sources/poll.py runs the cycle).

    cycle = Cycle(known, now, Polled(), AsyncFetcher(...), Budget(limits), policy, LookUps(known, stats))

`Known`: what the warehouse told the cycle before it fetched, and how to ask it about the items
feeds list (`LookUps` gathers those questions). `Polled`: what the cycle found. `Budget`: its
bounds. No Prefect here.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from tasks.records import RawDocument, Reject
from tasks.sources import items as lifecycle
from tasks.sources.afetch import DEFAULT_MAX_CONNECTIONS, AsyncFetcher


@dataclass(frozen=True)
class PollLimits:
    """Bounds of one cycle, so a huge backlog spreads over cycles."""

    max_items: int = 500  # page fetches, all sources together
    max_bytes: int = 200 * 1024 * 1024  # bytes of pages and feeds
    max_seconds: float = 45.0  # no new fetch starts after this
    max_connections: int = DEFAULT_MAX_CONNECTIONS  # open at once, all hosts together


Pairs = set[tuple[str, str]]
LookUp = Callable[[list[tuple[str, str]], list[tuple[str, str]]], tuple[Pairs, Pairs]]
GATHER_SECONDS = 0.25  # a look-up waits this long for other feeds' questions (bench_fleet: 4-6 look-ups a steady cycle, 13-15 at 0.05 s)


@dataclass
class Known:
    """What the warehouse knows of the sources polled (warehouse/polling.py reads it): what a
    cycle needs before it fetches, and `look_up` for what the feeds list.

    Without `look_up`, `items` and `fetched_urls` are the whole truth (tests fold cycles into them)."""

    items: dict[str, dict[str, dict]] = field(default_factory=dict)  # source -> item_key -> row: at least the waiting ones
    validators: dict[tuple[str, str], tuple[str | None, str | None]] = field(default_factory=dict)  # (source, url) -> (etag, last-modified)
    fetched_urls: Pairs = field(default_factory=set)  # (source, url) that gave a document: kinds without items read these
    look_up: LookUp | None = None  # (listed (source, item_key), listed (source, url)) -> (stored keys, fetched urls)

    def listed(self, keys: list[tuple[str, str]], urls: list[tuple[str, str]]) -> tuple[Pairs, Pairs]:
        """Of `keys`, the stored items; of `urls`, the pages that gave a document already."""
        if self.look_up is not None:
            return self.look_up(keys, urls)
        return {(s, k) for s, k in keys if k in self.items.get(s, {})}, {p for p in urls if p in self.fetched_urls}


@dataclass
class Polled:
    documents: list[RawDocument] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    fetch_log: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)  # changed item rows (ITEMS minus load_id)
    polls: list[dict] = field(default_factory=list)  # source_polls rows of the sources read
    validators: list[dict] = field(default_factory=list)  # url_validators rows that changed (URL_VALIDATORS minus load_id)
    skipped: Counter = field(default_factory=Counter)
    stats: Counter = field(default_factory=Counter)


class LookUps:
    """Feeds read at about the same time share one `Known.listed` call (a warehouse look-up costs
    catalog work however few its keys), run in a thread while other feeds are still being read."""

    def __init__(self, known: Known, stats: Counter) -> None:
        self.known = known
        self.stats = stats  # look_ups: how many calls the cycle made
        self.asked: list[tuple[list, list, asyncio.Future]] = []
        self.draining: asyncio.Task | None = None

    async def ask(self, keys: list[tuple[str, str]], urls: list[tuple[str, str]]) -> tuple[Pairs, Pairs]:
        future = asyncio.get_running_loop().create_future()
        self.asked.append((keys, urls, future))
        if self.draining is None or self.draining.done():
            self.draining = asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        while self.asked:
            await asyncio.sleep(GATHER_SECONDS)
            batch, self.asked = self.asked, []
            keys = [k for asked in batch for k in asked[0]]
            urls = [u for asked in batch for u in asked[1]]
            self.stats["look_ups"] += 1
            try:
                answer, failure = await in_daemon_thread(self.known.listed, keys, urls), None
            except Exception as exc:  # noqa: BLE001 - each asking source turns it into its reject
                answer, failure = None, exc
            for *_, future in batch:
                if not future.done():
                    future.set_exception(failure) if failure is not None else future.set_result(answer)


class Budget:
    def __init__(self, limits: PollLimits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_seconds
        self.items = 0
        self.bytes = 0

    def take_item(self) -> bool:
        if self.items >= self.limits.max_items or self.bytes >= self.limits.max_bytes or time.monotonic() > self.deadline:
            return False
        self.items += 1
        return True


@dataclass
class Cycle:
    """What every source's part of one cycle shares."""

    known: Known
    now: datetime
    out: Polled
    fetcher: AsyncFetcher
    budget: Budget
    policy: lifecycle.ItemPolicy
    look_ups: LookUps


async def in_daemon_thread(fn, *args):
    """`fn(*args)` in a thread of its own that nobody joins: on Ctrl-C / SIGTERM the cycle is
    cancelled and the process exits at once, where `asyncio.to_thread` would first wait for a
    blocked read (a page that does not come) to time out."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(outcome, failed: bool) -> None:
        if not future.done():
            future.set_exception(outcome) if failed else future.set_result(outcome)

    def work() -> None:
        try:
            outcome, failed = fn(*args), False
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            outcome, failed = exc, True
        try:
            loop.call_soon_threadsafe(settle, outcome, failed)
        except RuntimeError:  # the loop is closed: the cycle was interrupted
            pass

    threading.Thread(target=work, name=f"collect-{getattr(args[0], 'name', 'source')}", daemon=True).start()
    return await future


def log_row(source: str, url: str, status: int | None, fetched_at: datetime, etag: str | None = None,
             last_modified: str | None = None, document_id: str | None = None) -> dict:
    return {"source": source, "url": url, "etag": etag, "last_modified": last_modified, "status": status,
            "fetched_at": fetched_at, "document_id": document_id}
