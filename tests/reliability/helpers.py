"""Shared by the reliability tests: a small mixed corpus, subprocess runs, table snapshots."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES, REPO
from warehouse.lake import Warehouse
from warehouse.lake import connect

DATA_TABLES = ["documents", "articles", "links", "fingerprints", "story_members", "stories", "rejects"]
# columns that record when something happened, not what: they differ between two honest runs
VOLATILE = {"load_id", "at", "updated_at", "first_seen_at", "merged_at"}

WORDS = ("harbour council budget storm minister railway festival drought tariff court vaccine bridge "
         "museum league satellite river police harvest election factory village market").split()


def make_corpus(folder: Path, stories: int = 4, seed: int = 7) -> Path:
    """Seeds, the HTML rendition, a few generated stories with copies, and two bad files."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed_file in (REPO / "seeds").iterdir():
        shutil.copy(seed_file, folder / seed_file.name)
    shutil.copy(FIXTURES / "moscow_times_syria.html", folder / "mt.html")
    rng = random.Random(seed)
    for n in range(stories):
        paragraphs = [" ".join(rng.choice(WORDS) for _ in range(25)).capitalize() + "." for _ in range(6)]
        body = "\n\n".join(paragraphs)
        (folder / f"story{n}_a.txt").write_text(f"Story number {n} about the {WORDS[n]}\n\n{body}\n")
        (folder / f"story{n}_b.md").write_text(f"# Story number {n} about the {WORDS[n]}\n\n" + "\n\n".join(paragraphs[:4]) + "\n")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blob.bin").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    return folder


def run_subprocess(paths: list[Path], root: Path, env_extra: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    code = "import sys; from flows.pipeline import news_pipeline; news_pipeline(sys.argv[2:], sys.argv[1])"
    env = {**os.environ, **env_extra}
    return subprocess.run([sys.executable, "-c", code, str(root), *map(str, paths)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def snapshot(root: Path) -> dict[str, set[tuple]]:
    """Every data table as a set of rows, without the columns that record when."""
    con = connect(Warehouse(root))
    out = {}
    for table in DATA_TABLES:
        rel = con.sql(f"SELECT * FROM {table}")
        keep = [c for c in rel.columns if c not in VOLATILE]
        rows = con.sql(f"SELECT {', '.join(keep)} FROM {table}").fetchall()
        out[table] = {tuple(_hashable(v) for v in row) for row in rows}
        assert len(out[table]) == len(rows), f"duplicate rows in {table}"
    con.close()
    return out


def _hashable(value):
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value
