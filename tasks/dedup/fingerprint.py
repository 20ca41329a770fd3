"""MinHash signatures and LSH band keys of article bodies (rensa, Rust)."""

from __future__ import annotations

import functools
import multiprocessing
import os
from array import array
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from tasks.dedup.worker import NUM_PERM, SEED, SHINGLE, SUB_CHUNK, fingerprint_chunk  # noqa: F401 (re-exported)
from tasks.normalize.urls import normalize_url
from warehouse.keys import article_keys
from warehouse.schemas import FINGERPRINTS
from warehouse.signatures import pack_signatures, unpack_signatures

BANDS = 32  # 32 bands x 4 rows: a pair with Jaccard 0.5 becomes a candidate with p ~ 0.87
ROWS = NUM_PERM // BANDS
MIN_SHINGLES = 8  # below this a body is too short to call a near copy; only exact matching applies
CHUNK = 1_024  # bodies sent to a worker at once: small enough to balance 2 workers on a 10k batch
PARALLEL_MIN = 4_096  # below this, spawning workers (~0.25 s) costs more than it saves (measured at 0.22 ms/body)


@dataclass(frozen=True)
class Fingerprint:
    body_hash: str
    shingle_count: int
    minhash: np.ndarray  # uint32[NUM_PERM]
    bands: np.ndarray  # uint64[BANDS]


def shingles(words: list[str], k: int = SHINGLE) -> list[str]:
    """Distinct word k-grams; a body shorter than k is one shingle of all its words."""
    if len(words) < k:
        return [" ".join(words)] if words else []
    if k == 4:  # the hot path: zip + map runs in C, twice as fast as slicing per position
        return list(set(map(" ".join, zip(words, words[1:], words[2:], words[3:]))))
    return list({" ".join(words[i : i + k]) for i in range(len(words) - k + 1)})


