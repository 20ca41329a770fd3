from tasks.enrich.keywords import extract_keywords


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
