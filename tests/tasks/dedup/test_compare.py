"""How a copy differs from the canonical text: paragraphs added, lacking, changed word by word."""

from tasks.dedup.compare import ParagraphChange, compare_bodies, render_changes, word_diff

CANONICAL = (
    "Russia will withdraw a significant part of its troops from Syria, President Vladimir Putin said on Monday.\n\n"
    "The announcement came during a surprise visit to the Khmeimim airbase in Latakia province.\n\n"
    "Officials said 23 aircraft would return home within days.\n\n"
    "Analysts doubted that the withdrawal would change the balance of forces on the ground."
)


def test_the_same_text_in_other_typography_and_wrapping_has_no_changes():
    copy = CANONICAL.replace("Monday.", "Monday .").replace(" in Latakia", "\nin LATAKIA").replace("'", "’")
    assert compare_bodies(CANONICAL, copy) == []


def test_a_wire_copy_with_a_dateline_a_correction_and_a_cut_ending():
    paragraphs = CANONICAL.split("\n\n")
    wire = "\n\n".join([
        "MOSCOW (Reuters) -",
        paragraphs[0],
        paragraphs[1],
        paragraphs[2].replace("23 aircraft", "25 aircraft"),
    ])
    changes = compare_bodies(CANONICAL, wire)
    assert changes == [
        ParagraphChange("adds", "MOSCOW (Reuters) -", 1),
        ParagraphChange("changed", "Officials said [-23-] {+25+} aircraft would return home within days.", 4),
        ParagraphChange("lacks", paragraphs[3], 4),
    ]
    assert render_changes(changes)[1] == "~ ¶4 Officials said [-23-] {+25+} aircraft would return home within days."


def test_long_unchanged_runs_are_cut():
    old = " ".join(f"w{n}" for n in range(30))
    new = old.replace("w15", "CHANGED")
    assert word_diff(old, new) == "… w9 w10 w11 w12 w13 w14 [-w15-] {+CHANGED+} w16 w17 w18 w19 w20 w21 …"
