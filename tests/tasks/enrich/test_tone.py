import pytest

from tasks.enrich.tone import score_tone


def test_tone_formula_holds(seed_body):
    tone = score_tone(seed_body)
    assert tone.tone == pytest.approx(tone.positive - tone.negative)
    assert tone.polarity == pytest.approx(tone.positive + tone.negative)
    assert 0 < tone.polarity < 100


def test_sign_follows_the_text():
    assert score_tone("The rescue was a wonderful success and families celebrated with joy.").tone > 0
    assert score_tone("The attack killed dozens, a horrible tragedy that left the city in grief.").tone < 0
    assert score_tone("").polarity == 0.0
