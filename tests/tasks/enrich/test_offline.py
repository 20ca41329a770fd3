"""Loading every model and enriching must not touch the network."""

import socket
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import socket

def refuse(*args, **kwargs):
    raise RuntimeError("network access attempted: %r" % (args,))

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

import pyarrow as pa
from tasks.enrich.batch import enrich_articles
body = open(SEED, encoding="utf-8").read()
tables = enrich_articles(pa.table(dict(article_id=["a"], body=[body], language=[None], title=[None])), "l")
assert tables["entities"].num_rows > 10 and tables["embeddings"].num_rows == 1
print("ok")
"""


def test_models_load_and_run_without_network(tmp_path):
    # A fresh interpreter: in this one the models may already be cached from other tests.
    seed = next((Path(__file__).resolve().parents[3] / "seeds").glob("001_*.txt"))
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", f"SEED = {str(seed)!r}\n" + SCRIPT],
        cwd=root, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")


def test_socket_guard_in_process(monkeypatch, seed_body):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    from tasks.enrich import embeddings, entities, geo, language

    language.detect_language(seed_body)
    entities.load_nlp()
    geo.resolve_place("Syria")
    assert embeddings.embed_texts([seed_body]).shape == (1, 384)
