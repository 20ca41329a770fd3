"""Which pairs of articles are copies: exact body, same canonical URL, or verified near copy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.dedup.fingerprint import MIN_SHINGLES, containment, estimate_jaccard
from warehouse.signatures import signature_rows

# Chosen by measurement on the labelled rendition set (docs/DEDUP.md has the curve).
JACCARD_MIN = 0.5
CONTAINMENT_MIN = 0.8
URL_JACCARD_MIN = 0.2  # one URL with unrelated bodies is a site-wide canonical, not a copy

METHOD_RANK = {"exact": 0, "url": 1, "near": 2}
METHODS = ("exact", "url", "near")  # Matches.method codes, in METHOD_RANK order
VERIFY_BLOCK = 32_768  # pairs whose signatures are compared at once (bounded memory)


@dataclass(frozen=True)
class Edge:
    a: str
    b: str
    method: str
    score: float


@dataclass
class Matches:
    """Copy edges as arrays over the rows of the matched fingerprints table, in `find_edges` order
    (by the ids of a, then b): what `find_edges` returns, without one Python object per edge."""

    a: np.ndarray  # int64 row of edge.a
    b: np.ndarray  # int64 row of edge.b
    method: np.ndarray  # int8 index into METHODS
    score: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.a)

    def edges(self, ids: pa.Array | pa.ChunkedArray) -> list[Edge]:
        """The Edge objects, given the article_id column of the matched table."""
        return [
            Edge(a, b, METHODS[m], s)
            for a, b, m, s in zip(ids.take(self.a).to_pylist(), ids.take(self.b).to_pylist(), self.method.tolist(), self.score.tolist())
        ]


def find_edges(
    fps: pa.Table, new_ids: set[str], *, jaccard_min: float | None = None, containment_min: float | None = None
) -> list[Edge]:
    """Edges between articles of `fps` (new articles and their stored candidates).

    Every edge touches at least one new article: stored articles were matched when they arrived.
    fps columns: article_id, body_hash, url_key, shingle_count, minhash (packed uint32, warehouse/signatures.py), bands (list<uint64>).
    jaccard_min / containment_min override the module thresholds (the evaluation sweeps them).
    """
    ids = fps.column("article_id")
    is_new = np.asarray(pc.is_in(ids, value_set=pa.array(list(new_ids), ids.type)).to_numpy(zero_copy_only=False), dtype=bool)
    return match_rows(fps, is_new, jaccard_min=jaccard_min, containment_min=containment_min).edges(ids)


def match_rows(
    fps: pa.Table, is_new: np.ndarray, *, jaccard_min: float | None = None, containment_min: float | None = None
) -> Matches:
    """`find_edges` as arrays; is_new: bool per row of fps.

    Signatures and band keys are read in place from the list columns (no n x 128 copy): band keys
    one band at a time, signatures only for the candidate pairs, a block of pairs at a time.
    """
    jaccard_min = JACCARD_MIN if jaccard_min is None else jaccard_min
    containment_min = CONTAINMENT_MIN if containment_min is None else containment_min
    n = fps.num_rows
    if n < 2:
        return _sorted(fps, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros(0))
    sizes = np.asarray(fps.column("shingle_count").to_numpy(zero_copy_only=False), dtype=np.float64)

    # Pairs are int64 codes i * n + j (i < j), so sets of pairs are sorted numpy arrays.
    exact = _group_pairs(fps.column("body_hash"), is_new, n)
    url = _group_pairs(fps.column("url_key"), is_new, n)
    candidates = _band_candidates(_Rows(fps.column("bands")), is_new, sizes >= MIN_SHINGLES)
    pairs = sorted_unique(np.concatenate([candidates, url]))
    del candidates
    pairs = pairs[~np.isin(pairs, exact)]  # an exact edge outranks every other method
    a, b = pairs // n, pairs % n
    jac = _jaccard(_Rows(fps.column("minhash")), a, b)
    con = containment(jac, sizes[a], sizes[b])
    big_enough = np.minimum(sizes[a], sizes[b]) >= MIN_SHINGLES
    near = big_enough & ((jac >= jaccard_min) | (con >= containment_min))
    by_url = np.isin(pairs, url) & ((jac >= URL_JACCARD_MIN) | (con >= containment_min))
    score = np.round(np.maximum(jac, con), 4)
    keep = np.flatnonzero(near | by_url)
    # a pair found both ways is a url edge: METHOD_RANK puts url before near
    return _sorted(
        fps,
        np.concatenate([exact // n, a[keep]]),
        np.concatenate([exact % n, b[keep]]),
        np.concatenate([np.zeros(len(exact), np.int8), np.where(by_url[keep], 1, 2).astype(np.int8)]),
        np.concatenate([np.ones(len(exact)), score[keep]]),
    )


def _sorted(fps: pa.Table, a: np.ndarray, b: np.ndarray, method: np.ndarray, score: np.ndarray) -> Matches:
    """Edges ordered by (id of a, id of b), ties kept in the order given (a stable sort, like sorted())."""
    if len(a):
        touched = sorted_unique(np.concatenate([a, b]))
        rank = pc.rank(fps.column("article_id").take(touched), sort_keys="ascending", tiebreaker="dense")
        rank = np.asarray(rank.to_numpy(zero_copy_only=False), dtype=np.int64)
        order = np.lexsort((rank[np.searchsorted(touched, b)], rank[np.searchsorted(touched, a)]))
        a, b, method, score = a[order], b[order], method[order], score[order]
    return Matches(a.astype(np.int64), b.astype(np.int64), method, score)


class _Rows:
    """A column of equal-length rows, read chunk by chunk in place: band keys (a list column) or
    MinHash signatures (packed BLOBs, warehouse/signatures.py)."""

    def __init__(self, column: pa.ChunkedArray) -> None:
        chunks = [chunk for chunk in column.chunks if len(chunk)]
        if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
            self.views = [signature_rows(chunk) for chunk in chunks]
        else:
            self.views = [np.asarray(chunk.flatten().to_numpy(zero_copy_only=False)).reshape(len(chunk), -1) for chunk in chunks]
        self.width = self.views[0].shape[1] if self.views else 0
        self.starts = np.cumsum([0] + [len(chunk) for chunk in chunks])

    def column(self, k: int, dtype: type) -> np.ndarray:
        """Position k of every row."""
        if not self.views:
            return np.zeros(0, dtype)
        return np.concatenate([view[:, k].astype(dtype, copy=False) for view in self.views])

    def take(self, rows: np.ndarray, dtype: type) -> np.ndarray:
        """The lists of `rows`, as a len(rows) x width matrix."""
        out = np.empty((len(rows), self.width), dtype=dtype)
        chunk = np.searchsorted(self.starts, rows, side="right") - 1
        order = np.argsort(chunk, kind="stable")
        bounds = np.searchsorted(chunk[order], np.arange(len(self.views) + 1))
        for c in np.flatnonzero(np.diff(bounds)):
            at = order[bounds[c] : bounds[c + 1]]
            out[at] = self.views[c][rows[at] - self.starts[c]].astype(dtype, copy=False)
        return out


def _jaccard(sigs: _Rows, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard of each pair (a[k], b[k]), compared as uint32 like the signatures were made."""
    out = np.empty(len(a), dtype=np.float64)
    for lo in range(0, len(a), VERIFY_BLOCK):
        hi = lo + VERIFY_BLOCK
        out[lo:hi] = estimate_jaccard(sigs.take(a[lo:hi], np.uint32), sigs.take(b[lo:hi], np.uint32))
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
    return sorted_unique(anchor[member] * n + rows[member])


