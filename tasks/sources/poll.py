"""One poll cycle over many sources: feeds fetched concurrently, items worked through their lifecycle.

    polled = poll_sources(specs, due={"a", "b"}, known=Known(...), now=now, limits=PollLimits())

For every feed, sitemap or URL-list source that is due: its conditional GETs (or a file read),
its items discovered (tasks/sources/items.py): which listed items are stored, and which listed
pages gave a document already, is asked of `Known.listed` once for the feeds read at about the
same time. Then, for every source given (due or not), its pending items and the failed ones
whose backoff has passed are fetched, at most `max_items` a source and within the cycle's budget
(items, bytes, seconds): what does not fit waits as pending for the next cycle. Sitemap entries
and listed URLs are items too; other kinds (folder, warc, page) run their usual collector in a
thread when due.

No Prefect here; I/O through one `AsyncFetcher` (one global connection limit for the cycle); what
the sources' parts of a cycle share (Known, Polled, the budget, the look-ups) is tasks/sources/cycle.py.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from tasks.records import RawDocument, Reject, RejectError
from tasks.sources import items as lifecycle
from tasks.sources.afetch import AsyncFetcher
from tasks.sources.base import STAGE, SourceState, document_id, is_remote, read_local, reject_of
from tasks.sources.collect import SourceSpec, collect_source
from tasks.sources.cycle import Budget, Cycle, Known, LookUps, Polled, PollLimits, in_daemon_thread, log_row
from tasks.sources.feed import MIN_CONTENT_CHARS, _embedded_document, read_feed, text_length
from tasks.sources.fetch import FEED_TYPES, HTML_TYPES, SITEMAP_TYPES
from tasks.sources.netguard import redact_url
from tasks.sources.sitemap import MAX_URLS_PER_SITEMAP, parse_sitemap
from tasks.sources.urls import parse_url_list

MAX_SITEMAPS = 200  # sitemaps read per source and cycle (an index and its children)
MAX_SITEMAP_DEPTH = 2


ITEM_KINDS = ("feed", "urls", "sitemap")  # sources whose entries are tracked as items


def poll_sources(specs: list[SourceSpec], *, due: set[str], known: Known, now: datetime | None = None,
                 limits: PollLimits | None = None, item_policy: lifecycle.ItemPolicy | None = None) -> Polled:
    """Run one cycle (see the module doc); blocking."""
    return asyncio.run(poll_sources_async(specs, due=due, known=known, now=now, limits=limits, item_policy=item_policy))


async def poll_sources_async(specs: list[SourceSpec], *, due: set[str], known: Known, now: datetime | None = None,
                             limits: PollLimits | None = None, item_policy: lifecycle.ItemPolicy | None = None) -> Polled:
    limits = limits or PollLimits()
    fetcher = AsyncFetcher(limits.max_connections)
    out = Polled()
    cycle = Cycle(known, now or datetime.now(UTC), out, fetcher, Budget(limits), item_policy or lifecycle.ItemPolicy(),
                   LookUps(known, out.stats))
    try:
        await asyncio.gather(*(_poll_one(spec, spec.name in due, cycle) for spec in specs))
    finally:
        await fetcher.aclose()
    cycle.out.stats["requests"] = fetcher.requests
    cycle.out.stats["page_budget_used"] = cycle.budget.items
    return cycle.out


async def _poll_one(spec: SourceSpec, is_due: bool, cycle: Cycle) -> None:
    """One source's part of the cycle. What it could not turn into a reject (a disk error, a bug)
    becomes one: the other sources' work goes on, and this source is read again when next due."""
    try:
        await _poll_source(spec, is_due, cycle)
    except Exception as exc:  # noqa: BLE001 - a source never sinks the cycle
        out, detail = cycle.out, f"{type(exc).__name__}: {exc}"
        out.rejects.append(Reject(redact_url(spec.location), STAGE if is_remote(spec.location) else "ingest", "source-error", detail))
        out.polls[:] = [p for p in out.polls if p["source"] != spec.name]
        out.polls.append({"source": spec.name, "polled_at": cycle.now, "status": "failed", "detail": f"source-error: {detail}"})
        out.stats["source_errors"] += 1