def fingerprint_bodies(
    bodies: list[str], workers: int | None = None
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """For each body: (body_hashes, shingle_counts int32[n], minhash uint32[n, NUM_PERM], bands uint64[n, BANDS]).

    Bodies are processed in chunks of CHUNK (bounded memory). Batches of PARALLEL_MIN bodies or
    more use `workers` spawned processes (default: the CPU count, at most 4); workers=1 never does.
    """
    workers = default_workers() if workers is None else workers
    chunks = (bodies[i : i + CHUNK] for i in range(0, len(bodies), CHUNK))
    parts = list(fingerprint_chunks(chunks, workers if len(bodies) >= PARALLEL_MIN else 1))
    if not parts:
        return [], np.zeros(0, np.int32), np.zeros((0, NUM_PERM), np.uint32), np.zeros((0, BANDS), np.uint64)
    signatures = np.concatenate([p[2] for p in parts])
    return [h for p in parts for h in p[0]], np.concatenate([p[1] for p in parts]), signatures, band_keys(signatures)


def default_workers() -> int:
    return min(os.cpu_count() or 1, 4)


def fingerprint_chunks(
    chunks: Iterable, workers: int = 1
) -> Iterator[tuple[list[str], np.ndarray, np.ndarray]]:
    """(body_hashes, shingle_counts, minhash) of each chunk of bodies (list of str or Arrow string array), in order.

    workers > 1 spreads chunks over that many spawned processes (tokenizing is pure Python, so
    threads would not help) with at most two chunks per worker in flight, so a stream of any
    length runs in bounded memory.
    """
    if workers <= 1:
        yield from map(_fingerprint_chunk, chunks)
        return
    # spawn, not fork: deltalake's Rust runtime (loaded in the flow's process) does not survive fork
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append(pool.submit(fingerprint_chunk, chunk))  # tasks.dedup.worker: no numpy to import
            if len(pending) >= 2 * workers:
                yield _as_arrays(pending.popleft().result())
        while pending:
            yield _as_arrays(pending.popleft().result())


def _fingerprint_chunk(bodies) -> tuple[list[str], np.ndarray, np.ndarray]:
    return _as_arrays(fingerprint_chunk(bodies))


def _as_arrays(result: tuple[list[str], array, array]) -> tuple[list[str], np.ndarray, np.ndarray]:
    hashes, counts, signatures = result
    return (hashes, np.frombuffer(counts, np.int32).copy(),
            np.frombuffer(signatures, np.uint32).reshape(len(hashes), NUM_PERM).copy())


def band_keys(signatures: np.ndarray, bands: int = BANDS) -> np.ndarray:
    """One 64-bit key per band: a mix of the band's rows and its index, so bands never collide across positions.

    `bands` other than BANDS is for measuring other LSH settings (rows = NUM_PERM // bands).
    """
    rows = signatures.shape[1] // bands
    sig = signatures[:, : bands * rows].astype(np.uint64).reshape(len(signatures), bands, rows)
    key = np.zeros((len(signatures), bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for row in range(rows):
            key = (key ^ sig[:, :, row]) * np.uint64(0x100000001B3)
        key ^= np.arange(bands, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return key


def estimate_jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Jaccard estimate of two signature matrices of equal shape."""
    return (a == b).mean(axis=-1)


def containment(jaccard: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """|A∩B| / min(|A|,|B|) from Jaccard and set sizes: how much of the shorter copy the longer holds."""
    inter = jaccard * (size_a + size_b) / (1.0 + jaccard)
    return np.minimum(inter / np.maximum(np.minimum(size_a, size_b), 1), 1.0)


def fingerprint_articles(articles: pa.Table, load_id: str, workers: int | None = None) -> pa.Table:
    """Fingerprints of each article body and canonical URL (the body only: no titles or footers).

    workers: processes for large batches (see `fingerprint_bodies`). Streamed CHUNK bodies at a
    time (bodies as Python strings, signatures and band keys of one chunk at once), so a 1M-article
    batch never holds every body as a str nor n x 128 temporaries.
    """
    n = articles.num_rows
    if n == 0:
        return fingerprints_table(articles, *fingerprint_bodies([], 1)[:3], np.zeros((0, BANDS), np.uint64), load_id)
    workers = (default_workers() if workers is None else workers) if n >= PARALLEL_MIN else 1
    body = articles.column("body")
    starts = range(0, n, CHUNK)
    chunks = (body.slice(lo, CHUNK).combine_chunks() for lo in starts)  # Arrow to the workers: pickled as buffers
    return pa.concat_tables([
        fingerprints_table(articles.slice(lo, len(hashes)), hashes, counts, sigs, band_keys(sigs), load_id)
        for lo, (hashes, counts, sigs) in zip(starts, fingerprint_chunks(chunks, workers))
    ])


def fingerprints_table(
    articles: pa.Table, hashes: list[str], counts: np.ndarray, signatures: np.ndarray, bands: np.ndarray, load_id: str
) -> pa.Table:
    """The FINGERPRINTS rows of `articles` (article_id, canonical_url) from computed fingerprints."""
    n = articles.num_rows
    return pa.table(
        {
            "article_id": articles.column("article_id"),
            "body_hash": pa.array(hashes, pa.string()),
            "url_key": pa.array([url_key(u) for u in articles.column("canonical_url").to_pylist()], pa.string()),
            "shingle_count": pa.array(counts, pa.int32()),
            "minhash": pack_signatures(signatures),
            "bands": list_array(bands.view(np.int64), n),
            "load_id": pa.array([load_id] * n, pa.string()),
            "article_key": article_keys(articles.column("article_id")),
        },
        schema=FINGERPRINTS.schema,
    )


@functools.lru_cache(maxsize=16_384)  # copies of a story often share their canonical URL, and arrive near each other
def url_key(url: str | None) -> str | None:
    """Scheme-less normalized URL; None for a site root, which many pages claim as canonical."""
    normalized = normalize_url(url)
    if not normalized:
        return None
    key = normalized.split("://", 1)[1]
    return key if "/" in key.strip("/") else None


def with_bands(fingerprints: pa.Table) -> pa.Table:
    """`fingerprints` with its `bands` column, computed from `minhash` where it is missing (a
    look-up of stored fingerprints spares reading them: they follow from the signature)."""
    if "bands" in fingerprints.column_names:
        return fingerprints
    n = fingerprints.num_rows
    signatures = unpack_signatures(fingerprints.column("minhash")) if n else np.zeros((0, NUM_PERM), np.uint32)
    bands = list_array(band_keys(signatures).view(np.int64), n)
    return fingerprints.add_column(fingerprints.schema.get_field_index("minhash") + 1, FINGERPRINTS.schema.field("bands"), bands)


def list_array(matrix: np.ndarray, n: int) -> pa.Array:
    """Rows of an (n, width) matrix as an Arrow list<int64> array."""
    width = matrix.shape[1] if matrix.ndim == 2 and n else 0
    offsets = pa.array(np.arange(n + 1, dtype=np.int32) * width)
    return pa.ListArray.from_arrays(offsets, pa.array(matrix.reshape(-1), pa.int64()))
