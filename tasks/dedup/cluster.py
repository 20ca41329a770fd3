"""Union-find over copy edges and stored story membership; deterministic story ids."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from tasks.dedup.match import Edge


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent.setdefault(x, x)
        while parent != self.parent[parent]:
            self.parent[parent] = self.parent[self.parent[parent]]
            parent = self.parent[parent]
        self.parent[x] = parent
        return parent

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # the smaller id becomes the root, so components are labelled the same in any order
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


@dataclass
class Component:
    article_ids: list[str]
    old_story_ids: list[str] = field(default_factory=list)  # stored stories this component absorbs
    edges: list[Edge] = field(default_factory=list)


def new_story_id(article_ids: list[str]) -> str:
    """A story first seen now is named after its smallest member: the same members give the same id."""
    return "st_" + hashlib.sha256(min(article_ids).encode()).hexdigest()[:24]


def component_roots(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of nodes 0..n-1 joined by the edges (a[k], b[k]): each node's root.

    Array union-find: hook each edge's larger root under its smaller one, then jump pointers
    until every node points at a root; repeat until no edge joins two roots.
    """
    parent = np.arange(n, dtype=np.int64)
    while len(a):
        ra, rb = parent[a], parent[b]
        differ = ra != rb
        if not differ.any():
            break
        np.minimum.at(parent, np.maximum(ra, rb)[differ], np.minimum(ra, rb)[differ])
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    return parent
