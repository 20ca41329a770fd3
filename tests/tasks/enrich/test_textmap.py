from tasks.enrich.textmap import clean_text


def test_mid_sentence_paragraph_break_is_joined_and_offsets_map_back():
    body = (
        "  “I order the Defense Minister to proceed to withdraw Russian forces back to their points,”"
        " Putin was cited by the state-run RIA\n\nNovosti news agency as saying.\n\nNext one."
    )
    clean = clean_text(body)
    assert "RIA Novosti" in clean.text
    assert "saying.\n\nNext" in clean.text
    start = clean.text.index("RIA Novosti")
    s, e = clean.to_body(start, start + len("RIA Novosti"))
    assert body[s:e] == "RIA\n\nNovosti"
    s, e = clean.to_body(clean.text.index("Next"), clean.text.index("Next") + 4)
    assert body[s:e] == "Next"


def test_heading_keeps_its_break_and_wrapped_lines_join():
    clean = clean_text("A Short Heading\n\nThe body was\nwrapped at forty columns.")
    assert clean.text == "A Short Heading\n\nThe body was wrapped at forty columns."


def test_empty_body():
    clean = clean_text("")
    assert clean.text == ""
    assert clean.to_body(0, 0) == (0, 0)
