"""What upkeep's flush and merge cost a large lake, with and without settled files.

    .venv/bin/python benchmarks/bench_upkeep.py                    # 1,000,000 stored fingerprints
    .venv/bin/python benchmarks/bench_upkeep.py --stored 300000    # smaller, for growth

Stores synthetic fingerprints (bench_lookup.py's: their `fingerprint_bands` rows are most of
the bytes), then makes flush cycles as scheduled runs would: `--commits` small transactions of 5
new fingerprints each, then the upkeep that flushes their inlined rows and merges. First with
the default policy (files past `SETTLED_FILE_BYTES` are left as they are), then on the same lake
with no size limit (every file below DuckLake's 512 MB target merged again, as upkeep did
before). Prints JSON: seconds of each cycle's upkeep, live files of the two look-up tables.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_lookup import synthetic_fingerprints  # noqa: E402
from benchmarks.measure import emit, peak_rss_mb, timed  # noqa: E402

TABLES = ("fingerprints", "fingerprint_bands")


def run_upkeep_cycles(stored_n: int, commits: int, cycles: int, seed: int, folder: Path) -> dict:
    from warehouse.lake import Warehouse
    from warehouse.maintenance import UpkeepPolicy, live_file_counts, upkeep
    from warehouse.publish import publish_tables

    wh = Warehouse(folder / "wh")
    stored = synthetic_fingerprints(stored_n, seed)
    for lo in range(0, stored_n, 250_000):  # a first import, in slices of bounded memory
        with wh.writing(upkeep=False) as con, wh.big_work(con, stored_n):
            publish_tables(con, {"fingerprints": stored.slice(lo, 250_000)}, may_be_stored=frozenset())
    del stored
    policies = {"settled_files": UpkeepPolicy(flush_snapshots=commits),
                "no_size_limit": UpkeepPolicy(flush_snapshots=commits, settled_bytes=2**62)}
    new = synthetic_fingerprints(len(policies) * cycles * commits * 5, seed + 1)
    result: dict = {"stored_fingerprints": stored_n, "commits_per_cycle": commits}
    taken = 0
    for name, policy in policies.items():
        seconds, files = [], []
        for _ in range(cycles):
            for _ in range(commits):
                with wh.writing(upkeep=False) as con:
                    publish_tables(con, {"fingerprints": new.slice(taken, 5)}, may_be_stored=frozenset())
                taken += 5
            con = wh.connect(read_only=False)
            with timed() as t:
                done = upkeep(con, policy)
            seconds.append(round(t.wall, 2))
            assert done.get("tables_flushed"), done  # every cycle is a flush
            counts = live_file_counts(con)
            files.append({table: counts[table] for table in TABLES})
            con.close()
        result[name] = {"upkeep_seconds": seconds, "median_after_the_first": statistics.median(seconds[1:] or seconds),
                        "live_files": files}
    result["peak_rss"] = peak_rss_mb()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--commits", type=int, default=20, help="small commits between two flushes")
    parser.add_argument("--cycles", type=int, default=4, help="flush cycles per policy")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nf-upkeep-") as tmp:
        result = run_upkeep_cycles(args.stored, args.commits, args.cycles, args.seed, Path(tmp))
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
