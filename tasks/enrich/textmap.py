"""Whitespace-normalized text for NLP, with a map back to offsets in the original body.

Bodies arrive with hard-wrapped lines (plain text) and, sometimes, paragraph breaks in the
middle of a sentence (a link block cut "RIA Novosti" into "RIA" and "Novosti"). spaCy reads
such breaks as sentence and entity boundaries, so every enrichment step that needs offsets
works on a cleaned copy and maps spans back with :meth:`CleanText.to_body`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

_WHITESPACE = re.compile(r"\s+")
# A paragraph that ends without one of these probably continues in the next one.
_TERMINAL = frozenset('.!?:;"”’\')]*')
# Short unpunctuated paragraphs are headings, captions and datelines: keep their break.
_HEADING_MAX_CHARS = 120


@dataclass(frozen=True)
class CleanText:
    """`text` is the body with whitespace runs collapsed; `segments` maps it back.

    Each segment is (clean_start, body_start, same_length): inside a segment of copied
    characters offsets shift by a constant; a collapsed whitespace run maps to its start.
    """

    text: str
    segments: tuple[tuple[int, int, bool], ...]

    def to_body(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of `text` to the same span of the original body."""
        return self._point(start), self._point(end - 1) + 1 if end > start else self._point(start)

    def _point(self, pos: int) -> int:
        i = bisect_right(self._starts, pos) - 1
        clean_start, body_start, copied = self.segments[max(i, 0)]
        return body_start + (pos - clean_start if copied else 0)

    @property
    def _starts(self) -> list[int]:
        starts = self.__dict__.get("_starts_cache")
        if starts is None:
            starts = [s[0] for s in self.segments]
            object.__setattr__(self, "_starts_cache", starts)
        return starts


def clean_text(body: str) -> CleanText:
    """Collapse whitespace; keep a paragraph break only where a paragraph really ends.

    A run holding two or more newlines stays a paragraph break ("\\n\\n") when the text before
    it ends with terminal punctuation or is a short unpunctuated line (a heading); otherwise it
    is a sentence cut by the layout and becomes one space. Any other run becomes one space.
    """
    pieces: list[str] = []
    segments: list[tuple[int, int, bool]] = []
    clean_pos = 0
    body_pos = 0
    para_start = 0
    for match in _WHITESPACE.finditer(body):
        ws_start, ws_end = match.span()
        if ws_start > body_pos:
            segments.append((clean_pos, body_pos, True))
            pieces.append(body[body_pos:ws_start])
            clean_pos += ws_start - body_pos
        run = match.group()
        if ws_start == 0 or ws_end == len(body):
            replacement = ""
        elif run.count("\n") >= 2:
            paragraph = body[para_start:ws_start]
            ends = body[ws_start - 1] in _TERMINAL or len(paragraph) <= _HEADING_MAX_CHARS
            replacement = "\n\n" if ends else " "
            para_start = ws_end
        else:
            replacement = " "
        if replacement:
            segments.append((clean_pos, ws_start, False))
            pieces.append(replacement)
            clean_pos += len(replacement)
        body_pos = ws_end
    if body_pos < len(body):
        segments.append((clean_pos, body_pos, True))
        pieces.append(body[body_pos:])
    if not segments:
        segments.append((0, 0, True))
    return CleanText("".join(pieces), tuple(segments))
