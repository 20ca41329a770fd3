"""Which pairs of articles are copies: exact body, same canonical URL, or verified near copy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from tasks.dedup.fingerprint import MIN_SHINGLES, containment, estimate_jaccard

# Chosen by measurement on the labelled rendition set (docs/DEDUP.md has the curve).
JACCARD_MIN = 0.5
CONTAINMENT_MIN = 0.8
URL_JACCARD_MIN = 0.2  # one URL with unrelated bodies is a site-wide canonical, not a copy

METHOD_RANK = {"exact": 0, "url": 1, "near": 2}


@dataclass(frozen=True)
class Edge:
    a: str
    b: str
    method: str
    score: float


def find_edges(
    fps: pa.Table, new_ids: set[str], *, jaccard_min: float | None = None, containment_min: float | None = None
) -> list[Edge]:
    """Edges between articles of `fps` (new articles and their stored candidates).

    Every edge touches at least one new article: stored articles were matched when they arrived.
    fps columns: article_id, body_hash, url_key, shingle_count, minhash (list<uint32>), bands (list<uint64>).
    jaccard_min / containment_min override the module thresholds (the evaluation sweeps them).
    """
    jaccard_min = JACCARD_MIN if jaccard_min is None else jaccard_min
    containment_min = CONTAINMENT_MIN if containment_min is None else containment_min
    n = fps.num_rows
    if n < 2:
        return []
    ids = fps.column("article_id").to_pylist()
    is_new = np.array([i in new_ids for i in ids])
    sigs = _matrix(fps.column("minhash"), np.uint32)
    sizes = np.asarray(fps.column("shingle_count").to_numpy(zero_copy_only=False), dtype=np.float64)
    best: dict[tuple[int, int], Edge] = {}

    def add(i: int, j: int, method: str, score: float) -> None:
        key = (min(i, j), max(i, j))
        old = best.get(key)
        if old is None or METHOD_RANK[method] < METHOD_RANK[old.method]:
            best[key] = Edge(ids[key[0]], ids[key[1]], method, score)

    for group in _groups(fps.column("body_hash").to_pylist()):
        for i, j in _pairs_touching_new(group, is_new):
            add(i, j, "exact", 1.0)

    candidates = _band_candidates(_matrix(fps.column("bands"), np.uint64), is_new)
    url_pairs = [p for g in _groups(fps.column("url_key").to_pylist()) for p in _pairs_touching_new(g, is_new)]
    pairs = np.array(sorted(set(candidates) | set(url_pairs)), dtype=np.int64).reshape(-1, 2)
    if len(pairs):
        a, b = pairs[:, 0], pairs[:, 1]
        jac = estimate_jaccard(sigs[a], sigs[b])
        con = containment(jac, sizes[a], sizes[b])
        big_enough = np.minimum(sizes[a], sizes[b]) >= MIN_SHINGLES
        near = big_enough & ((jac >= jaccard_min) | (con >= containment_min))
        url_set = set(url_pairs)
        for k in range(len(pairs)):
            i, j = int(a[k]), int(b[k])
            score = float(max(jac[k], con[k]))
            if near[k]:
                add(i, j, "near", round(score, 4))
            if (i, j) in url_set and (jac[k] >= URL_JACCARD_MIN or con[k] >= containment_min):
                add(i, j, "url", round(score, 4))
    return sorted(best.values(), key=lambda e: (e.a, e.b))


def _matrix(column: pa.ChunkedArray, dtype: type) -> np.ndarray:
    combined = column.combine_chunks()
    if len(combined) == 0:
        return np.zeros((0, 0), dtype=dtype)
    flat = np.asarray(combined.flatten().to_numpy(zero_copy_only=False), dtype=dtype)
    return flat.reshape(len(combined), -1)


def _groups(values: list) -> list[list[int]]:
    by_value: dict[object, list[int]] = {}
    for index, value in enumerate(values):
        if value:
            by_value.setdefault(value, []).append(index)
    return [g for g in by_value.values() if len(g) > 1]


def _pairs_touching_new(group: list[int], is_new: np.ndarray) -> list[tuple[int, int]]:
    # A group of k copies needs k-1 edges to connect, not k^2: chain each new member to the first.
    anchor = group[0]
    return [(min(anchor, i), max(anchor, i)) for i in group[1:] if is_new[anchor] or is_new[i]]


def _band_candidates(bands: np.ndarray, is_new: np.ndarray) -> list[tuple[int, int]]:
    """Pairs sharing at least one LSH band key, at least one of them new."""
    if bands.size == 0:
        return []
    n, nb = bands.shape
    keys = bands.ravel()
    rows = np.repeat(np.arange(n), nb)
    order = np.argsort(keys, kind="stable")
    keys, rows = keys[order], rows[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    out: set[tuple[int, int]] = set()
    for s, e in zip(starts, ends):
        if e - s < 2:
            continue
        members = np.unique(rows[s:e])
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                i, j = int(members[x]), int(members[y])
                if is_new[i] or is_new[j]:
                    out.add((i, j))
    return sorted(out)
