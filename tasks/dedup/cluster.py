"""Union-find over copy edges and stored story membership; deterministic story ids."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

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


def build_components(
    new_ids: list[str],
    edges: list[Edge],
    stored_members: dict[str, str],
    story_articles: dict[str, list[str]],
) -> list[Component]:
    """Components touched by this batch.

    stored_members: article_id -> story_id for stored articles that appear in edges.
    story_articles: story_id -> every stored member of that story (so a merge keeps them all).
    """
    uf = UnionFind()
    for article_id in new_ids:
        uf.find(article_id)
    for edge in edges:
        uf.union(edge.a, edge.b)
    for story_id, members in story_articles.items():
        for article_id in members:
            uf.union(members[0], article_id)
    groups: dict[str, Component] = {}
    for article_id in list(uf.parent):
        root = uf.find(article_id)
        groups.setdefault(root, Component(article_ids=[])).article_ids.append(article_id)
    by_article = {a: root for root, comp in groups.items() for a in comp.article_ids}
    for edge in edges:
        groups[by_article[edge.a]].edges.append(edge)
    for root, comp in groups.items():
        comp.article_ids.sort()
        comp.old_story_ids = sorted({stored_members[a] for a in comp.article_ids if a in stored_members})
    return sorted(groups.values(), key=lambda c: c.article_ids[0])
