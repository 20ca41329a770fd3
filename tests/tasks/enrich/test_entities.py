from tasks.enrich.entities import Entity, extract_entities, normalize_name, resolve_aliases
from tasks.enrich.textmap import clean_text


def _by_label(entities, label):
    return {e.normalized for e in entities if e.label == label}


def test_seed_persons_orgs_places(seed_body):
    entities = extract_entities(clean_text(seed_body).text)
    persons = _by_label(entities, "PERSON")
    assert {"Vladimir Putin", "Bashar Assad", "Dmitri Trenin"} <= persons
    assert "Putin" not in persons and "Assad" not in persons  # collapsed to the long form
    assert {"RIA Novosti", "TASS", "Carnegie Moscow Center"} <= _by_label(entities, "ORG")
    assert {"Syria", "Cairo", "Ankara", "Khmeimim airbase"} <= _by_label(entities, "LOC")


def test_offsets_point_into_the_text(seed_body):
    text = clean_text(seed_body).text
    for e in extract_entities(text):
        assert text[e.start : e.end] == e.text


def test_normalize_name():
    assert normalize_name("the Carnegie Moscow Center", "ORG") == "Carnegie Moscow Center"
    assert normalize_name("Putin's", "PERSON") == "Putin"
    assert normalize_name("President  Vladimir\nPutin", "PERSON") == "Vladimir Putin"
    assert normalize_name("Ms Persson", "PERSON") == "Persson"
    assert normalize_name("Councillor Afrasiab Anwar MBE", "PERSON") == "Afrasiab Anwar"
    assert normalize_name("Jeff Bezos’s Blue Origin", "PERSON") == "Jeff Bezos"
    assert normalize_name("Issam Abdallah - found", "PERSON") == "Issam Abdallah"
    assert normalize_name("magician Prospero", "PERSON") == "Prospero"
    assert normalize_name("Kim Kardashian -", "PERSON") == "Kim Kardashian"
    assert normalize_name("de Klerk", "PERSON") == "de Klerk"


def test_resolve_aliases_relabels_surname():
    ents = [
        Entity("Vladimir Putin", "PERSON", 0, 14, "Vladimir Putin", "PERSON"),
        Entity("Putin", "ORG", 30, 35, "Putin", "ORG"),
    ]
    out = resolve_aliases(ents)
    assert [(e.label, e.normalized) for e in out] == [("PERSON", "Vladimir Putin")] * 2


def test_openblas_products_find_the_same_entities_as_blis(seed_body, seed_body_plain):
    # load_nlp swaps thinc's BLIS matrix product for numpy's OpenBLAS (faster here); the
    # entities must be exactly those of the same pipeline on thinc's stock ops.
    from thinc.api import NumpyOps

    from tasks.enrich.entities import _one_blas_thread, load_nlp

    stock = load_nlp.__wrapped__()
    for node in stock.get_pipe("ner").model.walk():
        node.ops = NumpyOps()
    texts = [clean_text(seed_body).text, clean_text(seed_body_plain).text]
    with _one_blas_thread():
        ours = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in load_nlp().pipe(texts)]
    theirs = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in stock.pipe(texts)]
    assert ours == theirs and sum(map(len, ours)) > 20


def test_the_x_is_not_a_person():
    text = ("Myles Garrett was suspended after the fight. The Steelers and the Browns meet again in December, and the "
            "Browns said Garrett was sorry. NASA wants to land on the Moon by 2024. The Trump administration did not comment.")
    persons = _by_label(extract_entities(text), "PERSON")
    assert "Myles Garrett" in persons and not persons & {"Browns", "Steelers", "Moon"}


def test_a_product_named_for_an_org_of_the_text_is_not_a_person():
    text = "Nintendo makes games. The smaller, more portable Nintendo Switch gives up the dock. Nintendo Switch owners were happy."
    entities = extract_entities(text)
    assert "Nintendo Switch" not in _by_label(entities, "PERSON") and "Nintendo" in _by_label(entities, "ORG")
