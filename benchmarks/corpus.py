"""Synthetic news corpus for benchmarks: 10k to 1M documents, streamed in Arrow batches.

    .venv/bin/python benchmarks/corpus.py OUT.parquet --n 1000000 [--kind bodies|documents] [--dup-rate 0.3]
    .venv/bin/python benchmarks/corpus.py OUT_DIR --n 5000 --kind files   # one file per document

Raw material is real text, read at run time (never committed): the sentences of the article
bodies in ../shared/eval (fundus + scrapinghub) and of seeds/, grouped by language. A new story
is 12–36 sentences of one language, each with two words swapped for words of that language's
vocabulary, so a million stories stay distinct while reading like news. A share `dup_rate` of documents are copies of a recent
story: exact, typography-only, markdown-marked, wire cut (dateline, last paragraphs cut),
corrected (one sentence changed + note), or re-wrapped — the renditions of dedup_corpus.py.

Three shapes, all generated on the fly in bounded memory:
- `iter_bodies`: normalized article batches (article_id, body, canonical_url, title,
  published_at, cluster): what fingerprint/dedup take, without parsing cost.
- `iter_documents`: raw rendered documents (uri, content bytes, cluster) as files would hold
  them: markdown, wrapped text, PDF dump, wire copy, JSON record (and HTML when asked).
- `write_files`: those documents as files, for whole-flow runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.dedup_corpus import (  # noqa: E402
    AGENCIES,
    CITIES,
    DEFAULT_EVAL,
    SITES,
    correct,
    render_html,
    render_markdown,
    render_pdf,
    render_wire,
    render_wrapped,
)

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
VERSION = 2  # bump when what the generator writes changes: cached corpora are named by it (2: one language a story)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")
_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "'": "’"})  # as copy-paste swaps them
COPY_KINDS = ("exact", "typography", "markdown", "wire", "correction", "rewrap")
TEXT_RENDITIONS = ("markdown", "wrapped", "pdf", "wire", "json")
BASE_DATE = datetime(2024, 1, 1, tzinfo=timezone.utc)
BODY_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()),
        ("body", pa.string()),
        ("canonical_url", pa.string()),
        ("title", pa.string()),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("cluster", pa.string()),
        ("kind", pa.string()),
    ]
)
DOCUMENT_SCHEMA = pa.schema([("uri", pa.string()), ("content", pa.binary()), ("cluster", pa.string()), ("rendition", pa.string())])


@dataclass(frozen=True)
class Language:
    """The sentences and words of the real bodies written in one language."""

    code: str
    sentences: list[tuple[str, ...]]  # each a tuple of words
    vocabulary: list[str]


@dataclass(frozen=True)
class Material:
    languages: list[Language]
    weights: np.ndarray  # each language's share of all sentences: how often a story is in it


@lru_cache(maxsize=2)
def load_material(eval_dir: Path = DEFAULT_EVAL) -> Material:
    """Sentences and words of the real bodies in `eval_dir` and of seeds/ (seeds alone when
    `eval_dir` is absent: a smaller vocabulary, same shapes), grouped by each body's language:
    a story is written in one language, as real news is, so language identification sees
    what it would on real pages."""
    from tasks.enrich.language import detect_language

    bodies = []
    for name in ("fundus", "scrapinghub"):
        path = eval_dir / name / "cases.jsonl"
        if path.is_file():
            bodies += [json.loads(line).get("body") or "" for line in path.read_text(encoding="utf-8").splitlines()]
    bodies += [seed.read_text(encoding="utf-8") for seed in sorted(SEEDS.glob("*.txt"))]
    by_language: dict[str, set[tuple[str, ...]]] = {}
    for body in bodies:
        code = detect_language(body)[0]
        if code is None:
            continue
        paragraphs = [" ".join(p.split()) for p in body.split("\n") if p.strip()]
        by_language.setdefault(code, set()).update(
            tuple(s.split()) for p in paragraphs for s in _SENTENCE.split(p) if 6 <= len(s.split()) <= 45
        )
    languages = []
    for code in sorted(by_language):
        sentences = sorted(by_language[code])
        vocabulary = sorted({w for s in sentences for w in s if w.isalpha() and len(w) > 2})
        if sentences and vocabulary:
            languages.append(Language(code, sentences, vocabulary))
    if not languages:
        raise FileNotFoundError(f"no text under {eval_dir} (fundus/ or scrapinghub/ cases.jsonl) or {SEEDS}")
    sizes = np.array([len(lang.sentences) for lang in languages], dtype=float)
    return Material(languages, sizes / sizes.sum())


class StoryMaker:
    """Distinct synthetic stories and their copies, deterministic for a seed."""

    def __init__(self, seed: int = 7, eval_dir: Path = DEFAULT_EVAL, recent: int = 2_000) -> None:
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)  # bulk draws: random.choice per word was most of the cost
        self.material = load_material(eval_dir)
        self.recent: deque[dict] = deque(maxlen=recent)  # copies come from recent stories, as on a news day
        self.count = 0

    def new_story(self) -> dict:
        rng, mat = self.rng, self.material
        lang = mat.languages[int(self.np_rng.choice(len(mat.languages), p=mat.weights))]
        k = rng.randint(12, 36)
        picks = self.np_rng.integers(len(lang.sentences), size=k).tolist()
        where = self.np_rng.random((k, 2)).tolist()
        swaps = self.np_rng.integers(len(lang.vocabulary), size=(k, 2)).tolist()
        vocabulary = lang.vocabulary
        sentences = []
        for pick, (w1, w2), (v1, v2) in zip(picks, where, swaps):
            words = list(lang.sentences[pick])
            # two swapped words make each sentence (and so each story) distinct
            words[int(w1 * len(words))] = vocabulary[v1]
            words[int(w2 * len(words))] = vocabulary[v2]
            sentences.append(" ".join(words))
        paragraphs, i = [], 0
        while i < len(sentences):
            k = rng.randint(1, 4)
            paragraphs.append(" ".join(sentences[i : i + k]))
            i += k
        title_words = rng.choice(lang.sentences)[: rng.randint(6, 11)]
        site = rng.choice(SITES)
        n = self.count
        self.count += 1
        story = {
            "id": f"s{n:07d}",
            "language": lang.code,
            "title": " ".join(title_words).rstrip(".,;:").capitalize(),
            "published": BASE_DATE + timedelta(minutes=7 * n + rng.randrange(600)),
            "url": f"https://www.{site['domain']}/news/{n}-{'-'.join(w.lower() for w in title_words[:5] if w.isalnum())}",
            "topics": [],
            "country": None,
            "paragraphs": paragraphs,
        }
        self.recent.append(story)
        return story

    def pick(self, dup_rate: float) -> tuple[dict, bool]:
        """A story for the next document: a recent one (a copy) with probability dup_rate."""
        if self.recent and self.rng.random() < dup_rate:
            return self.rng.choice(self.recent), True
        return self.new_story(), False


def copy_body(story: dict, kind: str, rng: random.Random) -> tuple[str, str | None]:
    """(normalized body, canonical URL) of one copy of `story`, as the normalizers would leave it."""
    paras = story["paragraphs"]
    url = story["url"]
    if kind == "typography":
        paras = [p.translate(_TYPOGRAPHY).replace(" - ", " — ") for p in paras]
    elif kind == "markdown":
        paras = [re.sub(r"\b(\w{6,})\b", r"**\1**", p, count=1) for p in paras]
    elif kind == "wire":
        keep = max(1, round(len(paras) * rng.uniform(0.6, 0.7)))
        paras = [f"{rng.choice(CITIES)} ({rng.choice(AGENCIES)}) — {paras[0]}", *paras[1:keep]]
        url = None
    elif kind == "correction":
        paras = correct(paras, rng)
    elif kind == "rewrap":
        paras = ["\n".join(re.findall(r".{1,90}(?:\s|$)", p)).strip() for p in paras]
        url = None
    return "\n\n".join(paras), url


def iter_bodies(n: int, dup_rate: float = 0.3, seed: int = 7, batch: int = 10_000, eval_dir: Path = DEFAULT_EVAL) -> Iterator[pa.RecordBatch]:
    """`n` normalized articles in batches (BODY_SCHEMA); `cluster` names the true story."""
    maker = StoryMaker(seed, eval_dir)
    rng = maker.rng
    rows: dict[str, list] = {name: [] for name in BODY_SCHEMA.names}
    for i in range(n):
        story, is_copy = maker.pick(dup_rate)
        kind = rng.choice(COPY_KINDS) if is_copy else "original"
        body, url = copy_body(story, kind, rng) if is_copy else ("\n\n".join(story["paragraphs"]), story["url"])
        for name, value in (("article_id", hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()[:32]), ("body", body),
                            ("canonical_url", url), ("title", story["title"]), ("published_at", story["published"]),
                            ("cluster", story["id"]), ("kind", kind)):
            rows[name].append(value)
        if len(rows["body"]) == batch or i == n - 1:
            yield pa.RecordBatch.from_pydict(rows, schema=BODY_SCHEMA)
            rows = {name: [] for name in BODY_SCHEMA.names}


def render_document(story: dict, rendition: str, rng: random.Random) -> str:
    other = "Markets close higher as investors weigh earnings"
    if rendition == "json":
        fixed = correct(story["paragraphs"], rng) if rng.random() < 0.3 else story["paragraphs"]
        record = {"headline": story["title"], "datePublished": story["published"].isoformat(), "url": story["url"],
                  "articleBody": "\n\n".join(fixed)}
        return json.dumps(record, ensure_ascii=False) + "\n"
    renderer = {"markdown": render_markdown, "wrapped": render_wrapped, "pdf": render_pdf, "wire": render_wire, "html": render_html}[rendition]
    return renderer(story, rng, other)


def iter_documents(
    n: int, dup_rate: float = 0.3, seed: int = 7, renditions: tuple[str, ...] = TEXT_RENDITIONS,
    batch: int = 2_000, eval_dir: Path = DEFAULT_EVAL,
) -> Iterator[pa.RecordBatch]:
    """`n` raw documents (DOCUMENT_SCHEMA) rendered as files would hold them."""
    maker = StoryMaker(seed, eval_dir)
    rng = maker.rng
    rows: dict[str, list] = {name: [] for name in DOCUMENT_SCHEMA.names}
    for i in range(n):
        story, _ = maker.pick(dup_rate)
        rendition = rng.choice(renditions)
        text = render_document(story, rendition, rng)
        rows["uri"].append(f"synthetic://{seed}/doc_{i:07d}")
        rows["content"].append(text.encode("utf-8"))
        rows["cluster"].append(story["id"])
        rows["rendition"].append(rendition)
        if len(rows["uri"]) == batch or i == n - 1:
            yield pa.RecordBatch.from_pydict(rows, schema=DOCUMENT_SCHEMA)
            rows = {name: [] for name in DOCUMENT_SCHEMA.names}


def write_parquet(path: Path, batches: Iterator[pa.RecordBatch], schema: pa.Schema) -> int:
    """Stream batches to one Parquet file; returns rows written."""
    rows = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for b in batches:
            writer.write_batch(b)
            rows += b.num_rows
    return rows


def write_files(out_dir: Path, n: int, dup_rate: float = 0.3, seed: int = 7, renditions: tuple[str, ...] = TEXT_RENDITIONS) -> dict:
    """`n` documents as files (`doc_0000042.txt`, …) plus labels.json; returns a summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = {}
    for b in iter_documents(n, dup_rate, seed, renditions):
        for uri, content, cluster in zip(b.column("uri").to_pylist(), b.column("content").to_pylist(), b.column("cluster").to_pylist()):
            name = uri.rsplit("/", 1)[1] + ".txt"
            (out_dir / name).write_bytes(content)
            labels[name] = cluster
    (out_dir / "labels.json").write_text(json.dumps(labels) + "\n")
    return {"documents": len(labels), "stories": len(set(labels.values())), "out": str(out_dir)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--kind", choices=["bodies", "documents", "files"], default="bodies")
    parser.add_argument("--dup-rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.kind == "files":
        summary = write_files(args.out, args.n, args.dup_rate, args.seed)
    elif args.kind == "bodies":
        summary = {"rows": write_parquet(args.out, iter_bodies(args.n, args.dup_rate, args.seed), BODY_SCHEMA), "out": str(args.out)}
    else:
        summary = {"rows": write_parquet(args.out, iter_documents(args.n, args.dup_rate, args.seed), DOCUMENT_SCHEMA), "out": str(args.out)}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
