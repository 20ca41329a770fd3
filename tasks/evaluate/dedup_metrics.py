"""Clustering agreement between predicted and true labelings (pure functions, no I/O).

Pair counting over the contingency table: a pair of documents is positive when both labelings
put them together. ARI is Hubert & Arabie's adjusted Rand index, the same formula as
scikit-learn's `adjusted_rand_score` (not installed here).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def contingency(truth: Mapping[str, Hashable], predicted: Mapping[str, Hashable]) -> Counter:
    """Counts of (true cluster, predicted cluster) over the items both labelings share."""
    missing = set(truth) ^ set(predicted)
    if missing:
        raise ValueError(f"labelings differ on {len(missing)} items, e.g. {sorted(map(str, missing))[:3]}")
    return Counter((truth[k], predicted[k]) for k in truth)


def pair_counts(truth: Mapping[str, Hashable], predicted: Mapping[str, Hashable]) -> dict[str, int]:
    """Pairs together in both (tp), only in the prediction (fp), only in the truth (fn), and all pairs."""
    table = contingency(truth, predicted)
    together = sum(_pairs(n) for n in table.values())
    true_pairs = sum(_pairs(n) for n in Counter(truth.values()).values())
    pred_pairs = sum(_pairs(n) for n in Counter(predicted.values()).values())
    return {"tp": together, "fp": pred_pairs - together, "fn": true_pairs - together, "total": _pairs(len(truth))}


def pair_scores(truth: Mapping[str, Hashable], predicted: Mapping[str, Hashable]) -> dict[str, float]:
    """Pair precision, recall and F1; a labeling with no pairs at all scores 1.0 where nothing was missed."""
    c = pair_counts(truth, predicted)
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def adjusted_rand_index(truth: Mapping[str, Hashable], predicted: Mapping[str, Hashable]) -> float:
    """ARI = (index - expected) / (max - expected) from the contingency table; 1.0 for identical partitions."""
    table = contingency(truth, predicted)
    n = len(truth)
    index = sum(_pairs(v) for v in table.values())
    sum_a = sum(_pairs(v) for v in Counter(truth.values()).values())
    sum_b = sum(_pairs(v) for v in Counter(predicted.values()).values())
    total = _pairs(n)
    if total == 0:
        return 1.0
    expected = sum_a * sum_b / total
    maximum = (sum_a + sum_b) / 2
    if maximum == expected:  # both labelings all-singletons or all-one-cluster: agreement is trivial
        return 1.0
    return (index - expected) / (maximum - expected)
