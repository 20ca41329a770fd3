"""Seed bodies for enrichment tests, parsed minimally from seeds/*.txt."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


def read_seed_body(prefix: str = "000") -> str:
    """The seed's article body: markdown headings, captions, the URL footer and link syntax removed."""
    raw = next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
    if prefix == "000":
        skip = ("#", "**", "Original url", "<http")
        raw = "\n".join(line for line in raw.splitlines() if not line.startswith(skip))
        raw = re.sub(r"\[([^\]]*)\]\(#\)", r"\1", raw)
    return raw.strip()


@pytest.fixture(scope="session")
def seed_body() -> str:
    return read_seed_body("000")


@pytest.fixture(scope="session")
def seed_body_plain() -> str:
    return read_seed_body("001")
