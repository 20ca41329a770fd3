"""Bytes to text: encodings, byte-order marks, mojibake, and what is not text at all."""

import pytest

from tasks.normalize.decode import decode_text
from tasks.records import RejectError


def test_mojibake_is_repaired_and_typography_kept():
    garbled = "It\u00e2\u20ac\u2122s a caf\u00c3\u00a9 on the square, officials said."
    assert decode_text(garbled.encode("utf-8")) == "It’s a café on the square, officials said."


def test_clean_text_is_left_exactly_as_published():
    text = "Plain café’s text — with “curly quotes” and ﬁ ligature."
    assert decode_text(text.encode("utf-8")) == text


def test_latin1_cp1251_and_utf16():
    assert decode_text("Café au lait, naïve résumé, déjà vu.".encode("latin-1")) == "Café au lait, naïve résumé, déjà vu."
    assert decode_text("Привет мир, это тест кодировки текста новостей".encode("cp1251")).startswith("Привет мир")
    assert decode_text("hello world".encode("utf-16")) == "hello world"  # Python writes the BOM


@pytest.mark.parametrize("content,reason", [(b"", "empty-file"), (b"  \n", "empty-file"), (b"\x89PNG\r\n\x1a\n....", "binary")])
def test_not_text(content, reason):
    with pytest.raises(RejectError) as err:
        decode_text(content)
    assert err.value.reason == reason
