"""Enrich a batch of articles: one call, six tables (languages, entities, quotes, keywords,
tone, embeddings), each conforming to warehouse.schemas.

English bodies get every step. Other languages get language, keywords (YAKE has stopword
lists for ~35 languages) and nothing else: the NER model, VADER's lexicon and MiniLM are
English-only, and their output on other languages is confident noise — entity rows, a tone
and a vector that would be wrong are worse than none. `languages.enriched_with` records
which steps ran for each article.

Offsets (entities.start/end, quotes.start/end) index the original `body`; `entities.text` is
the mention with its whitespace collapsed (a mention cut by a stray paragraph break in the
body, "RIA\n\nNovosti", reads "RIA Novosti").

Parallelism on 2 cores (measured in benchmarks/bench_enrich.py): embedding inference
(onnxruntime, releases the GIL) runs in a background thread while the main thread does NER,
quotes, geo, keywords and tone; when those are done the main thread takes chunks of the
embedding too (a shared queue), so neither core idles while the other has work left. Per
article of ~320 tokens: about 35 ms of CPU for the embedding (lean int8 graph, see
embeddings.py) and 22 ms for the other steps (NER 16, keywords 2.5 with yake-rust, quotes
2, the rest 1); split over two free cores that gives ~32 articles/s. A spawn process pool
is available (`parallel="processes"`) for larger machines; it pays ~3 s per worker to load
the models. Never fork: delta-rs' Rust runtime in the parent does not survive it.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pyarrow as pa

from tasks import progress
from tasks.enrich.embeddings import DIM, MAX_WINDOWS, embed_texts
from tasks.enrich.entities import extract_entities_batch
from tasks.enrich.geo import resolve_place
from tasks.enrich.keywords import extract_keywords
from tasks.enrich.language import choose_language, detect_languages
from tasks.enrich.quotes import attribute_quotes
from tasks.enrich.textmap import clean_text
from tasks.enrich.tone import score_tone
from warehouse import schemas

TABLES = ("languages", "entities", "quotes", "keywords", "tone", "embeddings")
ENGLISH_STEPS = ("entities", "quotes", "keywords", "tone", "embeddings")
OTHER_STEPS = ("keywords",)
Parallel = Literal["serial", "threads", "processes"]
EMBED_CHUNK = 4  # texts per inference call of the shared queue: the last one bounds the idle tail


@dataclass
class StepTimes:
    """Wall and CPU seconds per step, CPU measured on the thread that ran the step.

    CPU time says what a step costs even when other processes share the cores (wall time
    then mostly measures the neighbours).
    """

    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    _cpu: float = field(default_factory=time.thread_time)

    def add(self, step: str, since: float) -> float:
        now, cpu = time.perf_counter(), time.thread_time()
        self.record(step, now - since, cpu - self._cpu)
        self._cpu = cpu
        return now

    def record(self, step: str, wall: float, cpu: float) -> None:
        self.seconds[step] = self.seconds.get(step, 0.0) + wall
        self.cpu_seconds[step] = self.cpu_seconds.get(step, 0.0) + cpu

    def merge(self, other: "StepTimes") -> None:
        for step, wall in other.seconds.items():
            self.record(step, wall, other.cpu_seconds.get(step, 0.0))


class _EmbedQueue:
    """Texts to embed, taken EMBED_CHUNK at a time by whichever thread is free.

    A text's vector does not depend on the texts embedded with it (one window per inference
    call, see embeddings._run), so the split between threads changes no vector.
    """

    def __init__(self, texts: list[str], threads: int, max_windows: int):
        self.texts, self.threads, self.max_windows = texts, threads, max_windows
        self.vectors = np.zeros((len(texts), DIM), dtype=np.float32)
        self._starts = iter(range(0, len(texts), EMBED_CHUNK))
        self._lock = threading.Lock()

    def drain(self) -> tuple[float, float]:
        """Embed chunks until none is left; the wall and CPU seconds this thread spent."""
        wall, cpu = time.perf_counter(), time.thread_time()
        while True:
            progress.check_stop()  # a run asked to stop embeds no more chunks
            with self._lock:
                start = next(self._starts, None)
            if start is None:
                return time.perf_counter() - wall, time.thread_time() - cpu
            chunk = self.texts[start : start + EMBED_CHUNK]
            self.vectors[start : start + len(chunk)] = embed_texts(chunk, self.threads, self.max_windows)


def enrich_articles(
    articles: pa.Table,
    load_id: str,
    parallel: Parallel = "threads",
    workers: int = 2,
    max_windows: int = MAX_WINDOWS,
    timings: StepTimes | None = None,
) -> dict[str, pa.Table]:
    """Enrich `articles` (columns article_id, body, language, title at least) into six tables.

    Works on any subset of articles (rows are independent); an empty table gives empty tables.
    `timings`, if given, accumulates seconds per step.
    """
    rows = articles.select(["article_id", "body", "language"]).to_pylist()
    if parallel == "processes" and workers > 1 and len(rows) > 1:
        shards = [rows[i::workers] for i in range(workers)]
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            parts = list(pool.map(_enrich_rows, shards, [load_id] * workers, ["serial"] * workers,
                                  [max_windows] * workers, [1] * workers))
        merged = {name: [r for part in parts for r in part[0][name]] for name in TABLES}
        if timings is not None:
            for part in parts:
                timings.merge(part[1])
    else:
        # Threads: inference has one core, NER/YAKE the other, then both; serial: inference gets both.
        onnx_threads = 1 if parallel == "threads" else 0
        merged, seconds = _enrich_rows(rows, load_id, parallel, max_windows, onnx_threads)
        if timings is not None:
            timings.merge(seconds)
    return {name: schemas.to_table(schemas.TABLES[name], merged[name]) for name in TABLES}


def _enrich_rows(
    rows: list[dict], load_id: str, parallel: Parallel, max_windows: int, onnx_threads: int
) -> tuple[dict[str, list[dict]], StepTimes]:
    """The whole enrichment of plain row dicts; also the unit of work of a pool worker."""
    times = StepTimes()
    out: dict[str, list[dict]] = {name: [] for name in TABLES}
    t = time.perf_counter()
    cleaned = [clean_text(r["body"] or "") for r in rows]
    langs = []
    for row, (detected, confidence) in zip(rows, detect_languages([clean.text for clean in cleaned])):
        langs.append(choose_language(detected, confidence, row["language"]))
        steps = ENGLISH_STEPS if langs[-1] == "en" else OTHER_STEPS
        out["languages"].append({
            "article_id": row["article_id"], "language": detected, "confidence": confidence,
            "enriched_with": list(steps), "load_id": load_id,
        })
    english = [i for i, lang in enumerate(langs) if lang == "en"]
    t = times.add("language", t)

    embed_job = None
    texts = [cleaned[i].text for i in english]
    if parallel == "threads":
        queue = _EmbedQueue(texts, onnx_threads, max_windows)
        executor = ThreadPoolExecutor(1, thread_name_prefix="embed")
        embed_job = executor.submit(queue.drain)
        executor.shutdown(wait=False)

    entity_lists = extract_entities_batch(texts)
    t = times.add("entities", t)
    for i, entities in zip(english, entity_lists):
        out["entities"].extend(_entity_rows(rows[i]["article_id"], cleaned[i], entities, load_id))
    t = times.add("geo", t)
    for i, entities in zip(english, entity_lists):
        for q in attribute_quotes(cleaned[i].text, entities):
            start, end = cleaned[i].to_body(q.start, q.end)
            out["quotes"].append({
                "article_id": rows[i]["article_id"], "quote": q.quote, "speaker": q.speaker,
                "start": start, "end": end, "attribution": q.attribution, "load_id": load_id,
            })
    t = times.add("quotes", t)
    for row, clean, lang in zip(rows, cleaned, langs):
        for keyword, score in extract_keywords(clean.text, lang):
            out["keywords"].append({
                "article_id": row["article_id"], "keyword": keyword, "score": score, "load_id": load_id,
            })
    t = times.add("keywords", t)
    for i in english:
        tone = score_tone(cleaned[i].text)
        out["tone"].append({
            "article_id": rows[i]["article_id"], "tone": tone.tone, "positive": tone.positive,
            "negative": tone.negative, "polarity": tone.polarity, "load_id": load_id,
        })
    t = times.add("tone", t)
    if embed_job:
        # The main thread's steps are done: it takes chunks of the embedding too, then waits
        # for the chunk the embedding thread is on.
        queue.drain()
        t = times.add("embeddings_main", t)
        wall, cpu = embed_job.result()
        t = times.add("embeddings_wait", t)
        times.record("embeddings", wall, cpu)  # ran beside the steps above
        vectors = queue.vectors
    else:
        vectors = embed_texts(texts, onnx_threads, max_windows)
        t = times.add("embeddings", t)
    for i, vector in zip(english, vectors):
        if cleaned[i].text.strip():
            out["embeddings"].append({"article_id": rows[i]["article_id"], "vector": vector.tolist(), "load_id": load_id})
    return out, times


def _entity_rows(article_id: str, clean, entities, load_id: str) -> list[dict]:
    rows, seen = [], set()
    for e in entities:
        start, end = clean.to_body(e.start, e.end)
        if (start, e.label) in seen:
            continue
        seen.add((start, e.label))
        place = resolve_place(e.normalized) if e.label == "LOC" else None
        rows.append({
            "article_id": article_id, "text": e.text, "label": e.label, "start": start, "end": end,
            "normalized": e.normalized, "ner_label": e.ner_label,
            "country_code": place.country_code if place else None,
            "lat": place.lat if place else None, "lon": place.lon if place else None,
            "load_id": load_id,
        })
    return rows
