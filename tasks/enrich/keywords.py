"""Keywords with YAKE (unsupervised, per document): lower score = more relevant.

YAKE runs compiled (`yake-rust`, a port of the reference implementation): about 2 ms per
article instead of 11-16 in the pure-Python `yake`, with the same stopword lists (taken
from `yake`) and near-identical rankings. The ports differ in sentence splitting: yake-rust
ends a sentence at a paragraph break, `yake` does not when the line lacks a full stop (a
dateline such as "December 11, 2017" then opens the first sentence). Python `yake` stays
the fallback for the rare text the compiled one fails on.
"""

from __future__ import annotations

import logging
from functools import lru_cache

TOP = 10
OVERFETCH = 3  # candidates asked of YAKE per keyword kept: our dedup below drops some
MAX_NGRAM = 3
DEDUP_LIMIT = 0.9
# yake-rust sums in hash-map order, so a score's last bits vary from process to process:
# scores keep this many significant digits, and ties rank by phrase, so rows are repeatable.
SCORE_DIGITS = 6
# Inflection rule of the dedup: a word of at least STEM_CHARS characters that a longer
# word extends by at most SUFFIX_CHARS ("Russia"/"Russian", "attack"/"attacks").
STEM_CHARS = 5
SUFFIX_CHARS = 3
# YAKE ships stopword lists for these; other languages use its language-neutral list.
_YAKE_LANGS = frozenset(
    "ar bg br cz da de el en es et fa fi fr hi hr hu hy id it ja lt lv nl no pl pt ro ru sk sl sv tr uk zh".split()
)
log = logging.getLogger(__name__)


@lru_cache(maxsize=16)
def _python_extractor(language: str, top: int = TOP * OVERFETCH):
    import yake

    return yake.KeywordExtractor(lan=language, n=MAX_NGRAM, top=top, dedup_lim=DEDUP_LIMIT)


@lru_cache(maxsize=16)
def _extractor(language: str):
    import yake_rust

    # yake-rust panics on a language it has no list for: always hand it yake's own list.
    stopwords = _python_extractor(language).stopword_set
    return yake_rust.Yake(stopwords=stopwords, ngrams=MAX_NGRAM, deduplication_threshold=DEDUP_LIMIT)


def _candidates(text: str, language: str, n: int) -> list[tuple[str, float]]:
    """YAKE's n best (phrase, score), best first, compiled; python yake if the compiled one panics."""
    try:
        found = _extractor(language).get_n_best(text, n=n)
    except BaseException as exc:  # pyo3's PanicException derives from BaseException only
        if type(exc).__name__ != "PanicException":
            raise
        log.warning("yake-rust failed on a %d-character %s text (%s); using python yake", len(text), language, exc)
        found = _python_extractor(language, n).extract_keywords(text)
    rounded = [(phrase, float(f"{score:.{SCORE_DIGITS}g}")) for phrase, score in found]
    return sorted(rounded, key=lambda c: (c[1], c[0].casefold(), c[0]))


def _tokens(phrase: str) -> tuple[str, ...]:
    return tuple(phrase.casefold().replace("’s", "").replace("'s", "").split())


def extract_keywords(text: str, language: str | None = "en", top: int = TOP) -> list[tuple[str, float]]:
    """The `top` best YAKE keywords of `text` as (keyword, score), best first.

    Deduplicated beyond YAKE's own similarity filter: case and possessive variants collapse,
    and a phrase is dropped when its words all occur, in order, inside a better-ranked phrase
    ("Putin" after "Vladimir Putin") or when it shares a word pair with one ("Syrian President
    Bashar" after "President Bashar Assad"). Words compare as equal when they are inflections
    of one another by a plain rule (see `same_word`): "Russia" after "Putin ordered Russian"
    is dropped too.
    """
    if not text or not text.strip():
        return []
    lang = language if language in _YAKE_LANGS else "en"
    kept: list[tuple[str, float]] = []
    kept_tokens: list[tuple[str, ...]] = []
    for phrase, score in _candidates(text, lang, top * OVERFETCH):
        tokens = _tokens(phrase)
        if not tokens or any(_overlaps(seen, tokens) for seen in kept_tokens):
            continue
        kept.append((phrase, score))
        kept_tokens.append(tokens)
        if len(kept) == top:
            break
    return kept


def same_word(a: str, b: str) -> bool:
    """Whether two casefolded words are one word for the dedup: equal, or the shorter one has
    at least STEM_CHARS characters and the longer one extends it by at most SUFFIX_CHARS
    ("russia"/"russian", "syria"/"syrian", "attack"/"attacked"; not "state"/"statement",
    not "iran"/"iranian": four letters are too few to call a stem).
    """
    if a == b:
        return True
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return len(short) >= STEM_CHARS and len(long) - len(short) <= SUFFIX_CHARS and long.startswith(short)


def _same_words(x: tuple[str, ...], y: tuple[str, ...]) -> bool:
    return len(x) == len(y) and all(same_word(a, b) for a, b in zip(x, y))


def _overlaps(big: tuple[str, ...], small: tuple[str, ...]) -> bool:
    n = len(small)
    if any(_same_words(big[i : i + n], small) for i in range(len(big) - n + 1)):
        return True
    pairs = list(zip(big, big[1:]))
    return any(_same_words(pair, other) for pair in zip(small, small[1:]) for other in pairs)
