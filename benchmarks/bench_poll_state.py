"""What a poll cycle reads of the warehouse, as the items seen grow.

    .venv/bin/python benchmarks/bench_poll_state.py                          # 10k, 100k, 1M items seen
    .venv/bin/python benchmarks/bench_poll_state.py --sizes 1000,10000       # smaller

Before it fetches, a cycle of `news-poll` reads its sources' waiting items (`waiting_items`), the
feeds' validators (`url_validators`) and the last polls (`last_polls`); as feeds are read, the
items they list are looked up by key (`listed`: which are stored, which pages gave a document).
The stored rows are synthetic, of the real shapes: `--sources` feeds, every item done but the
newest `--waiting` (pending), each with two `fetch_log` rows (its feed's fetch and its page's), one
validator row per feed. The look-up is a steady cycle's: `--changed` feeds each listing their
newest `--listed` items plus two new ones. At each size every read is timed (median of
`--repeats`) on the read-write instance a cycle uses. Prints JSON: milliseconds per read per size,
the ratio of the largest size to the smallest, and the look-up's answer (stored, fetched) as a check.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.measure import emit, peak_rss_mb  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
SLICE = 250_000  # rows written per transaction (bounded memory)


def seen_items(sources: list[str], start: int, end: int, waiting_from: int | None = None) -> dict:
    """`items` and `fetch_log` tables for items start..end, spread over the sources; items from
    `waiting_from` on are pending (not fetched yet: no page fetch)."""
    import pyarrow as pa

    from warehouse.schemas import FETCH_LOG, ITEMS

    waiting_from = end if waiting_from is None else waiting_from
    n = end - start
    source = [sources[j % len(sources)] for j in range(start, end)]
    page = [f"https://news.example/{s}/a/{j}" for s, j in zip(source, range(start, end))]
    when = [START + timedelta(minutes=j) for j in range(start, end)]
    done = [j < waiting_from for j in range(start, end)]
    doc = [f"{j:032x}" if d else None for j, d in zip(range(start, end), done)]
    items = {name: [None] * n for name in ITEMS.schema.names}
    items.update(source=source, item_key=[f"guid-{j}" for j in range(start, end)], url=page,
                 state=["fetched" if d else "pending" for d in done], attempts=[int(d) for d in done], first_seen_at=when,
                 updated_at=when, document_id=doc, partial=[False] * n, title=[f"Item {j}" for j in range(start, end)],
                 feed_text=[None if d else f"Teaser of item {j}" for j, d in zip(range(start, end), done)], load_id=["L"] * n)
    fetched = [i for i, d in enumerate(done) if d]
    fetch_log = {"source": source + [source[i] for i in fetched], "url": [f"https://news.example/{s}/feed.xml" for s in source] +
                 [page[i] for i in fetched], "etag": [f'"{j}"' for j in range(start, end)] + [f'"{start + i}"' for i in fetched],
                 "last_modified": [None] * (n + len(fetched)), "status": [200] * (n + len(fetched)),
                 "fetched_at": when + [when[i] for i in fetched], "document_id": [None] * n + [doc[i] for i in fetched],
                 "load_id": ["L"] * (n + len(fetched))}
    return {"items": pa.table(items, schema=ITEMS.schema), "fetch_log": pa.table(fetch_log, schema=FETCH_LOG.schema)}


def feed_state(sources: list[str]) -> dict:
    """One `url_validators` and one `source_polls` row per feed."""
    import pyarrow as pa

    from warehouse.schemas import SOURCE_POLLS, URL_VALIDATORS

    validators = [{"source": s, "url": f"https://news.example/{s}/feed.xml", "etag": f'"{s}"', "fetched_at": START, "load_id": "L"}
                  for s in sources]
    polls = [{"source": s, "polled_at": START, "status": "changed", "load_id": "L"} for s in sources]
    return {"url_validators": pa.Table.from_pylist(validators, schema=URL_VALIDATORS.schema),
            "source_polls": pa.Table.from_pylist(polls, schema=SOURCE_POLLS.schema)}


def listed_in_a_cycle(sources: list[str], size: int, changed: int, per_feed: int) -> tuple[list, list]:
    """A steady cycle's look-up: `changed` feeds, each listing its newest `per_feed` items and two new ones."""
    keys, urls = [], []
    for s in range(min(changed, len(sources))):
        newest = [j for j in range(size - 1, -1, -1) if j % len(sources) == s][:per_feed]
        for j in newest + [f"new-{s}-{k}" for k in range(2)]:
            keys.append((sources[s], f"guid-{j}"))
            urls.append((sources[s], f"https://news.example/{sources[s]}/a/{j}"))
    return keys, urls


