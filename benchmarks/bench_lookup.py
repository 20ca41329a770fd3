"""Dedup look-ups and writes of one run against a large warehouse (issue #14's 1M target).

    .venv/bin/python benchmarks/bench_lookup.py                  # 1,000,000 stored articles
    .venv/bin/python benchmarks/bench_lookup.py --stored 10000   # the same at 10k, for growth

Stored fingerprints are synthetic (random MinHash signatures and band keys of the real shapes:
128 values, 32 bands), written as one run; fingerprinting a million real bodies is
run_all.py's dedup section, and the look-up cost depends on the table's size, not on where the
values came from. Then a run of 100 new documents (90 real bodies, 10 exact copies of stored
articles) does what `write_run` does for dedup: the candidate look-up, and the writes of its
fingerprints and band rows with the commit. Prints JSON: seconds for each, candidates found.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import corpus  # noqa: E402
from benchmarks.measure import emit, peak_rss_mb, timed  # noqa: E402


def synthetic_fingerprints(n: int, seed: int) -> pa.Table:
    """n fingerprint rows with random signatures and bands (the FINGERPRINTS schema)."""
    from tasks.dedup.fingerprint import BANDS, NUM_PERM
    from warehouse.schemas import FINGERPRINTS
    from warehouse.signatures import pack_signatures

    rng = np.random.default_rng(seed)
    # ids as newsflow makes them (32 hex digits of a hash); their first 16 are the article_key
    keys = rng.integers(0, 2**64, n, dtype=np.uint64)
    ids = pa.array([f"{k:016x}{t:016x}" for k, t in zip(keys.tolist(), rng.integers(0, 2**63, n).tolist())])
    hashes = pa.array([f"{v:032x}" for v in rng.integers(0, 2**63, n)])
    minhash = rng.integers(0, 2**32, (n, NUM_PERM), dtype=np.uint32)
    bands = rng.integers(-(2**63), 2**63 - 1, (n, BANDS), dtype=np.int64)
    return pa.table(
        {
            "article_id": ids,
            "body_hash": hashes,
            "url_key": pa.nulls(n, pa.string()),
            "shingle_count": pa.array(rng.integers(50, 2000, n).astype(np.int32)),
            "minhash": pack_signatures(minhash),
            "bands": pa.FixedSizeListArray.from_arrays(bands.ravel(), BANDS).cast(pa.list_(pa.int64())),
            "load_id": pa.array(["stored"] * n),
            "article_key": pa.array(keys, pa.uint64()),
        },
        schema=FINGERPRINTS.schema,
    )


def run_lookup(stored_n: int, seed: int, folder: Path) -> dict:
    from tasks.dedup.fingerprint import fingerprint_articles
    from warehouse.lake import Warehouse
    from warehouse.keys import article_keys
    from warehouse.lookups import load_dedup_context
    from warehouse.publish import publish_tables

    wh = Warehouse(folder / "wh")
    stored = synthetic_fingerprints(stored_n, seed)
    with timed() as tw:
        for lo in range(0, stored_n, 250_000):  # a first import, in slices of bounded memory
            with wh.writing(upkeep=False) as con, wh.big_work(con, stored_n):
                publish_tables(con, {"fingerprints": stored.slice(lo, 250_000)}, may_be_stored=frozenset())
    with wh.reading() as con:
        band_rows = con.execute("SELECT count(*) FROM fingerprint_bands").fetchone()[0]
    copies = stored.slice(0, 30).set_column(0, "article_id", pa.array([f"copy{i}" for i in range(30)])).drop_columns(["article_key"])
    copies = copies.append_column("article_key", article_keys(copies.column("article_id")))
    del stored
    runs = []
    for attempt in range(3):  # three runs one after the other, each with its own 100 documents
        new = pa.Table.from_batches(list(corpus.iter_bodies(90, 0.0, seed + 1 + attempt)))
        batch = fingerprint_articles(new, f"new{attempt}", workers=1)
        batch = pa.concat_tables([batch, copies.slice(10 * attempt, 10).cast(batch.schema)])
        with timed() as tl, wh.writing(upkeep=False) as con:
            with timed() as tq:
                context = load_dedup_context(con, batch)
            with timed() as tp:
                publish_tables(con, {"fingerprints": batch}, may_be_stored=frozenset())
        runs.append({"lookup_seconds": round(tq.wall, 3), "write_seconds": round(tp.wall, 3),
                     "lookups_writes_commit_seconds": round(tl.wall, 3), "candidates": context.candidates.num_rows})
    return {
        "stored_articles": stored_n, "new_documents_per_run": batch.num_rows,
        "band_rows": band_rows,  # LSH bands and exact keys
        "import_seconds": round(tw.wall, 1),
        "runs": runs,
        "median_lookups_writes_commit_seconds": sorted(r["lookups_writes_commit_seconds"] for r in runs)[1],
        "peak_rss": peak_rss_mb(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nf-lookup-") as tmp:
        result = run_lookup(args.stored, args.seed, Path(tmp))
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