async def _poll_source(spec: SourceSpec, is_due: bool, cycle: Cycle) -> None:
    if spec.kind not in ITEM_KINDS:
        if is_due:
            await _collect_in_thread(spec, cycle)
        return
    rows = dict(cycle.known.items.get(spec.name, {}))  # key -> current row (the waiting ones), updated as the cycle goes
    if is_due:
        read = _read_feed_source if spec.kind == "feed" else _read_list_source
        for row in await read(spec, cycle, rows):
            rows[row["item_key"]] = row
            cycle.out.items.append(row)
    now = cycle.now
    waiting = sorted((r for r in rows.values() if lifecycle.is_due(r, now)), key=lambda r: (r["first_seen_at"] or now, r["item_key"]))
    if spec.max_items is not None:
        cycle.out.skipped["max-items-waiting"] += max(0, len(waiting) - spec.max_items)
        waiting = waiting[: spec.max_items]
    results = await asyncio.gather(*(_work_item(spec, row, cycle) for row in waiting))
    cycle.out.items.extend(r for r in results if r is not None)


async def _discover(source: str, rows: dict[str, dict], found: list[lifecycle.Found], cycle: Cycle) -> tuple[list[dict], set[str]]:
    """New and refreshed item rows of what a source lists, and the URLs of its new ones that gave a
    document already (the warehouse is asked about the listed items only)."""
    unknown = [f for f in found if f.item_key is not None and f.item_key not in rows]
    stored, fetched = await cycle.look_ups.ask([(source, f.item_key) for f in unknown],
                                               [(source, f.url) for f in unknown if f.url])
    new_rows = lifecycle.discover(source, rows, found, cycle.now, stored={k for s, k in stored if s == source})
    cycle.out.stats["items_discovered"] += len(new_rows)
    return new_rows, {u for s, u in fetched if s == source}


async def _read_feed_source(spec: SourceSpec, cycle: Cycle, rows: dict[str, dict]) -> list[dict]:
    """Read the feed (conditional GET); new items as pending rows (or fetched, when the feed
    carries the whole article or an earlier run already fetched the page)."""
    location, source, out, now = spec.location, spec.name, cycle.out, cycle.now
    poll = {"source": source, "polled_at": now, "status": "changed", "detail": None}
    out.polls.append(poll)
    try:
        if is_remote(location):
            validators = cycle.known.validators.get((source, location))
            try:
                result = await cycle.fetcher.fetch(location, policy=spec.policy, accept=FEED_TYPES, validators=validators)
            except RejectError as exc:
                out.fetch_log.append(log_row(source, location, getattr(exc, "status", None), datetime.now(UTC)))
                raise
            cycle.budget.bytes += len(result.content)
            row = log_row(source, location, result.status, result.fetched_at, result.etag, result.last_modified)
            out.fetch_log.append(row)
            if result.not_modified:
                _keep_validators(row, cycle)
                poll["status"] = "not-modified"
                out.skipped["feed-not-modified"] += 1
                return []
            content, base_url, fetched_at = result.content, result.final_url, result.fetched_at
        else:
            path = Path(location.removeprefix("file://"))
            content, base_url, fetched_at = read_local(path), path.resolve().as_uri(), now
            row = None
        read = read_feed(content, base_url=base_url)
    except RejectError as exc:
        poll.update(status="failed", detail=f"{exc.reason}: {exc.detail}")
        out.rejects.append(reject_of(location, exc))
        return []
    if read.problem:
        poll.update(status="partial", detail=read.problem)
        out.rejects.append(Reject(redact_url(location), STAGE if is_remote(location) else "ingest", "feed-malformed", read.problem))
        if row is not None:  # re-read it whole next time rather than answer 304 to a broken copy
            row["etag"] = row["last_modified"] = None
    if row is not None:
        _keep_validators(row, cycle)
    found = [item.found() for item in read.items]
    new_rows, fetched_before = await _discover(source, rows, found, cycle)
    by_key = {f.item_key: (f, item) for f, item in zip(found, read.items)}
    for i, row in enumerate(new_rows):
        if row["state"] != lifecycle.PENDING or row["attempts"]:
            continue
        _, item = by_key[row["item_key"]]
        if row["url"] and row["url"] in fetched_before:
            new_rows[i] = lifecycle.fetched(row, None, now, reason="fetched-before")
        elif item.content_html and text_length(item.content_html) >= MIN_CONTENT_CHARS:
            state = SourceState()
            doc = _embedded_document(item, location, source, fetched_at, state)
            out.documents.append(doc)
            out.fetch_log.extend(state.fetch_log)
            new_rows[i] = lifecycle.fetched(row, document_id(doc.content), now)
    return new_rows


