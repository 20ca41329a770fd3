"""Dedup quality on a labelled folder: newsflow's own normalize + fingerprint + dedup, in memory.

The folder holds documents (any names; format comes from content) and `labels.json`
({file: cluster}); optionally `manifest.json` ({file: {rendition}}) for per-rendition recall and
`negatives.json` ([{kind, files}]) naming hard-negative groups that must not merge.
`benchmarks/dedup_corpus.py` writes such folders.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
from rich.table import Table

from tasks.dedup.batch import StoredContext, dedup_articles
from tasks.dedup.fingerprint import fingerprint_articles
from tasks.dedup.cluster import UnionFind
from tasks.dedup.match import find_edges
from tasks.evaluate.dedup_metrics import adjusted_rand_index, pair_counts, pair_scores
from tasks.ingest import document_id, documents_table
from tasks.normalize.batch import normalize_documents
from tasks.records import RawDocument

LABEL_FILES = ("labels.json", "manifest.json", "negatives.json")
NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)  # fixed: dedup output must not depend on the clock


@dataclass
class Prepared:
    """A labelled folder after normalize + fingerprint (what every threshold setting reuses)."""

    truth: dict[str, str]  # file -> true cluster
    renditions: dict[str, str]  # file -> rendition name ("?" without a manifest)
    negatives: list[dict]
    file_article: dict[str, str | None]  # file -> its article_id (None: rejected)
    articles: pa.Table
    fingerprints: pa.Table
    rejects: dict[str, str]  # file -> reason
    seconds: dict[str, float]


def load_folder(folder: Path) -> Prepared:
    """Read the labelled documents and run normalize + fingerprint on them (timed)."""
    folder = Path(folder)
    labels_path = folder / "labels.json"
    if not labels_path.is_file():
        raise FileNotFoundError(f"{labels_path} not found: the folder needs labels.json ({{file: cluster}}), "
                                "e.g. from benchmarks/dedup_corpus.py")
    truth = json.loads(labels_path.read_text())
    manifest_path, negatives_path = folder / "manifest.json", folder / "negatives.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    negatives = json.loads(negatives_path.read_text()) if negatives_path.is_file() else []
    raws = [RawDocument(source="eval", uri=name, content=(folder / name).read_bytes()) for name in sorted(truth)]
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    documents = documents_table(raws, "eval")
    normalized = normalize_documents(documents, "eval")
    seconds["normalize"] = time.perf_counter() - start
    articles = normalized.articles
    start = time.perf_counter()
    fingerprints = fingerprint_articles(articles, "eval")
    seconds["fingerprint"] = time.perf_counter() - start
    first_article: dict[str, str] = {}
    for doc_id, art_id in zip(articles.column("document_id").to_pylist(), articles.column("article_id").to_pylist()):
        first_article.setdefault(doc_id, art_id)
    by_uri = {r.uri: r.reason for r in normalized.rejects}
    file_article = {raw.uri: first_article.get(document_id(raw.content)) for raw in raws}
    # identical bytes are stored once under the smallest name: its reject counts for every copy
    doc_of = {raw.uri: document_id(raw.content) for raw in raws}
    reject_by_doc = {doc_of[uri]: reason for uri, reason in by_uri.items() if uri in doc_of}
    rejects = {uri: reject_by_doc[doc_of[uri]] for uri in truth if file_article[uri] is None and doc_of[uri] in reject_by_doc}
    return Prepared(
        truth=truth,
        renditions={name: (manifest.get(name) or {}).get("rendition", "?") for name in truth},
        negatives=negatives,
        file_article=file_article,
        articles=articles,
        fingerprints=fingerprints,
        rejects=rejects,
        seconds=seconds,
    )


def predict_with_dedup(prep: Prepared) -> tuple[dict[str, str], float]:
    """file -> story_id from `dedup_articles` exactly as the pipeline calls it (empty warehouse)."""
    start = time.perf_counter()
    empty = StoredContext(candidates=prep.fingerprints.schema.empty_table())
    result = dedup_articles(prep.articles, prep.fingerprints, empty, NOW, "eval")
    seconds = time.perf_counter() - start
    story_of = dict(zip(result.members.column("article_id").to_pylist(), result.members.column("story_id").to_pylist()))
    return _per_file(prep, story_of), seconds


def predict_with_thresholds(prep: Prepared, jaccard_min: float, containment_min: float) -> dict[str, str]:
    """file -> cluster from the match edges at the given thresholds (the sweep's fast path)."""
    ids = prep.articles.column("article_id").to_pylist()
    edges = find_edges(prep.fingerprints, set(ids), jaccard_min=jaccard_min, containment_min=containment_min)
    uf = UnionFind()
    for a in ids:
        uf.find(a)
    for e in edges:
        uf.union(e.a, e.b)
    return _per_file(prep, {a: uf.find(a) for a in ids})


def _per_file(prep: Prepared, cluster_of: dict[str, str]) -> dict[str, str]:
    # a rejected document is its own (wrong, if it had copies) cluster: that is what the warehouse would hold
    return {f: cluster_of[a] if a is not None else f"rejected:{f}" for f, a in prep.file_article.items()}


def score(prep: Prepared, predicted: dict[str, str]) -> dict:
    """Pair P/R/F1, ARI, cluster counts and hard-negative false merges of one prediction."""
    counts = pair_counts(prep.truth, predicted)
    return {
        **{k: round(v, 4) for k, v in pair_scores(prep.truth, predicted).items()},
        "ari": round(adjusted_rand_index(prep.truth, predicted), 4),
        "pairs": counts,
        "clusters_true": len(set(prep.truth.values())),
        "clusters_predicted": len(set(predicted.values())),
        "hard_negative_false_merges": hard_negative_merges(prep, predicted),
    }


def hard_negative_merges(prep: Prepared, predicted: dict[str, str]) -> int:
    """Pairs of files in one negatives group, from different true clusters, predicted together."""
    merges = 0
    for group in prep.negatives:
        files = [f for f in group["files"] if f in predicted]
        for i, a in enumerate(files):
            for b in files[i + 1 :]:
                if prep.truth[a] != prep.truth[b] and predicted[a] == predicted[b]:
                    merges += 1
    return merges


def per_rendition(prep: Prepared, predicted: dict[str, str]) -> dict[str, dict]:
    """For each rendition: its documents, the true pairs it takes part in, and how many were found."""
    by_cluster: dict[str, list[str]] = defaultdict(list)
    for f, c in prep.truth.items():
        by_cluster[c].append(f)
    out: dict[str, dict] = {}
    for files in by_cluster.values():
        for i, a in enumerate(files):
            for b in files[i + 1 :]:
                for r in {prep.renditions[a], prep.renditions[b]}:
                    row = out.setdefault(r, {"docs": 0, "pairs": 0, "found": 0})
                    row["pairs"] += 1
                    row["found"] += predicted[a] == predicted[b]
    for f, r in prep.renditions.items():
        out.setdefault(r, {"docs": 0, "pairs": 0, "found": 0})["docs"] += 1
    for row in out.values():
        row["recall"] = round(row["found"] / row["pairs"], 4) if row["pairs"] else None
    return dict(sorted(out.items()))


def errors(prep: Prepared, predicted: dict[str, str], limit: int = 50) -> dict[str, list]:
    """False splits (a true cluster over several predicted ones) and false merges (the reverse)."""
    def describe(files: list[str]) -> list[str]:
        return [f"{f} ({prep.renditions[f]}{', rejected: ' + prep.rejects[f] if f in prep.rejects else ''})" for f in sorted(files)]

    true_groups: dict[str, list[str]] = defaultdict(list)
    pred_groups: dict[str, list[str]] = defaultdict(list)
    for f in prep.truth:
        true_groups[prep.truth[f]].append(f)
        pred_groups[predicted[f]].append(f)
    splits, merges = [], []
    for cluster, files in sorted(true_groups.items()):
        parts: dict[str, list[str]] = defaultdict(list)
        for f in files:
            parts[predicted[f]].append(f)
        if len(parts) > 1:
            splits.append({"cluster": cluster, "parts": [describe(p) for p in sorted(parts.values(), key=len, reverse=True)]})
    for files in pred_groups.values():
        parts = defaultdict(list)
        for f in files:
            parts[prep.truth[f]].append(f)
        if len(parts) > 1:
            merges.append({"clusters": sorted(parts), "files": {c: describe(p) for c, p in sorted(parts.items())}})
    return {"false_splits": splits[:limit], "false_merges": merges[:limit],
            "false_split_count": len(splits), "false_merge_count": len(merges)}


def evaluate_dedup(folder: Path) -> dict:
    """Run newsflow's normalize + fingerprint + dedup on a labelled folder and score the clusters.

    Returns a JSON-ready dict: pair precision/recall/F1, ARI, cluster counts, hard-negative false
    merges, docs/s, per-rendition pair recall, rejects and the false splits / merges themselves.
    """
    prep = load_folder(folder)
    predicted, dedup_seconds = predict_with_dedup(prep)
    seconds = {**prep.seconds, "dedup": dedup_seconds}
    total = sum(seconds.values())
    return {
        "folder": str(folder),
        "documents": len(prep.truth),
        "articles": prep.articles.num_rows,
        **score(prep, predicted),
        "docs_per_s": round(len(prep.truth) / total, 1) if total else None,
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "rejects": dict(Counter(prep.rejects.values())),
        "per_rendition": per_rendition(prep, predicted),
        **errors(prep, predicted),
    }


def render_dedup_report(result: dict) -> list[Table]:
    """The summary table and the per-rendition recall table of `evaluate_dedup`."""
    summary = Table(title=f"Dedup quality: {result['folder']}")
    for label in ("docs", "pair P", "pair R", "pair F1", "ARI", "clusters (true)", "hard-neg merges", "splits", "merges", "docs/s"):
        summary.add_column(label, justify="right", no_wrap=True)
    summary.add_row(
        str(result["documents"]), f"{result['precision']:.4f}", f"{result['recall']:.4f}", f"{result['f1']:.4f}",
        f"{result['ari']:.4f}", f"{result['clusters_predicted']} ({result['clusters_true']})",
        str(result["hard_negative_false_merges"]), str(result["false_split_count"]), str(result["false_merge_count"]),
        f"{result['docs_per_s']:.1f}",
    )
    renditions = Table(title="Pair recall by rendition (pairs with at least one document of it)")
    for label in ("rendition", "docs", "true pairs", "found", "recall"):
        renditions.add_column(label, justify="right" if label != "rendition" else "left", no_wrap=True)
    for name, row in result["per_rendition"].items():
        renditions.add_row(name, str(row["docs"]), str(row["pairs"]), str(row["found"]),
                           "–" if row["recall"] is None else f"{row['recall']:.4f}")
    return [summary, renditions]
