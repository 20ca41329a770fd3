"""MinHash signatures and LSH band keys of article bodies (rensa, Rust)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import rensa

from tasks.dedup.fold import tokens

NUM_PERM = 128
BANDS = 32  # 32 bands x 4 rows: a pair with Jaccard 0.5 becomes a candidate with p ~ 0.87
ROWS = NUM_PERM // BANDS
SHINGLE = 4  # word 4-grams
SEED = 1_201_712  # fixed: signatures stored in the warehouse must stay comparable across runs
MIN_SHINGLES = 8  # below this a body is too short to call a near copy; only exact matching applies


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
    return list({" ".join(words[i : i + k]) for i in range(len(words) - k + 1)})


def fingerprint_bodies(bodies: list[str]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """For each body: (body_hashes, shingle_counts int32[n], minhash uint32[n, NUM_PERM], bands uint64[n, BANDS])."""
    token_lists = [tokens(body) for body in bodies]
    hashes = [hashlib.sha256(" ".join(t).encode("utf-8")).hexdigest()[:32] for t in token_lists]
    shingle_sets = [shingles(t) or [""] for t in token_lists]
    counts = np.array([len(s) if s != [""] else 0 for s in shingle_sets], dtype=np.int32)
    if not bodies:
        return hashes, counts, np.zeros((0, NUM_PERM), np.uint32), np.zeros((0, BANDS), np.uint64)
    matrix = rensa.RMinHash.digest_matrix_from_token_sets(shingle_sets, num_perm=NUM_PERM, seed=SEED)
    signatures = np.asarray(matrix.to_rows(), dtype=np.uint32)
    return hashes, counts, signatures, band_keys(signatures)


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
