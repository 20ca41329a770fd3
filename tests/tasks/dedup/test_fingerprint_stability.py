"""Fingerprints stored by earlier runs must stay comparable with new ones: the MinHash of a body
may not change when its computation is made faster."""

from pathlib import Path

import numpy as np
import rensa

from tasks.dedup.fingerprint import NUM_PERM, SEED, shingles
from tasks.dedup.fold import body_hash, tokens
from tasks.dedup.worker import fingerprint_chunk

SEEDS = sorted((Path(__file__).resolve().parents[3] / "seeds").glob("*.txt"))


def test_byte_path_equals_the_plain_string_path():
    bodies = [p.read_text() for p in SEEDS] + ["short body", "", "Ünïcödé — “quoted” words, and more words here"]
    hashes, counts, signatures = fingerprint_chunk(bodies)
    expected = []
    for body in bodies:
        sh = shingles(tokens(body)) or [""]
        expected.append(rensa.RMinHash.digest_matrix_from_token_sets([sh], num_perm=NUM_PERM, seed=SEED).to_rows()[0])
    assert np.array_equal(np.frombuffer(signatures, np.uint32).reshape(len(bodies), NUM_PERM), np.array(expected, np.uint32))
    assert hashes == [body_hash(b) for b in bodies]
    assert list(counts) == [len(shingles(tokens(b))) for b in bodies]


def test_seed_signature_is_the_one_stored_warehouses_hold():
    # pinned when written (rensa 0.5.0): a change here means stored fingerprints no longer match new ones
    hashes, counts, signatures = fingerprint_chunk([SEEDS[0].read_text()])
    assert hashes == ["231252ab5cbaeb68a79e534aaae71b6a"] and counts[0] == 363
    assert list(signatures[:8]) == [1008651074, 471086851, 677950705, 86200582, 329472333, 326860287, 207554659, 136623823]
