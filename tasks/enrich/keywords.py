"""Keywords with YAKE (unsupervised, per document): lower score = more relevant."""

from __future__ import annotations

from functools import lru_cache

TOP = 10
MAX_NGRAM = 3
# YAKE ships stopword lists for these; other languages use its language-neutral list.
_YAKE_LANGS = frozenset(
    "ar bg br cz da de el en es et fa fi fr hi hr hu hy id it ja lt lv nl no pl pt ro ru sk sl sv tr uk zh".split()
)


@lru_cache(maxsize=16)
def _extractor(language: str):
    import yake

    # Over-fetch: our own dedup below drops some of YAKE's candidates.
    return yake.KeywordExtractor(lan=language, n=MAX_NGRAM, top=TOP * 2, dedup_lim=0.9)


def _tokens(phrase: str) -> tuple[str, ...]:
    return tuple(phrase.casefold().replace("’s", "").replace("'s", "").split())


def extract_keywords(text: str, language: str | None = "en", top: int = TOP) -> list[tuple[str, float]]:
    """The `top` best YAKE keywords of `text` as (keyword, score), best first.

    Deduplicated beyond YAKE's own similarity filter: case and possessive variants collapse,
    and a phrase is dropped when its words all occur, in order, inside a better-ranked phrase
    ("Putin" after "Vladimir Putin") or when it shares a word pair with one ("Syrian President
    Bashar" after "President Bashar Assad").
    """
    if not text or not text.strip():
        return []
    lang = language if language in _YAKE_LANGS else "en"
    kept: list[tuple[str, float]] = []
    kept_tokens: list[tuple[str, ...]] = []
    for phrase, score in _extractor(lang).extract_keywords(text):
        tokens = _tokens(phrase)
        if not tokens or any(_overlaps(seen, tokens) for seen in kept_tokens):
            continue
        kept.append((phrase, float(score)))
        kept_tokens.append(tokens)
        if len(kept) == top:
            break
    return kept


def _overlaps(big: tuple[str, ...], small: tuple[str, ...]) -> bool:
    n = len(small)
    if any(big[i : i + n] == small for i in range(len(big) - n + 1)):
        return True
    pairs = set(zip(big, big[1:]))
    return any(pair in pairs for pair in zip(small, small[1:]))
