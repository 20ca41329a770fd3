"""Text surgery found by the dedup evaluation: running headers, hyphenation, wire credits, cut headlines."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.normalize.plaintext import parse_plaintext
from tasks.normalize.textblocks import _COMPOUND, _LINE_END_HYPHEN, hyphenated_words, running_lines, unwrap_lines
from tasks.normalize.textmeta import TextMeta, take_wire_credits


def test_repeated_lines_of_an_unpaged_text_are_kept():
    step = "Pre-Workout Meal\n\nEat 60 minutes before your workout\n\n"
    text = "A meal plan that repeats its steps every day of the week, as recipes do.\n\n" + step * 4
    assert running_lines(text) == set()
    assert parse_plaintext(text).body.count("Pre-Workout Meal") == 4


def test_running_header_is_furniture_but_a_line_inside_pages_is_not():
    page = "THE DAILY PLANET | May 1\n\nBody line {n} goes on and on.\n\nRecurring question?\n\nAnswer {n} given in full.\n\nMore {n}.\n\n{n}\n\f"
    text = "".join(page.format(n=n) for n in range(1, 6))
    assert running_lines(text) == {"THE DAILY PLANET | May 1"}
    body = parse_plaintext(text).body
    assert "DAILY PLANET" not in body and body.count("Recurring question?") == 5


def test_two_page_dump_loses_its_header():
    page = "Site Name | January 1, 2020\n\n{body}\n\nPage {n} of 2\n\f"
    text = page.format(body="First page text is long enough to be a paragraph of prose.", n=1) + page.format(body="Second page text.", n=2)
    assert running_lines(text) == {"Site Name | January 1, 2020"}


def test_hyphenation_undone_in_any_script():
    assert unwrap_lines(["Тут уж шефу будет не отверте-", "ться – расспросим"]) == "Тут уж шефу будет не отвертеться – расспросим"
    assert unwrap_lines(["the state-", "run agency"], {"state-run"}) == "the state-run agency"


def test_wire_credit_line_becomes_authors():
    meta = TextMeta()
    out = take_wire_credits(["Body text.", "(Reporting by Jane Roe and John Doe; Editing by Tom Brown)"], meta)
    assert out == ["Body text."] and meta.authors == ["Jane Roe", "John Doe"]
    assert take_wire_credits(["(Reporting by nobody) is how the essay starts.", "End."], TextMeta()) == [
        "(Reporting by nobody) is how the essay starts.", "End."]


def test_first_line_cut_by_a_url_block_is_not_a_headline():
    text = (
        "Photos released online and shared widely show the actress looking stunning in new make-up\n\n"
        "https://example.com/a/1\nhttps://example.com/b/2\n\n"
        "photos, fans said on Monday after the premiere.\n\nSecond paragraph of the story.\n\nThird one.\n"
    )
    article = parse_plaintext(text)
    assert article.title is None
    assert article.body.startswith("Photos released online and shared widely show the actress looking stunning in new make-up photos, fans said")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab-Ü— \n.,9_")), max_size=80))
def test_hyphenated_words_equal_a_scan_of_the_whole_text(text):
    expected = {m.group(0).lower() for m in _COMPOUND.finditer(text)} if _LINE_END_HYPHEN.search(text) else set()
    assert hyphenated_words(text) == expected
