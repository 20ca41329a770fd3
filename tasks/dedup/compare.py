"""How the copies of a story differ: each member's paragraphs against the canonical text.

Paragraphs and words compare by their dedup tokens (`fold.tokens`: case, typography, wrapping,
pasted URLs and markdown marks do not count), so only what a reader would call a change shows: a
paragraph a copy adds or lacks, or the words changed inside a paragraph both have (a correction,
a wire copy's new dateline, a cut ending).
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from tasks.dedup.fold import tokens

SAME_PARAGRAPH = 0.5  # word-level similarity from which two paragraphs are one paragraph, changed
CONTEXT_WORDS = 6  # unchanged words kept either side of a change; longer runs become "…"


@dataclass(frozen=True)
class ParagraphChange:
    kind: str  # adds (the member has it, the canonical text does not) / lacks / changed
    text: str  # the paragraph; for changed, its words with [-removed-] and {+added+} marks
    position: int  # the paragraph's number (from 1) in the member, or in the canonical text for lacks


def paragraphs(body: str | None) -> list[str]:
    return [" ".join(p.split()) for p in (body or "").split("\n\n") if p.strip()]


def _key(text: str) -> str:
    return " ".join(tokens(text))


def compare_bodies(canonical: str | None, member: str | None) -> list[ParagraphChange]:
    """The paragraphs `member` adds or lacks against `canonical`, and those it changed, word by word."""
    theirs, ours = paragraphs(canonical), paragraphs(member)
    matcher = SequenceMatcher(None, [_key(p) for p in theirs], [_key(p) for p in ours], autojunk=False)
    changes: list[ParagraphChange] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        unmatched = list(range(i1, i2))
        for j in range(j1, j2):
            best = max(unmatched, key=lambda i: _similarity(theirs[i], ours[j]), default=None)
            if best is not None and _similarity(theirs[best], ours[j]) >= SAME_PARAGRAPH:
                unmatched.remove(best)
                changes.append(ParagraphChange("changed", word_diff(theirs[best], ours[j]), j + 1))
            else:
                changes.append(ParagraphChange("adds", ours[j], j + 1))
        changes += [ParagraphChange("lacks", theirs[i], i + 1) for i in unmatched]
    return changes


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, tokens(a), tokens(b), autojunk=False).ratio()


def word_diff(old: str, new: str, context: int = CONTEXT_WORDS) -> str:
    """`new` against `old` word by word: [-removed words-] {+added words+}, long unchanged runs cut to "…"."""
    a, b = old.split(), new.split()
    matcher = SequenceMatcher(None, [_key(w) for w in a], [_key(w) for w in b], autojunk=False)
    parts: list[str] = []
    codes = matcher.get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(codes):
        if op == "equal":
            words = b[j1:j2]
            head = words[:context] if n else []  # what follows a change
            tail = words[-context:] if n < len(codes) - 1 else []  # what leads to the next one
            parts.append(" ".join(words) if len(words) <= len(head) + len(tail) else " ".join([*head, "…", *tail]).strip())
            continue
        if i2 > i1:
            parts.append(f"[-{' '.join(a[i1:i2])}-]")
        if j2 > j1:
            parts.append(f"{{+{' '.join(b[j1:j2])}+}}")
    return " ".join(p for p in parts if p)


def render_changes(changes: list[ParagraphChange]) -> list[str]:
    """One line per change: "+ ¶3 text" adds, "- ¶5 text" lacks, "~ ¶2 words" changed."""
    mark = {"adds": "+", "lacks": "-", "changed": "~"}
    return [f"{mark[c.kind]} ¶{c.position} {c.text}" for c in changes]
