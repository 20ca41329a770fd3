"""Dedup evaluation: clustering metrics on tiny labelings, and the generator + eval on real articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchmarks.dedup_corpus import build_corpus

from flows.cli_eval import eval_app
from tasks.evaluate.dedup import evaluate_dedup
from tasks.evaluate.dedup_metrics import adjusted_rand_index, pair_counts, pair_scores

REPO = Path(__file__).resolve().parents[3]
SHARED_EVAL = (REPO / ".." / "shared" / "eval").resolve()


def labeling(*groups: str) -> dict[str, str]:
    """"ab", "c" -> {a: 0, b: 0, c: 1}: one string of item names per cluster."""
    return {item: str(k) for k, group in enumerate(groups) for item in group}


def test_perfect_prediction_scores_one() -> None:
    truth = labeling("abc", "de", "f")
    assert pair_scores(truth, labeling("cab", "ed", "f")) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert adjusted_rand_index(truth, labeling("abc", "de", "f")) == 1.0


def test_pair_counts_of_a_split_and_a_merge() -> None:
    truth = labeling("abcd", "ef")
    predicted = labeling("ab", "cd", "ef")  # one story split in two
    assert pair_counts(truth, predicted) == {"tp": 3, "fp": 0, "fn": 4, "total": 15}
    scores = pair_scores(truth, predicted)
    assert scores["precision"] == 1.0 and scores["recall"] == pytest.approx(3 / 7)
    merged = pair_scores(labeling("ab", "cd"), labeling("abcd"))  # two stories merged
    assert merged["recall"] == 1.0 and merged["precision"] == pytest.approx(2 / 6)
    assert merged["f1"] == pytest.approx(2 * (1 / 3) / (1 + 1 / 3))


def test_ari_known_values() -> None:
    # sklearn.metrics.adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 2]) == 0.5714285714285715
    assert adjusted_rand_index(labeling("ab", "cd"), labeling("ab", "c", "d")) == pytest.approx(4 / 7)
    # adjusted_rand_score([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) == 0.24242424242424246
    assert adjusted_rand_index(labeling("abc", "def"), labeling("ab", "cd", "ef")) == pytest.approx(8 / 33)
    # a labeling no better than chance: negative
    assert adjusted_rand_index(labeling("ab", "cd"), labeling("ac", "bd")) == pytest.approx(-0.5)
    # all singletons on both sides is trivial agreement
    assert adjusted_rand_index(labeling("a", "b", "c"), labeling("a", "b", "c")) == 1.0


def test_labelings_must_cover_the_same_items() -> None:
    with pytest.raises(ValueError, match="differ on 1 items"):
        pair_scores(labeling("ab"), labeling("abc"))



@pytest.fixture(scope="module")
def small_set(tmp_path_factory) -> Path:
    if not SHARED_EVAL.is_dir():
        pytest.skip(f"{SHARED_EVAL} is absent (evaluation data lives beside the repo, not in it)")
    out = tmp_path_factory.mktemp("dedup-set")
    build_corpus(out, stories=30, seed=11, eval_dir=SHARED_EVAL)
    return out


@pytest.mark.eval
def test_generator_writes_uninformative_names_and_labels(small_set: Path) -> None:
    labels = json.loads((small_set / "labels.json").read_text())
    manifest = json.loads((small_set / "manifest.json").read_text())
    negatives = json.loads((small_set / "negatives.json").read_text())
    assert len(labels) >= 60 and len(set(labels.values())) >= 30
    assert all(name.startswith("doc_") for name in labels) and set(labels) == set(manifest)
    assert {m["rendition"] for m in manifest.values()} >= {"markdown", "wrapped", "pdf", "html", "wire", "correction", "template"}
    assert {g["kind"] for g in negatives} >= {"template", "event"}
    for group in negatives:
        assert len({labels[f] for f in group["files"]}) >= 2  # every group holds different stories


@pytest.mark.eval
def test_small_set_clusters_right(small_set: Path) -> None:
    result = evaluate_dedup(small_set)
    assert result["f1"] >= 0.98, result["false_splits"] or result["false_merges"]
    assert result["ari"] >= 0.98
    assert result["hard_negative_false_merges"] == 0, result["false_merges"]
    assert result["rejects"] == {}


@pytest.mark.eval
def test_cli_prints_table_and_writes_report(small_set: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    run = CliRunner().invoke(eval_app, ["dedup", str(small_set), "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert "pair F1" in run.stdout and "wrapped" in run.stdout
    report = json.loads(out.read_text())
    assert {"precision", "recall", "f1", "ari", "per_rendition", "false_splits"} <= set(report)


def test_cli_refuses_a_folder_without_labels(tmp_path: Path) -> None:
    run = CliRunner().invoke(eval_app, ["dedup", str(tmp_path)])
    assert run.exit_code == 1
