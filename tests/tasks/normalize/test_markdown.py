from tasks.normalize.markdown import parse_markdown


def test_seed_markdown_fields(seeds):
    article = parse_markdown(next(seeds.glob("000_*.txt")).read_text())
    assert article.title == "Putin Orders Russian Military to Withdraw During Surprise Syria Visit"
    assert article.published_at.date().isoformat() == "2017-12-11"
    assert article.canonical_url == (
        "https://themoscowtimes.com/2017/12/11/putin-orders-russian-military-to-withdraw-during-surprise-syria-visit-a59895"
    )
    assert article.extra["captions"] == ["Bashar Assad and Vladimir Putin / Kremlin Press Service"]
    assert article.extra["related_titles"] == ["Russia's Defense Ministry Says Syria '100% Free of Islamic State'"]
    for junk in ("**", "](#)", "Original url", "Related article", "Kremlin Press Service"):
        assert junk not in article.body
    assert "state-run RIA Novosti news agency" in article.body
    assert article.body.startswith("President Vladimir Putin ordered")
    assert article.body.endswith("The Islamic State is a terrorist group banned in Russia.")


def test_links_and_emphasis():
    text = "# T\n\nSee *this* [report](https://example.com/r?utm_source=x) and **that**.\n\n## Section\n\nMore text here."
    article = parse_markdown(text)
    assert article.body == "See this report and that.\n\nSection\n\nMore text here."
    assert [(link.url, link.text, link.kind) for link in article.links] == [("https://example.com/r?utm_source=x", "report", "inline")]


def test_image_alt_is_a_caption_not_body():
    article = parse_markdown("# T\n\n![Troops at the base](img.jpg)\n\nBody sentence one. Body sentence two.")
    assert article.extra["captions"] == ["Troops at the base"]
    assert "Troops" not in article.body