def _band_candidates(bands: _Rows, is_new: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Pairs (as codes i * n + j) sharing at least one LSH band key, at least one of them new.

    Only `eligible` rows (big enough to be near copies) take part: a pair with a smaller body
    could never pass verification. Band by band (keys mix in the band's index, so equal keys
    only ever meet within one band): sort the band's keys, then emit every pair inside each
    bucket with array arithmetic. One band at a time keeps memory at O(rows), not O(rows x bands).
    """
    if bands.width == 0:
        return np.zeros(0, np.int64)
    n = len(is_new)
    rows = np.flatnonzero(eligible)
    found: list[np.ndarray] = []
    for b in range(bands.width):
        found.append(_bucket_pairs(bands.column(b, np.uint64)[rows], rows, is_new, n))
        if len(found) == 8:  # merge as we go: pairs repeat across bands
            found = [sorted_unique(np.concatenate(found))]
    return sorted_unique(np.concatenate(found)) if found else np.zeros(0, np.int64)


def _bucket_pairs(keys: np.ndarray, rows: np.ndarray, is_new: np.ndarray, n: int) -> np.ndarray:
    """Pair codes of rows sharing a key (rows ascending), at least one of each pair new."""
    order = np.argsort(keys)  # the order inside a bucket does not matter: every pair is taken, as (min, max)
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
    return sorted_unique(np.minimum(i, j)[touch] * n + np.maximum(i, j)[touch])


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique by sorting: numpy 2.4's hash-based np.unique is ~10x slower on a million int64."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values