def measure(sizes: list[int], sources_n: int, repeats: int, folder: Path, waiting: int = 200, changed: int = 50,
            listed_per_feed: int = 20) -> dict:
    from warehouse.lake import Warehouse, close_instances
    from warehouse.polling import last_polls, listed, url_validators, waiting_items
    from warehouse.publish import publish_tables

    sources = [f"feed-{i}" for i in range(sources_n)]
    wh = Warehouse(folder / "wh")
    by_size, answers, stored = {}, {}, 0
    try:
        with wh.writing() as con:
            publish_tables(con, feed_state(sources), may_be_stored=frozenset())
        for size in sorted(sizes):
            # the items of the sizes before turn done: rewritten as a cycle that fetched them would
            lo = max(0, stored - waiting)
            for start in range(lo, size, SLICE):
                with wh.writing() as con:  # upkeep as a run's: flushed and merged by itself
                    publish_tables(con, seen_items(sources, start, min(size, start + SLICE), size - waiting),
                                   stored_keys={"items": seen_items(sources, start, min(size, start + SLICE))["items"]})
            stored = size
            keys, urls = listed_in_a_cycle(sources, size, changed, listed_per_feed)
            reads = {
                "waiting_items": lambda con: waiting_items(con, sources),
                "url_validators": lambda con: url_validators(con, sources),
                "last_polls": last_polls,
                "listed": lambda con: listed(con, keys, urls),
            }
            con = wh.connect(read_only=False)
            try:
                row = {}
                for name, read in reads.items():
                    times = []
                    for _ in range(repeats):
                        t0 = time.perf_counter()
                        answer = read(con)
                        times.append(time.perf_counter() - t0)
                    row[name] = round(statistics.median(times) * 1000, 1)
                row["before_fetching"] = round(row["waiting_items"] + row["url_validators"] + row["last_polls"], 1)
                row["total"] = round(row["before_fetching"] + row["listed"], 1)
                answers[str(size)] = {"waiting": len(reads["waiting_items"](con)), "listed_keys": len(keys),
                                      "stored": len(answer[0]), "fetched_before": len(answer[1])}
            finally:
                con.close()
            by_size[str(size)] = row
            print(f"{size:,} items seen: {row} {answers[str(size)]}", file=sys.stderr, flush=True)
    finally:
        close_instances()
    small, large = by_size[str(min(sizes))], by_size[str(max(sizes))]
    return {"sources": sources_n, "repeats": repeats, "waiting": waiting, "changed_feeds": changed,
            "listed_per_feed": listed_per_feed, "ms_by_items_seen": by_size,
            "largest_over_smallest": {k: round(large[k] / max(small[k], 1e-9), 1) for k in large},
            "answers": answers, "peak_rss": peak_rss_mb()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="items seen, comma-separated")
    parser.add_argument("--sources", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--waiting", type=int, default=200, help="the newest items are pending")
    parser.add_argument("--changed", type=int, default=50, help="feeds that changed in the cycle looked up")
    parser.add_argument("--listed", type=int, default=20, help="stored items each changed feed lists")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="nf-poll-state-") as tmp:
        result = measure(sizes, args.sources, args.repeats, Path(tmp), args.waiting, args.changed, args.listed)
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
