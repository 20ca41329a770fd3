import pytest

from tasks.enrich import keywords
from tasks.enrich.keywords import _overlaps, extract_keywords, same_word


def test_seed_keywords_are_ranked_and_deduplicated(seed_body):
    keywords = extract_keywords(seed_body)
    assert 5 <= len(keywords) <= 10
    scores = [s for _, s in keywords]
    assert scores == sorted(scores)
    lowered = [k.lower() for k, _ in keywords]
    assert len(set(lowered)) == len(lowered)
    assert any("putin" in k for k in lowered)
    assert any("assad" in k for k in lowered)
    for i, a in enumerate(lowered):
        for b in lowered[:i]:
            assert a not in b  # no phrase contained in a better-ranked one


def test_empty_and_other_language():
    assert extract_keywords("") == []
    assert extract_keywords("Le président russe a ordonné le retrait des troupes de Syrie.", "fr")


def test_same_word_is_an_inflection_of_a_stem_of_five_letters():
    assert same_word("russia", "russian") and same_word("russian", "russia")
    assert same_word("syria", "syrian") and same_word("attack", "attacked")
    assert not same_word("state", "statement")  # four letters more: another word
    assert not same_word("iran", "iranian")  # a four-letter stem is too short to tell
    assert not same_word("russia", "prussia")  # only a shared beginning counts


def test_dedup_drops_an_inflection_of_a_word_in_a_better_phrase():
    assert _overlaps(("putin", "ordered", "russian"), ("russia",))
    assert _overlaps(("syrian", "president", "bashar"), ("syria", "president"))
    assert not _overlaps(("putin", "ordered", "russian"), ("syria",))


class PanicException(BaseException):
    """Stands in for pyo3_runtime.PanicException (matched by name)."""


class _Failing:
    def __init__(self, exc):
        self.exc = exc

    def get_n_best(self, text, *, n):
        raise self.exc


def test_python_yake_takes_over_when_the_compiled_one_panics(monkeypatch):
    monkeypatch.setattr(keywords, "_extractor", lambda language: _Failing(PanicException("boom")))
    assert [k for k, _ in extract_keywords("President Vladimir Putin visited the Russian airbase in Syria.")]


def test_interrupts_are_not_swallowed(monkeypatch):
    monkeypatch.setattr(keywords, "_extractor", lambda language: _Failing(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        extract_keywords("President Vladimir Putin visited the Russian airbase in Syria.")


def test_every_listed_language_runs_compiled():
    for language in sorted(keywords._YAKE_LANGS):
        keywords._extractor(language).get_n_best("Moscow and Damascus, 2017.", n=3)


class _Fixed:
    def get_n_best(self, text, *, n):
        return [("Syria", 0.0500000000000001), ("Assad", 0.05), ("Damascus", 0.0123456789)]


def test_scores_are_rounded_and_ties_ranked_by_phrase(monkeypatch):
    # yake-rust's last bits vary between processes: rows must not.
    monkeypatch.setattr(keywords, "_extractor", lambda language: _Fixed())
    assert extract_keywords("Assad in Damascus, Syria.") == [("Damascus", 0.0123457), ("Assad", 0.05), ("Syria", 0.05)]
