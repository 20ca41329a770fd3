"""Which pairs of articles are copies: exact body, same canonical URL, or verified near copy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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

    # Pairs are int64 codes i * n + j (i < j), so sets of pairs are sorted numpy arrays.
    exact = _group_pairs(fps.column("body_hash"), is_new, n)
    url = _group_pairs(fps.column("url_key"), is_new, n)
    candidates = _band_candidates(_matrix(fps.column("bands"), np.uint64), is_new, sizes >= MIN_SHINGLES)
    pairs = np.union1d(candidates, url)
    pairs = pairs[~np.isin(pairs, exact)]  # an exact edge outranks every other method
    a, b = pairs // n, pairs % n
    jac = estimate_jaccard(sigs[a], sigs[b])
    con = containment(jac, sizes[a], sizes[b])
    big_enough = np.minimum(sizes[a], sizes[b]) >= MIN_SHINGLES
    near = big_enough & ((jac >= jaccard_min) | (con >= containment_min))
    by_url = np.isin(pairs, url) & ((jac >= URL_JACCARD_MIN) | (con >= containment_min))
    score = np.round(np.maximum(jac, con), 4)
    edges = [Edge(ids[i], ids[j], "exact", 1.0) for i, j in zip((exact // n).tolist(), (exact % n).tolist())]
    keep = np.flatnonzero(near | by_url)
    # a pair found both ways is a url edge: METHOD_RANK puts url before near
    edges += [
        Edge(ids[i], ids[j], "url" if u else "near", s)
        for i, j, u, s in zip(a[keep].tolist(), b[keep].tolist(), by_url[keep].tolist(), score[keep].tolist())
    ]
    return sorted(edges, key=lambda e: (e.a, e.b))


def _matrix(column: pa.ChunkedArray, dtype: type) -> np.ndarray:
    """A list column of equal-length lists as a 2-D array, converted chunk by chunk (a 1M-row
    signature column would otherwise be copied whole, as int64, before narrowing)."""
    rows = len(column)
    if rows == 0:
        return np.zeros((0, 0), dtype=dtype)
    width = next((len(chunk.flatten()) // len(chunk) for chunk in column.chunks if len(chunk)), 0)
    out = np.empty((rows, width), dtype=dtype)
    at = 0
    for chunk in column.chunks:
        if len(chunk):
            values = np.asarray(chunk.flatten().to_numpy(zero_copy_only=False))
            out[at : at + len(chunk)] = values.astype(dtype, copy=False).reshape(len(chunk), width)
            at += len(chunk)
    return out


def _group_pairs(column: pa.ChunkedArray, is_new: np.ndarray, n: int) -> np.ndarray:
    """Rows sharing a non-empty value, as pair codes: a group of k copies needs k-1 edges to
    connect, not k^2, so each member is chained to the group's first row (if either is new)."""
    values = column.combine_chunks()
    valid = np.asarray(pc.fill_null(pc.not_equal(values, ""), False).to_numpy(zero_copy_only=False), dtype=bool)
    codes = np.asarray(values.dictionary_encode().indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    rows = np.flatnonzero(valid)
    if len(rows) < 2:
        return np.zeros(0, np.int64)
    order = np.argsort(codes[rows], kind="stable")
    rows, codes = rows[order], codes[rows][order]
    first = np.r_[True, codes[1:] != codes[:-1]]
    anchor = rows[np.flatnonzero(first)][np.cumsum(first) - 1]
    member = ~first & (is_new[anchor] | is_new[rows])
    return np.unique(anchor[member] * n + rows[member])


def _band_candidates(bands: np.ndarray, is_new: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Pairs (as codes i * n + j) sharing at least one LSH band key, at least one of them new.

    Only `eligible` rows (big enough to be near copies) take part: a pair with a smaller body
    could never pass verification. Band by band (keys mix in the band's index, so equal keys
    only ever meet within one band): sort the band's keys, then emit every pair inside each
    bucket with array arithmetic. One band at a time keeps memory at O(rows), not O(rows x bands).
    """
    if bands.size == 0:
        return np.zeros(0, np.int64)
    n = len(bands)
    rows = np.flatnonzero(eligible)
    found = [_bucket_pairs(bands[rows, b], rows, is_new, n) for b in range(bands.shape[1])]
    return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)


def _bucket_pairs(keys: np.ndarray, rows: np.ndarray, is_new: np.ndarray, n: int) -> np.ndarray:
    """Pair codes of rows sharing a key (rows ascending), at least one of each pair new."""
    order = np.argsort(keys, kind="stable")  # rows ascend already: stable keeps them ascending per key
    keys, rows = keys[order], rows[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    shared = sizes > 1
    if not shared.any():
        return np.zeros(0, np.int64)
    # keep only buckets of 2+ rows holding a new one
    bucket = np.repeat(np.arange(len(starts)), sizes)
    has_new = np.zeros(len(starts), dtype=bool)
    has_new[bucket[shared[bucket] & is_new[rows]]] = True
    keep = (shared & has_new)[bucket]
    rows, bucket = rows[keep], bucket[keep]
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    sizes = np.diff(np.r_[starts, len(rows)])
    # position p in a bucket ending at e pairs with positions p+1 .. e-1
    ends = np.repeat(starts + sizes, sizes)
    later = ends - np.arange(len(rows)) - 1
    first = np.repeat(np.arange(len(rows)), later)
    offset = np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later)
    i, j = rows[first].astype(np.int64), rows[first + 1 + offset].astype(np.int64)
    touch = is_new[i] | is_new[j]
    return np.unique(np.minimum(i, j)[touch] * n + np.maximum(i, j)[touch])
