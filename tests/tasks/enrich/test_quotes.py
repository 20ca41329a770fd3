from tasks.enrich.entities import extract_entities
from tasks.enrich.quotes import attribute_quotes, find_quote_spans
from tasks.enrich.textmap import clean_text


def test_seed_quotes_and_speakers(seed_body):
    text = clean_text(seed_body).text
    quotes = attribute_quotes(text, extract_entities(text))
    assert len(quotes) >= 5
    speakers = {q.speaker for q in quotes}
    assert {"Vladimir Putin", "Bashar Assad", "Dmitri Trenin"} <= speakers
    by_start = {q.quote[:20]: q.speaker for q in quotes}
    assert by_start["raise their heads ag"] == "Vladimir Putin"  # "the president added"
    assert by_start["On behalf of all of "] == "Bashar Assad"  # "TASS ... cited Assad as saying"
    assert by_start["Putin's announcement"] == "Dmitri Trenin"
    for q in quotes:
        assert text[q.start + 1 : q.end - 1] == q.quote


def test_plain_seed_has_the_same_quotes(seed_body_plain):
    text = clean_text(seed_body_plain).text
    quotes = attribute_quotes(text, extract_entities(text))
    assert {"Vladimir Putin", "Bashar Assad", "Dmitri Trenin"} <= {q.speaker for q in quotes}


def test_scare_quotes_and_pronouns():
    assert find_quote_spans('The so-called "reform" passed.') == []
    text = ("Angela Merkel spoke in Berlin on Friday. "
            "\"We will not give in to pressure from anyone,\" she said. "
            "\"Europe stands together in this,\" said the chancellor.")
    quotes = attribute_quotes(text, extract_entities(text))
    assert [q.speaker for q in quotes] == ["Angela Merkel", "Angela Merkel"]
