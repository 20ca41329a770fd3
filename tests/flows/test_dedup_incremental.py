"""Stories do not depend on how the input is cut into runs, ordered or named (warehouse level).

One small generated corpus (renditions, a byte-identical copy, hard negatives) goes through the
`news-pipeline` flow (a) in one run, (b) in two runs of two halves, (c) renamed and shuffled in one
run. The stories — sets of document sha256 — must be the same; (a) and (c) must give the same
story ids; a re-run must add nothing.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from benchmarks.dedup_corpus import build_corpus

from flows.pipeline import news_pipeline
from tests.conftest import SHARED_EVAL
from warehouse.lake import Warehouse
from warehouse.lake import connect

pytestmark = [pytest.mark.slow, pytest.mark.eval]  # five pipeline runs; needs ../shared/eval

DATA_TABLES = ["documents", "articles", "links", "fingerprints", "story_members", "stories", "rejects"]



@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    if not SHARED_EVAL.is_dir():
        pytest.skip(f"{SHARED_EVAL} is absent (evaluation data lives beside the repo, not in it)")
    out = tmp_path_factory.mktemp("corpus")
    build_corpus(out, stories=9, seed=5, eval_dir=SHARED_EVAL)
    labels = json.loads((out / "labels.json").read_text())
    first = sorted(labels)[0]  # make sure there is a byte-identical copy under another name
    shutil.copyfile(out / first, out / "doc_copy_of_first.txt")
    for name in ("labels.json", "manifest.json", "negatives.json"):
        (out / name).rename(out.parent / f"{out.name}-{name}")  # only documents stay in the folder
    return out


def stories_by_content(root: Path) -> dict[frozenset[str], str]:
    """{set of member documents' sha256: story_id} as the views show them."""
    con = connect(Warehouse(root))
    rows = con.execute(
        "SELECT m.story_id, d.sha256 FROM story_members m JOIN articles a USING (article_id) "
        "JOIN documents d USING (document_id) JOIN stories s USING (story_id)"
    ).fetchall()
    con.close()
    groups: dict[str, set[str]] = {}
    for story_id, sha in rows:
        groups.setdefault(story_id, set()).add(sha)
    return {frozenset(shas): story_id for story_id, shas in groups.items()}


def table_counts(root: Path) -> dict[str, int]:
    con = connect(Warehouse(root))
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in DATA_TABLES}
    con.close()
    return counts


def test_runs_halves_and_order_give_the_same_stories(corpus: Path, tmp_path: Path, prefect_harness) -> None:
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    assert len(files) >= 30

    # (a) everything in one run
    wh_a = tmp_path / "a"
    news_pipeline([str(corpus)], str(wh_a))
    a = stories_by_content(wh_a)

    # (b) two halves, two runs
    halves = [tmp_path / "half1", tmp_path / "half2"]
    for k, folder in enumerate(halves):
        folder.mkdir()
        for p in files[k::2]:  # interleaved: copies of one story land in both runs
            shutil.copyfile(p, folder / p.name)
    wh_b = tmp_path / "b"
    for folder in halves:
        news_pipeline([str(folder)], str(wh_b))
    b = stories_by_content(wh_b)

    # (c) other names, other order
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    order = list(files)
    random.Random(3).shuffle(order)
    for n, p in enumerate(order):
        shutil.copyfile(p, shuffled / f"zz_{len(order) - n:03d}_{random.Random(n).randrange(10**6)}.txt")
    wh_c = tmp_path / "c"
    news_pipeline([str(shuffled)], str(wh_c))
    c = stories_by_content(wh_c)

    assert set(a) == set(b), "two runs over halves cluster differently from one run"
    assert set(a) == set(c), "renamed, shuffled input clusters differently"
    assert a == c, "story ids depend on file names or order"
    assert len(a) < len(files) - 1  # copies were found: fewer stories than documents

    before = table_counts(wh_a)
    news_pipeline([str(corpus)], str(wh_a))
    assert table_counts(wh_a) == before
    assert stories_by_content(wh_a) == a
