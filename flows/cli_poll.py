"""`newsflow poll [--once]` and `newsflow sources import FILE.opml`."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from flows import allocator
from flows.cli_sources import ConfigOpt, OptionalWarehouseOpt, read_config, resolve_warehouse
from flows.config import DEFAULT_CONFIG, ConfigError, NewsflowConfig, SourceConfig
from flows.output import Format, print_rows, stderr


def poll(
    config: ConfigOpt = DEFAULT_CONFIG,
    warehouse: OptionalWarehouseOpt = None,
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit.")] = False,
    every: Annotated[float, typer.Option(help="Seconds between cycles (without --once).")] = 60.0,
    force: Annotated[bool, typer.Option(help="Every enabled source is due, whatever its schedule.")] = False,
    max_items: Annotated[int, typer.Option(help="Pages fetched per cycle, all sources together.")] = 500,
    max_seconds: Annotated[float, typer.Option(help="No new fetch starts after this many seconds of a cycle.")] = 45.0,
    max_connections: Annotated[int, typer.Option(help="HTTP connections open at once, all hosts together.")] = 50,
    item_attempts: Annotated[int, typer.Option(help="Fetches of an item's page before its feed text stands in (or it is rejected).")] = 5,
    item_retry: Annotated[float, typer.Option(help="Seconds before an item's first retry (doubling each time).")] = 60.0,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """Poll every enabled source by hand: each cycle reads the sources that are due (their own
    cron/interval), works every waiting item, and writes ONE load. Without --once it repeats
    every --every seconds until Ctrl-C (`newsflow serve` does the same on a Prefect server).

    Exit codes: 0 cycles ran; 2 config error; 130 interrupted (a cycle under way is rolled back).

    [b]Examples[/b]

      newsflow poll --once
      newsflow poll --every 120 --config feeds.toml
    """
    if not once and Path(sys.argv[0]).name == "newsflow":  # the command, not a caller's own process (a test's)
        allocator.ensure_preferred()  # a loop lives for months: mimalloc, by re-executing itself once (flows/allocator.py)
    from flows.cli_checks import run_guard
    from flows.heartbeats import without_heartbeats
    from flows.poll import news_poll

    cfg = read_config(config, required=True)
    sources = cfg.enabled_sources()
    if not sources:
        stderr.print(f"[red]nothing to poll[/red]: {config} has no enabled [[sources]]")
        raise typer.Exit(2)
    root = resolve_warehouse(warehouse, cfg)
    options = dict(cfg.warehouse.storage_options) or None
    if not once:
        stderr.print(f"polling {len(sources)} sources every {every:g} s into {root}; memory allocator {allocator.active()}. Ctrl-C stops.",
                     highlight=False)
    while True:
        started = time.monotonic()
        with stderr.status(f"polling {len(sources)} sources ..."), run_guard(), without_heartbeats():
            counts = news_poll(sources=sources, warehouse=root, catalog=cfg.warehouse.catalog, storage_options=options,
                               force=force, max_items=max_items, max_seconds=max_seconds, max_connections=max_connections,
                               item_max_attempts=item_attempts, item_retry_base=item_retry)
        _print_cycle(counts, root, fmt)
        if once:
            return
        with run_guard():
            time.sleep(max(0.0, every - (time.monotonic() - started)))


def _print_cycle(counts: dict, root: str, fmt: Format) -> None:
    keys = ["sources_due", "sources_polled", "requests", "documents", "articles", "stories_new", "duplicates",
            "feed_item_articles", "item_failures", "items_changed", "rejects"]
    rows = [(k.replace("_", " "), counts.get(k, 0)) for k in keys]
    rows += [(f"  rejected: {r}", n) for r, n in sorted((counts.get("rejects_by_reason") or {}).items())]
    rows += [(f"  skipped: {r}", n) for r, n in sorted((counts.get("skipped") or {}).items())]
    load = f"load {counts['load_id']}" if counts.get("load_id") else "nothing written"
    if fmt == Format.json:
        import json
        import sys

        sys.stdout.write(json.dumps(counts, default=str) + "\n")
        sys.stdout.flush()
        return
    print_rows(["", "count"], rows, fmt, title=f"news-poll → {root} ({load})")


def import_opml(file: str, config: str) -> None:
    """Append the feeds of an OPML file to the config as [[sources]] (kind feed); known URLs are skipped."""
    from tasks.records import RejectError
    from tasks.sources.feedkind import parse_opml

    path = Path(file)
    try:
        feeds = parse_opml(path.read_bytes(), uri=str(path))
    except OSError as exc:
        stderr.print(f"[red]cannot import[/red]: {file}: {exc.strerror or exc}")
        raise typer.Exit(2) from None
    except RejectError as exc:
        stderr.print(f"[red]cannot import[/red]: {exc.detail}")
        raise typer.Exit(2) from None
    target = Path(config)
    cfg = read_config(config, required=False) if target.exists() else NewsflowConfig()
    text, added = opml_sources_toml(feeds, cfg)
    if not added:
        stderr.print(f"nothing to import: the {len(feeds)} feeds of {file} are already sources in {config}")
        return
    old = target.read_text(encoding="utf-8") if target.exists() else ""
    new = old + ("\n" if old and not old.endswith("\n") else "") + text
    try:  # the file must still load: check before writing it
        import tomllib

        from flows.config import parse_config

        parse_config(tomllib.loads(new), origin=config)
    except (ConfigError, ValueError) as exc:
        stderr.print(f"[red]cannot import[/red]: the result would not load: {exc}")
        raise typer.Exit(2) from None
    target.write_text(new, encoding="utf-8")
    stderr.print(f"imported {len(added)} feeds into {config} ({len(feeds) - len(added)} already there): " + ", ".join(added[:10])
                 + (" ..." if len(added) > 10 else ""))


def opml_sources_toml(feeds, cfg: NewsflowConfig, interval: str = "15m") -> tuple[str, list[str]]:
    """TOML [[sources]] tables for the feeds whose URL is not a source yet, with unique names."""
    from urllib.parse import urlsplit

    known_urls = {s.location for s in cfg.sources}
    names = {s.name for s in cfg.sources}
    blocks, added = [], []
    for feed in feeds:
        if feed.url in known_urls:
            continue
        known_urls.add(feed.url)
        base = re.sub(r"[^A-Za-z0-9_.-]+", "-", (feed.title or urlsplit(feed.url).netloc or "feed").lower()).strip("-._")[:50] or "feed"
        name, n = base, 2
        while name in names:
            name, n = f"{base}-{n}", n + 1
        names.add(name)
        SourceConfig(name=name, kind="feed", location=feed.url, interval=interval)  # fails here, not at load time
        title = f"  # {feed.title}" if feed.title else ""
        blocks.append(f'[[sources]]\nname = "{name}"{title}\nkind = "feed"\nlocation = {_toml_str(feed.url)}\ninterval = "{interval}"\n')
        added.append(name)
    return "\n".join(blocks), added


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def register(app: typer.Typer) -> None:
    app.command()(poll)

