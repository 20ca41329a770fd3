"""What a poll cycle reads of the warehouse before it fetches, as the items seen grow.

    .venv/bin/python benchmarks/bench_poll_state.py                          # 10k, 100k, 1M items seen
    .venv/bin/python benchmarks/bench_poll_state.py --sizes 1000,10000       # smaller

A cycle of `news-poll` starts with three reads over all its sources (warehouse/polling.py):
`item_rows` (the stored items, to tell a listed item from a new one and find the waiting ones),
`latest_validators` (etag / last-modified for conditional GETs) and `fetched_urls` (pages that
already gave a document). The stored rows are synthetic, of the real shapes: `--sources` feeds,
every item done, each with two `fetch_log` rows (its feed's fetch and its page's). At each size
the three reads are timed (median of `--repeats`) on the read-write instance a cycle uses. Prints
JSON: milliseconds per read per size and the ratio of the largest size to the smallest.
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


def seen_items(sources: list[str], start: int, end: int) -> dict:
    """`items` and `fetch_log` tables for items start..end, spread over the sources."""
    import pyarrow as pa

    from warehouse.schemas import FETCH_LOG, ITEMS

    n = end - start
    source = [sources[j % len(sources)] for j in range(start, end)]
    page = [f"https://news.example/{s}/a/{j}" for s, j in zip(source, range(start, end))]
    when = [START + timedelta(minutes=j) for j in range(start, end)]
    doc = [f"{j:032x}" for j in range(start, end)]
    items = {name: [None] * n for name in ITEMS.schema.names}
    items.update(source=source, item_key=[f"guid-{j}" for j in range(start, end)], url=page, state=["done"] * n,
                 attempts=[1] * n, first_seen_at=when, updated_at=when, document_id=doc, partial=[False] * n,
                 title=[f"Item {j}" for j in range(start, end)], load_id=["L"] * n)
    fetch_log = {"source": source + source, "url": [f"https://news.example/{s}/feed.xml" for s in source] + page,
                 "etag": [f'"{j}"' for j in range(start, end)] * 2, "last_modified": [None] * (2 * n),
                 "status": [200] * (2 * n), "fetched_at": when + when, "document_id": [None] * n + doc, "load_id": ["L"] * (2 * n)}
    return {"items": pa.table(items, schema=ITEMS.schema), "fetch_log": pa.table(fetch_log, schema=FETCH_LOG.schema)}


def measure(sizes: list[int], sources_n: int, repeats: int, folder: Path) -> dict:
    from warehouse.lake import Warehouse, close_instances
    from warehouse.polling import fetched_urls, item_rows, latest_validators
    from warehouse.publish import publish_tables

    sources = [f"feed-{i}" for i in range(sources_n)]
    wh = Warehouse(folder / "wh")
    reads = {"item_rows": item_rows, "latest_validators": latest_validators, "fetched_urls": fetched_urls}
    by_size, stored = {}, 0
    try:
        for size in sorted(sizes):
            for lo in range(stored, size, SLICE):
                with wh.writing() as con:  # upkeep as a run's: flushed and merged by itself
                    publish_tables(con, seen_items(sources, lo, min(size, lo + SLICE)), may_be_stored=frozenset())
            stored = size
            con = wh.connect(read_only=False)
            try:
                row = {}
                for name, read in reads.items():
                    times = []
                    for _ in range(repeats):
                        t0 = time.perf_counter()
                        read(con, sources)
                        times.append(time.perf_counter() - t0)
                    row[name] = round(statistics.median(times) * 1000, 1)
                row["total"] = round(sum(row.values()), 1)
            finally:
                con.close()
            by_size[str(size)] = row
            print(f"{size:,} items seen: {row}", file=sys.stderr, flush=True)
    finally:
        close_instances()
    small, large = by_size[str(min(sizes))], by_size[str(max(sizes))]
    return {"sources": sources_n, "repeats": repeats, "ms_by_items_seen": by_size,
            "largest_over_smallest": {k: round(large[k] / max(small[k], 1e-9), 1) for k in large},
            "peak_rss": peak_rss_mb()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="items seen, comma-separated")
    parser.add_argument("--sources", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="nf-poll-state-") as tmp:
        result = measure(sizes, args.sources, args.repeats, Path(tmp))
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
