from tasks.normalize.plaintext import parse_plaintext


def test_seed_plaintext_unwrapped_and_urls_removed(seeds):
    article = parse_plaintext(next(seeds.glob("001_*.txt")).read_text())
    assert "state-run RIA Novosti news agency as saying" in article.body
    assert "http" not in article.body
    assert "Related article" not in article.body
    assert "\n" not in article.body.split("\n\n")[0]  # hard wraps undone
    kinds = {link.url: link.kind for link in article.links}
    assert kinds == {
        "https://themoscowtimes.com/news/syria-100-percent-free-from-islamic-state-says-russias-defense-ministry-59846": "related",
        "https://www.themoscowtimes.com/2025/10/24/syria-100-percent-free-from-islamic-state-says-russias-defense-ministry": "related",
        "https://ria.ru/syria/20171211/1510638374.html": "source",
    }
    assert article.title is None and article.published_at is None


def test_hyphenation_across_lines_undone_but_real_hyphens_kept():
    text = (
        "Putin ordered the with-\ndrawal of troops, the state-\nrun agency said. The state-run agency\n"
        "repeated it and the long text goes on for a while longer here."
    )
    article = parse_plaintext(text)
    assert "withdrawal" in article.body
    assert "state-run agency said" in article.body


def test_page_numbers_and_repeated_headers_removed():
    page = "THE DAILY PLANET\n\n{body}\n\nPage {n}\n\f"
    text = "".join(page.format(body=f"Paragraph {n} of the story has words in it and ends here.", n=n) for n in range(1, 5))
    article = parse_plaintext(text)
    assert "DAILY PLANET" not in article.body
    assert "Page" not in article.body
    assert article.body.count("Paragraph") == 4


def test_header_lines_become_metadata():
    text = (
        "Troops Leave Syria After Seven Years\n\n11.12.2017\n\nBy Jane Roe and John Doe\n\n"
        "MOSCOW (Reuters) — Russia began withdrawing troops on Monday, officials said.\n\n"
        "The second paragraph follows.\n\nSource: https://example.com/news/troops-leave"
    )
    article = parse_plaintext(text)
    assert article.title == "Troops Leave Syria After Seven Years"
    assert article.published_at.isoformat().startswith("2017-12-11")
    assert list(article.authors) == ["Jane Roe", "John Doe"]
    assert article.extra["dateline"] == "MOSCOW (Reuters)"
    assert article.body.startswith("Russia began withdrawing")
    assert article.canonical_url == "https://example.com/news/troops-leave"
