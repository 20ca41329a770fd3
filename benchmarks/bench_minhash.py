"""MinHash speed: rensa (what newsflow uses) vs datasketch on the same shingle sets; prints JSON.

    .venv/bin/python benchmarks/bench_minhash.py FOLDER [--repeat 3]

FOLDER is a labelled set from benchmarks/dedup_corpus.py (any folder of documents works with a
labels.json naming them). Bodies come from newsflow's normalizers; shingles are the word 4-grams
that `tasks.dedup.fingerprint` hashes. Only signature computation is timed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.dedup.fingerprint import NUM_PERM, SEED, shingles  # noqa: E402
from tasks.dedup.fold import tokens  # noqa: E402
from tasks.evaluate.dedup import load_folder  # noqa: E402


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    import datasketch
    import rensa

    bodies = load_folder(args.folder).articles.column("body").to_pylist()
    start = time.perf_counter()
    sets = [shingles(tokens(b)) or [""] for b in bodies]
    shingle_seconds = time.perf_counter() - start
    encoded = [[s.encode("utf-8") for s in doc] for doc in sets]
    n = len(sets)

    def rensa_matrix() -> None:
        rensa.RMinHash.digest_matrix_from_token_sets(sets, num_perm=NUM_PERM, seed=SEED).to_rows()

    def rensa_loop() -> None:
        for doc in sets:
            m = rensa.RMinHash(num_perm=NUM_PERM, seed=SEED)
            m.update(doc)
            m.digest()

    def datasketch_loop() -> None:
        for doc in encoded:
            m = datasketch.MinHash(num_perm=NUM_PERM, seed=1)
            m.update_batch(doc)

    def datasketch_bulk() -> None:
        datasketch.MinHash.bulk(encoded, num_perm=NUM_PERM, seed=1)

    results = {}
    for name, fn in (("rensa_digest_matrix", rensa_matrix), ("rensa_per_doc", rensa_loop),
                     ("datasketch_update_batch", datasketch_loop), ("datasketch_bulk", datasketch_bulk)):
        seconds = _best(fn, args.repeat)
        results[name] = {"seconds": round(seconds, 4), "docs_per_s": round(n / seconds, 1)}
    report = {
        "documents": n,
        "mean_shingles": round(float(np.mean([len(s) for s in sets])), 1),
        "num_perm": NUM_PERM,
        "fold_and_shingle_seconds": round(shingle_seconds, 3),
        "minhash": results,
        "versions": {"rensa": version("rensa"), "datasketch": version("datasketch")},
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
