"""Sweep dedup thresholds and LSH band settings on a labelled folder; print markdown tables + JSON.

    .venv/bin/python benchmarks/dedup_corpus.py /tmp/dedup-set --stories 320 --seed 7
    .venv/bin/python benchmarks/dedup_sweep.py /tmp/dedup-set [--json out.json]

Normalize + fingerprint run once; each setting re-runs only matching and union-find
(`find_edges` with overridden thresholds, or with band keys recomputed for another b x r).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.dedup.fingerprint import list_array  # noqa: E402
from warehouse.signatures import unpack_signatures  # noqa: E402
from tasks.dedup.fingerprint import BANDS, MIN_SHINGLES, band_keys  # noqa: E402
from tasks.dedup.match import CONTAINMENT_MIN, JACCARD_MIN  # noqa: E402
from tasks.evaluate.dedup import Prepared, load_folder, predict_with_thresholds, score  # noqa: E402

JACCARDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
CONTAINMENTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01)  # 1.01: containment off
BAND_SETTINGS = (8, 16, 32, 42, 64)  # x rows = 128 // bands


def _row(prep: Prepared, jac: float, con: float) -> dict:
    s = score(prep, predict_with_thresholds(prep, jac, con))
    return {"jaccard_min": jac, "containment_min": con, **{k: s[k] for k in ("precision", "recall", "f1", "ari", "clusters_predicted", "hard_negative_false_merges")}}


def threshold_sweep(prep: Prepared) -> list[dict]:
    rows = [_row(prep, j, CONTAINMENT_MIN) for j in JACCARDS]
    rows += [_row(prep, JACCARD_MIN, c) for c in CONTAINMENTS if c != CONTAINMENT_MIN]
    rows += [_row(prep, j, 1.01) for j in (0.3, 0.4, 0.5)]  # Jaccard alone
    return rows


def _with_bands(fps: pa.Table, bands: int) -> pa.Table:
    keys = band_keys(unpack_signatures(fps.column("minhash")), bands)
    return fps.set_column(fps.schema.get_field_index("bands"), "bands", list_array(keys.view(np.int64), fps.num_rows))


def band_sweep(prep: Prepared) -> list[dict]:
    """Per b x r: candidate recall over true non-exact pairs, candidate pairs that are not copies, end-to-end scores."""
    fps = prep.fingerprints
    ids = fps.column("article_id").to_pylist()
    index = {a: i for i, a in enumerate(ids)}
    sizes = fps.column("shingle_count").to_numpy()
    hashes = fps.column("body_hash").to_pylist()
    truth_of_article = {}
    for f, a in prep.file_article.items():
        if a is not None:
            truth_of_article[a] = prep.truth[f]
    true_pairs = set()
    cluster_of = [truth_of_article.get(a) for a in ids]
    by_cluster: dict[str, list[int]] = {}
    for a, c in truth_of_article.items():
        by_cluster.setdefault(c, []).append(index[a])
    for members in by_cluster.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                i, j = sorted((members[x], members[y]))
                if hashes[i] != hashes[j] and min(sizes[i], sizes[j]) >= MIN_SHINGLES:
                    true_pairs.add((i, j))
    out = []
    original = prep.fingerprints
    for bands in BAND_SETTINGS:
        banded = _with_bands(original, bands)
        keys = np.asarray(banded.column("bands").combine_chunks().flatten().to_numpy()).reshape(len(ids), -1)
        cand = _candidates(keys)
        hit = len(true_pairs & cand)
        false_cand = sum(1 for i, j in cand if cluster_of[i] != cluster_of[j])
        prep.fingerprints = banded
        s = score(prep, predict_with_thresholds(prep, JACCARD_MIN, CONTAINMENT_MIN))
        prep.fingerprints = original
        out.append({
            "bands": bands, "rows": 128 // bands,
            "candidate_recall": round(hit / len(true_pairs), 4) if true_pairs else None,
            "true_pairs": len(true_pairs), "false_candidates": false_cand,
            **{k: s[k] for k in ("precision", "recall", "f1", "ari", "hard_negative_false_merges")},
        })
    return out


def margins(prep: Prepared) -> dict:
    """Estimated Jaccard / containment of true near pairs vs the closest pairs of different stories (all pairs)."""
    from tasks.dedup.fingerprint import containment, estimate_jaccard

    fps = prep.fingerprints
    ids = fps.column("article_id").to_pylist()
    sigs = unpack_signatures(fps.column("minhash"))
    sizes = fps.column("shingle_count").to_numpy().astype(float)
    truth = {a: prep.truth[f] for f, a in prep.file_article.items() if a is not None}
    labels = np.array([truth.get(a, a) for a in ids])
    ii, jj = np.triu_indices(len(ids), 1)
    big = np.minimum(sizes[ii], sizes[jj]) >= MIN_SHINGLES
    ii, jj = ii[big], jj[big]
    jac = np.concatenate([estimate_jaccard(sigs[ii[k:k + 200_000]], sigs[jj[k:k + 200_000]]) for k in range(0, len(ii), 200_000)])
    con = containment(jac, sizes[ii], sizes[jj])
    same = labels[ii] == labels[jj]
    nearly = same & (jac < 1.0)
    return {
        "pairs_compared": int(len(ii)),
        "true_pairs_min_jaccard": round(float(jac[nearly].min()), 4) if nearly.any() else None,
        "true_pairs_min_max_score": round(float(np.maximum(jac, con)[nearly].min()), 4) if nearly.any() else None,
        "true_pairs_below_thresholds": int((nearly & (jac < JACCARD_MIN) & (con < CONTAINMENT_MIN)).sum()),
        "false_pairs_max_jaccard": round(float(jac[~same].max()), 4),
        "false_pairs_max_containment": round(float(con[~same].max()), 4),
    }


def _candidates(keys: np.ndarray) -> set[tuple[int, int]]:
    groups: dict[int, list[int]] = {}
    for i, row in enumerate(keys):
        for k in row:
            groups.setdefault(int(k), []).append(i)
    out = set()
    for members in groups.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                out.add((members[x], members[y]))
    return out


def markdown(rows: list[dict], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        lines.append("| " + " | ".join(str(r[c]) for c in columns) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    prep = load_folder(args.folder)
    margin = margins(prep)
    thresholds = threshold_sweep(prep)
    bands = band_sweep(prep)
    print(f"documents: {len(prep.truth)}, true clusters: {len(set(prep.truth.values()))}, current: J>={JACCARD_MIN} or C>={CONTAINMENT_MIN}, {BANDS} bands\n")
    print("score margins (MinHash estimates over all pairs):", json.dumps(margin), "\n")
    print(markdown(thresholds, ["jaccard_min", "containment_min", "precision", "recall", "f1", "ari", "clusters_predicted", "hard_negative_false_merges"]))
    print()
    print(markdown(bands, ["bands", "rows", "candidate_recall", "true_pairs", "false_candidates", "precision", "recall", "f1", "ari", "hard_negative_false_merges"]))
    if args.json:
        args.json.write_text(json.dumps({"margins": margin, "thresholds": thresholds, "bands": bands}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
