from tasks.enrich.language import choose_language, detect_language


def test_seed_is_english(seed_body):
    code, confidence = detect_language(seed_body)
    assert code == "en"
    assert 0.9 <= confidence <= 1.0


def test_other_languages_and_short_text():
    assert detect_language("Le président a ordonné le retrait des troupes russes de Syrie lundi.")[0] == "fr"
    assert detect_language("Der Präsident ordnete am Montag den Abzug der russischen Truppen an.")[0] == "de"
    assert detect_language("ok") == (None, 0.0)
    assert detect_language(None) == (None, 0.0)


def test_choose_language_prefers_a_confident_detector():
    assert choose_language("en", 0.99, "fr-FR") == "en"
    assert choose_language("en", 0.3, "fr-FR") == "fr"
    assert choose_language(None, 0.0, "EN") == "en"
    assert choose_language(None, 0.0, None) is None


def test_detecting_together_equals_detecting_one_by_one():
    from tasks.enrich.language import detect_language, detect_languages

    texts = ["Hello world, this is an English sentence about politics.", None, "", "short",
             "Das ist ein deutscher Satz über Politik und Wirtschaft.", "Ngiyabonga kakhulu ngosizo lwakho namhlanje, umngane wami."]
    assert detect_languages(texts) == [detect_language(t) for t in texts]
    assert detect_languages([]) == []


FALLBACK_TEXTS = [
    "Ngiyabonga kakhulu ngosizo lwakho namhlanje, umngane wami. Izingane zifunda esikoleni.",
    "Enkosi kakhulu ngoncedo lwakho namhlanje, mhlobo wam. Abantwana bafunda esikolweni.",
    "Le président a ordonné le retrait des troupes russes de Syrie lundi.",
]


def test_fallback_model_read_from_the_cache_classifies_as_the_packed_one(tmp_path, monkeypatch):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from tasks.enrich import language

    monkeypatch.setenv("NEWSFLOW_CACHE_DIR", str(tmp_path / "cache"))
    language._langid.cache_clear()
    try:
        cached = language._langid()
        assert len(list((tmp_path / "cache").glob("py3langid-model-*.npz"))) == 1  # the copy, made once
        stock = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        for text in FALLBACK_TEXTS:
            assert cached.classify(text) == stock.classify(text)
        language._langid.cache_clear()
        assert language._langid().classify(FALLBACK_TEXTS[0]) == stock.classify(FALLBACK_TEXTS[0])  # from the copy
        assert not list((tmp_path / "cache").glob("*.partial"))
    finally:
        language._langid.cache_clear()


def test_fallback_model_loads_without_a_writable_cache(tmp_path, monkeypatch):
    from tasks.enrich import language

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("NEWSFLOW_CACHE_DIR", str(blocker / "cache"))
    language._langid.cache_clear()
    try:
        assert language._langid().classify(FALLBACK_TEXTS[0])[0] == "zu"
    finally:
        language._langid.cache_clear()


def test_the_sample_reads_the_start_and_the_middle():
    from tasks.enrich.language import SAMPLE_CHARS, _sample

    text = "caption " * 20 + "\n\n" + "body word " * 400
    sample = _sample(text)
    assert "\n" not in sample and len(sample) <= SAMPLE_CHARS + 1
    assert sample.startswith("caption") and sample.rstrip().endswith(("body", "word"))
    assert _sample("short text, read whole: twenty plus") == "short text, read whole: twenty plus"


def test_a_damaged_cached_model_falls_back_to_the_packed_one(tmp_path, monkeypatch):
    from tasks.enrich import language

    cache = tmp_path / "cache"
    monkeypatch.setenv("NEWSFLOW_CACHE_DIR", str(cache))
    language._langid.cache_clear()
    try:
        language._langid()  # makes the copy
        (copy,) = cache.glob("py3langid-model-*.npz")
        copy.write_bytes(b"not a zip archive")
        language._langid.cache_clear()
        assert language._langid().classify(FALLBACK_TEXTS[0])[0] == "zu"
    finally:
        language._langid.cache_clear()