async def _read_list_source(spec: SourceSpec, cycle: Cycle, rows: dict[str, dict]) -> list[dict]:
    """A URL list or a sitemap (index): every listed page becomes an item (new ones pending)."""
    source, out = spec.name, cycle.out
    poll = {"source": source, "polled_at": cycle.now, "status": "changed", "detail": None}
    out.polls.append(poll)
    found: list[lifecycle.Found] = []
    if spec.kind == "urls":
        try:
            content = await _load_listing(spec, spec.location, cycle, conditional=False)
        except RejectError as exc:
            poll.update(status="failed", detail=f"{exc.reason}: {exc.detail}")
            out.rejects.append(reject_of(spec.location, exc))
            return []
        urls, bad = parse_url_list((content or b"").decode("utf-8-sig", errors="replace"))
        out.rejects.extend(Reject(redact_url(spec.location), STAGE, "bad-url", f"line {n}: {redact_url(line)!r}") for n, line in bad)
        found = [lifecycle.Found(url=u) for u in urls]
    else:
        since = spec.since.replace(tzinfo=UTC) if spec.since and spec.since.tzinfo is None else spec.since
        queue, visited, changed = [(spec.location, 0)], set(), False
        while queue and len(visited) < MAX_SITEMAPS:
            url, depth = queue.pop(0)
            if url in visited:
                continue
            visited.add(url)
            try:
                # the root unconditionally: an unchanged index can point at changed child sitemaps
                content = await _load_listing(spec, url, cycle, conditional=depth > 0)
                if content is None:
                    out.skipped["sitemap-not-modified"] += 1
                    continue
                sitemap = parse_sitemap(content, uri=url)
            except RejectError as exc:
                out.rejects.append(reject_of(url, exc))
                if depth == 0:
                    poll.update(status="failed", detail=f"{exc.reason}: {exc.detail}")
                continue
            changed = True
            for entry in sitemap.entries[:MAX_URLS_PER_SITEMAP]:
                if since and entry.date and entry.date < since:
                    out.skipped["too-old"] += 1
                elif sitemap.kind == "index":
                    if depth < MAX_SITEMAP_DEPTH:
                        queue.append((entry.loc, depth + 1))
                else:
                    found.append(lifecycle.Found(url=entry.loc, title=entry.title, published_at=entry.published))
        if not changed and poll["status"] == "changed":
            poll["status"] = "not-modified"
    new_rows, fetched_before = await _discover(source, rows, found, cycle)
    for i, row in enumerate(new_rows):
        if row["state"] == lifecycle.PENDING and not row["attempts"] and row["url"] in fetched_before:
            new_rows[i] = lifecycle.fetched(row, None, cycle.now, reason="fetched-before")
    return new_rows


async def _load_listing(spec: SourceSpec, url: str, cycle: Cycle, *, conditional: bool) -> bytes | None:
    """The bytes of a URL list or sitemap (a file or a URL); None when unchanged (304)."""
    if not is_remote(url):
        return read_local(Path(url.removeprefix("file://")))
    accept = ("text/plain",) if spec.kind == "urls" else SITEMAP_TYPES
    validators = cycle.known.validators.get((spec.name, url)) if conditional else None
    try:
        result = await cycle.fetcher.fetch(url, policy=spec.policy, accept=accept, validators=validators)
    except RejectError as exc:
        cycle.out.fetch_log.append(log_row(spec.name, url, getattr(exc, "status", None), datetime.now(UTC)))
        raise
    cycle.budget.bytes += len(result.content)
    row = log_row(spec.name, url, result.status, result.fetched_at, result.etag, result.last_modified)
    cycle.out.fetch_log.append(row)
    _keep_validators(row, cycle)
    return None if result.not_modified else result.content


