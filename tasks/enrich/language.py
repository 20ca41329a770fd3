"""Language of an article body with py3langid, as (ISO 639-1 code, confidence in [0, 1])."""

from __future__ import annotations

from functools import lru_cache

MIN_CHARS = 20  # below this a guess is noise: report no language
# The opening decides: on the fundus pages 1,500 characters give the same answer as 5,000 at a
# tenth of the cost (py3langid: ~1.5 ms vs ~15 ms per article).
SAMPLE_CHARS = 1500


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # norm_probs turns the classifier's log scores into a probability over its 97 languages.
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str | None) -> tuple[str | None, float]:
    """The most probable language of `text` and its probability; (None, 0.0) when too short."""
    if not text or len(text.strip()) < MIN_CHARS:
        return None, 0.0
    code, prob = _identifier().classify(text[:SAMPLE_CHARS])
    return code, float(prob)


def choose_language(detected: str | None, confidence: float, declared: str | None) -> str | None:
    """The language enrichment should assume: the detector when it is sure, else the declaration.

    Declared tags ("en-GB", "EN") are reduced to their primary subtag.
    """
    declared_code = declared.split("-")[0].split("_")[0].lower() if declared else None
    if detected and (confidence >= 0.5 or not declared_code):
        return detected
    return declared_code or detected
