"""Article tone from VADER sentence scores, aggregated like GDELT's V1.5TONE.

GDELT counts dictionary words: positive = % of words that are positive, negative = % that
are negative, tone = positive − negative (−100..100, news is usually −10..10), polarity =
positive + negative (% of words carrying emotion). VADER scores sentences instead (it handles
negation, boosters, "but"), giving each sentence pos/neg shares of its words' sentiment.
We weight each sentence's shares by its word count:

    positive = 100 · Σ_s pos_s · words_s / Σ_s words_s
    negative = 100 · Σ_s neg_s · words_s / Σ_s words_s
    tone     = positive − negative
    polarity = positive + negative
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’']?\s+|\n\s*\n")


@dataclass(frozen=True)
class Tone:
    tone: float
    positive: float
    negative: float
    polarity: float


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def split_sentences(text: str) -> list[str]:
    """Rough sentence split (punctuation + whitespace, or a paragraph break)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def score_tone(text: str) -> Tone:
    """GDELT-style tone of `text` (all zeros for an empty text)."""
    analyzer = _analyzer()
    words = pos = neg = 0.0
    for sentence in split_sentences(text or ""):
        n = len(sentence.split())
        scores = analyzer.polarity_scores(sentence)
        words += n
        pos += scores["pos"] * n
        neg += scores["neg"] * n
    if not words:
        return Tone(0.0, 0.0, 0.0, 0.0)
    positive, negative = 100 * pos / words, 100 * neg / words
    return Tone(positive - negative, positive, negative, positive + negative)
