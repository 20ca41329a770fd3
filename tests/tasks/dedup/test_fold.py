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