def _keep_validators(row: dict, cycle: Cycle) -> None:
    """A feed's, list's or sitemap's answer (2xx/304): its validators for `url_validators` when
    they are not the ones known (a 304 that repeats them writes nothing)."""
    pair = (row["etag"], row["last_modified"])
    if cycle.known.validators.get((row["source"], row["url"]), (None, None)) != pair:
        cycle.out.validators.append({"source": row["source"], "url": row["url"], "etag": pair[0], "last_modified": pair[1],
                                     "fetched_at": row["fetched_at"]})


async def _work_item(spec: SourceSpec, row: dict, cycle: Cycle) -> dict | None:
    """Fetch one waiting item's page; its new row (None when the budget ran out: it waits)."""
    url, source, out, now = row.get("url"), spec.name, cycle.out, cycle.now
    if not url:
        return _give_up(lifecycle.failed(row, "no-link", "the item has no link", now, cycle.policy)[0], source, cycle)
    if not cycle.budget.take_item():
        out.skipped["cycle-budget"] += 1
        return None
    try:
        result = await cycle.fetcher.fetch(url, policy=spec.policy, accept=HTML_TYPES)
    except RejectError as exc:
        out.fetch_log.append(log_row(source, url, getattr(exc, "status", None), datetime.now(UTC)))
        new, give_up = lifecycle.failed(row, exc.reason, exc.detail, now, cycle.policy)
        out.stats["item_failures"] += 1
        return _give_up(new, source, cycle) if give_up else new
    cycle.budget.bytes += len(result.content)
    doc_id = document_id(result.content) if not result.not_modified else None
    out.fetch_log.append(log_row(source, url, result.status, result.fetched_at, result.etag, result.last_modified, doc_id))
    if result.not_modified:
        return lifecycle.fetched(row, None, now)
    out.documents.append(RawDocument(source=source, uri=result.final_url, content=result.content,
                                     media_type=result.media_type, fetched_at=result.fetched_at))
    return lifecycle.fetched(row, doc_id, now)


def _give_up(row: dict, source: str, cycle: Cycle) -> dict:
    """The page cannot be had: the feed's own text becomes the article, else the item is rejected."""
    out, now = cycle.out, cycle.now
    if lifecycle.feed_words(row) >= cycle.policy.min_feed_words:
        doc = lifecycle.feed_item_document(row, source, now)
        out.documents.append(doc)
        out.stats["feed_item_articles"] += 1
        return lifecycle.fetched(row, document_id(doc.content), now, partial=True, reason=row.get("reason"), detail=row.get("detail"))
    out.rejects.append(Reject(redact_url(row.get("url") or f"{source}#{row['item_key']}"), STAGE, row.get("reason") or "unusable",
                              f"gave up after {row.get('attempts', 0)} attempts: {row.get('detail') or ''}".strip()))
    return lifecycle.rejected(row, now)


async def _collect_in_thread(spec: SourceSpec, cycle: Cycle) -> None:
    """A source kind without items yet: its usual collector, with what earlier runs learnt."""
    known, out = cycle.known, cycle.out
    state = SourceState(
        validators={u: v for (s, u), v in known.validators.items() if s == spec.name},
        seen_urls={u for s, u in known.fetched_urls if s == spec.name},
    )
    collected = await in_daemon_thread(collect_source, spec, state)
    out.documents.extend(collected.documents)
    out.rejects.extend(collected.rejects)
    out.fetch_log.extend(collected.fetch_log)
    out.skipped.update(collected.skipped)
    failed = [r for r in collected.rejects if r.uri == redact_url(spec.location)]
    out.polls.append({"source": spec.name, "polled_at": cycle.now, "status": "failed" if failed else "changed",
                      "detail": f"{failed[0].reason}: {failed[0].detail}" if failed else None})


def last_row_of_each_key(rows: list[dict], key: tuple[str, ...], load_id: str) -> list[dict]:
    """Rows (items, url_validators) with the cycle's load_id, the last row of each key only."""
    last: dict[tuple, dict] = {}
    for row in rows:
        last[tuple(row[k] for k in key)] = {**row, "load_id": load_id}
    return list(last.values())
