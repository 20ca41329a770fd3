from tasks.dedup.fold import body_hash, fold_text, tokens


def test_typography_and_wrapping_fold_away():
    a = "Putin’s “victory” — a claim\nthe U.S. disputes. See https://example.com/x"
    b = "putin's \"victory\" - a claim the U.S. disputes. See"
    assert tokens(a) == tokens(b)
    assert body_hash(a) == body_hash(b)


def test_markdown_marks_and_hyphen_breaks():
    assert fold_text("**Bold** [link](#) with-\ndrawal") == "bold link withdrawal"


def test_nfkc():
    assert tokens("ﬁnal ２０１７") == ["final", "2017"]


def test_token_bytes_are_the_tokens_utf8_encoded():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from tasks.dedup.fold import token_bytes

    samples = ["", "x_y z9 Ǆ İstanbul ﬁ ½ ² ٣ — “q” a°b £5 x·y 🙂ok e\u0301t n\u0303", "ß STRASSE ΣΑΣ",
               "\u00a0a\u2028b\u3000c tab\tsep\x0bx\x1cz\x85v", "a\u200bb 中文 한국어 https://x.com/a www.c.d e"]
    for text in samples:
        assert token_bytes(text) == [t.encode() for t in tokens(text)]

    @settings(max_examples=400, deadline=None)
    @given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
    def same(text):
        assert token_bytes(text) == [t.encode() for t in tokens(text)]

    same()
