"""Property tests: random text, bytes, markdown and HTML through every normalizer and the dedup
fingerprints. Only RejectError may escape; every document gives an article or a reject; folding
and URL normalization are idempotent; re-parsing a plain-text body gives the same body.

The number of cases run is printed at the end of the module ("fuzz cases run: N").
"""

from __future__ import annotations

import ipaddress
import json
from collections import Counter
from datetime import datetime, timezone

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tasks.dedup.fingerprint import BANDS, NUM_PERM, fingerprint_bodies
from tasks.dedup.fold import body_hash, fold_text, tokens
from tasks.normalize.documents import article_row, parse_document, storable
from tasks.normalize.decode import decode_text
from tasks.normalize.detect import detect_format
from tasks.normalize.html import parse_html
from tasks.normalize.jsonrecords import parse_record
from tasks.normalize.markdown import parse_markdown
from tasks.normalize.plaintext import parse_plaintext
from tasks.normalize.urls import normalize_url
from tasks.records import ParsedArticle, RejectError
from warehouse.schemas import ARTICLES, LINKS

CASES: Counter[str] = Counter()
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # trafilatura: ~20 ms a page
DOC = {"document_id": "0" * 64, "source": "fuzz", "uri": "fuzz://doc", "fetched_at": datetime(2025, 1, 1, tzinfo=timezone.utc)}


@pytest.fixture(scope="module", autouse=True)
def _report_cases(request):
    yield
    line = f"fuzz cases run: {sum(CASES.values())} ({', '.join(f'{k} {v}' for k, v in sorted(CASES.items()))})"
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():  # shown even when pytest captures output
        print(f"\n{line}")


# --- strategies ---------------------------------------------------------------------------------

WORDS = st.sampled_from(
    "the council budget minister said on Tuesday that storm river bridge state-run agency with- drawal "
    "Moscow Kyiv café naïve ﬁnal ２０１７ 2017 11.12.2017 December 11, 2017 By Jane Roe Related article: "
    "Original url: Source: Page 3 MOSCOW — (AP) — U.S. “quoted” ‘single’ — – … e\u0301 \u00ad \u200b".split(" ")
)
PUNCT = st.sampled_from([".", ",", "!", "?", ":", ";", "", "", "", "-"])
URLS = st.sampled_from([
    "https://www.example.com/a/b?utm_source=x&id=3#frag", "http://news.example.org/", "https://x.y/z",
    "http://[::1]/", "https://例え.jp/パス", "https://a.b:8080/p/", "https://a..b/", "http://%41.com", "www.example.com",
    "https://user:pw@host.example/x", "https://host.example/%zz", "#", "",
])
SEPARATORS = st.sampled_from([" ", " ", " ", "\n", "\n\n", "\n\n", "-\n", "\r\n", "\f", "\t", "  "])


@st.composite
def prose(draw, min_words: int = 0, max_words: int = 80) -> str:
    parts = []
    for _ in range(draw(st.integers(min_words, max_words))):
        parts.append(draw(WORDS) + draw(PUNCT) + draw(SEPARATORS))
    return "".join(parts)


MD_PIECES = st.one_of(
    WORDS,
    SEPARATORS,
    st.sampled_from(["# ", "## ", "###### ", "**", "__", "*", "_", "`", "> ", "- ", "* ", "1. ", "![", "[", "]", "(", ")",
                     "](#)", "](", "<", ">", "\\", "---", "| a | b |", "**Related article:** ", "\n# Title\n\n"]),
    URLS,
)
HTML_PIECES = st.one_of(
    WORDS,
    SEPARATORS,
    st.sampled_from([
        "<html>", "</html>", "<head>", "</head>", "<body>", "</body>", "<p>", "</p>", "<div class='related'>", "</div>",
        "<article>", "</article>", "<h1>", "</h1>", "<title>", "</title>", "<script>", "</script>", "<style>", "<br>",
        "<a href='", "'>", "</a>", "<meta property='og:title' content='", "<meta name='author' content='", "' />",
        "<link rel='canonical' href='", "<time datetime='2017-12-11T10:00:00+03:00'>", "</time>", "<!--", "-->",
        "<![CDATA[", "]]>", "&amp;", "&#0;", "&#xD800;", "&nbsp;", "<html lang='", "<!DOCTYPE html>", "<?xml version='1.0'?>",
        "<script type='application/ld+json'>", '{"@type":"NewsArticle","headline":', '"datePublished":', '"author":',
        "[", "]", "{", "}", '"', ",", "<figcaption>", "<table><tr><td>", "\x00", "\x0b",
    ]),
    URLS,
)
markdownish = st.lists(MD_PIECES, max_size=120).map("".join)
htmlish = st.lists(HTML_PIECES, max_size=150).map("".join)
# st.text() never draws surrogates; JSON can still hold them as "\ud800" escapes, so draw some.
SURROGATE_TEXT = st.text(st.characters(codec=None, categories=["Cs", "Ll", "Zs"]), max_size=20)
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30), prose(max_words=10), SURROGATE_TEXT)
json_values = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)
FIELDS = st.sampled_from(["body", "text", "content", "articleBody", "title", "headline", "name", "url", "canonical_url", "link",
                          "published_at", "date", "pubDate", "authors", "author", "byline", "language", "lang", "other"])
OPTIONAL_FIELDS = ["title", "headline", "url", "canonical_url", "published_at", "date", "authors", "author", "language", "other"]
records = st.one_of(
    st.fixed_dictionaries({"body": prose(min_words=3, max_words=30)}, optional={name: SURROGATE_TEXT | prose(max_words=8) | URLS | json_values for name in OPTIONAL_FIELDS}),
    st.dictionaries(FIELDS, json_values | URLS | prose(max_words=30), max_size=8),
    json_values,
)
any_text = st.one_of(st.text(), prose(), markdownish, htmlish)


# --- properties ---------------------------------------------------------------------------------


def check_outcome(items: list) -> None:
    """Every item an article (with a row the batch can build) or a reject with a reason."""
    assert items, "a document gave neither an article nor a reject"
    for index, item in enumerate(items):
        if isinstance(item, RejectError):
            assert item.reason
            continue
        assert isinstance(item, ParsedArticle) and item.body.strip()
        row = article_row(storable(item), DOC, f"a{index}", "load")  # storable: as parse_document does for JSON
        assert body_hash(row["body"]) and row["word_count"] >= 0  # normalize_serial sets body_hash batch-wide
        # the batch's edge: the row and its links must become Arrow rows of the warehouse schema
        pa.Table.from_pylist([row], schema=ARTICLES.schema)
        links = [{"article_id": row["article_id"], "url": ln.url, "text": ln.text, "kind": ln.kind, "load_id": "load"} for ln in storable(item.links)]
        pa.Table.from_pylist(links, schema=LINKS.schema)


def outcome(fn, *args) -> list:
    try:
        result = fn(*args)
    except RejectError as exc:
        return [exc]
    return result if isinstance(result, list) else [result]


@FAST
@given(st.one_of(st.binary(max_size=3000), any_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
                 any_text.map(lambda t: t.encode("utf-16")), any_text.map(lambda t: t.encode("cp1252", "replace")),
                 st.lists(records, max_size=4).map(lambda rs: "\n".join(json.dumps(r) for r in rs).encode()),
                 st.lists(records, max_size=4).map(lambda rs: json.dumps(rs).encode()),
                 st.builds(lambda n, o, c, tail: (o * n + c * n).encode() + tail, st.integers(0, 3000),
                           st.sampled_from(["[", '{"a":']), st.sampled_from(["]", "}"]), st.sampled_from([b"", b"\n{}", b"]"]))))
@example(b"[]")  # a JSON array with no records gave neither an article nor a reject
@example(b'{"title": "T\\ud800", "body": "a lone surrogate escape in a record failed the whole batch"}')
@example(b'<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": "H\\udc00"}</script></head>'
         b"<body><article><p>" + b"Body text long enough to be the article, and it goes on. " * 4 + b"</p></article></body></html>")
@example(b"[" * 5000 + b"]" * 5000)  # nested past the recursion limit: RecursionError, not a reject
@example(b'{"a": 1}\n{"b": ' + b"[" * 5000 + b"]" * 5000 + b"}")
@example(b'<?xml version="1.0"?><rss version="2.0"><channel><title>feed</title></channel></rss>')
def test_parse_document_gives_articles_or_rejects(content: bytes) -> None:
    CASES["parse_document"] += 1
    check_outcome(outcome(parse_document, content, "https://fuzz.example/doc"))


@FAST
@given(st.binary(max_size=5000))
def test_decode_text_returns_text_or_rejects(content: bytes) -> None:
    CASES["decode_text"] += 1
    try:
        text = decode_text(content)
    except RejectError as exc:
        assert exc.reason in {"empty-file", "binary", "undecodable"}
        return
    assert isinstance(text, str) and "\r" not in text
    assert detect_format(text) in {"html", "json", "jsonl", "markdown", "plaintext", "xml", "newsml-g2", "email", "mbox"}


@FAST
@given(st.one_of(st.text(), prose(), markdownish))
def test_plaintext_and_markdown_never_crash(text: str) -> None:
    CASES["parse_plaintext+parse_markdown"] += 1
    check_outcome(outcome(parse_plaintext, text))
    check_outcome(outcome(parse_markdown, text))


@SLOW
@given(st.one_of(htmlish, st.text(max_size=500)))
def test_parse_html_never_crashes(text: str) -> None:
    CASES["parse_html"] += 1
    check_outcome(outcome(parse_html, text, "https://fuzz.example/page"))


@FAST
@given(records)
def test_parse_record_article_or_reject(record: object) -> None:
    CASES["parse_record"] += 1
    check_outcome(outcome(parse_record, record))


@FAST
@given(any_text)
def test_fold_text_is_idempotent(text: str) -> None:
    CASES["fold_text"] += 1
    once = fold_text(text)
    assert fold_text(once) == once
    assert tokens(once) == tokens(text) and body_hash(once) == body_hash(text)


@FAST
@given(st.one_of(URLS, st.text(max_size=60), st.builds(lambda a, b, c: f"https://{a}.com/{b}?{c}", st.text(max_size=10), st.text(max_size=10), st.text(max_size=10))))
@example("HTTP://.::")  # a port that is not a number once courlan has cleaned the URL (raised ValueError)
def test_normalize_url_is_idempotent(url: str) -> None:
    CASES["normalize_url"] += 1
    once = normalize_url(url)
    if once is not None:
        assert normalize_url(once) == once


@FAST
@given(st.lists(any_text, max_size=5))
def test_fingerprints_have_fixed_shapes(bodies: list[str]) -> None:
    CASES["fingerprint_bodies"] += 1
    hashes, counts, minhash, bands = fingerprint_bodies(bodies)
    assert len(hashes) == len(bodies) and counts.shape == (len(bodies),)
    assert minhash.shape == (len(bodies), NUM_PERM) and minhash.dtype == np.uint32
    assert bands.shape == (len(bodies), BANDS) and bands.dtype == np.uint64
    assert hashes == [body_hash(b) for b in bodies]


# Prose without metadata-looking lines. Date lines, bylines, datelines, "Related:" and "Source:"
# lines are read by position (the first paragraphs, the last ones, the first date only), and a
# body is a shorter text than its document: one more parse can find the next such line in its
# window. That is the heuristic's nature, not a defect, so those words are left out here. So are
# all-capital words: "U.S.- the ..." is a dateline ("PARIS —") once a title is read before it.
PROSE_WORDS = st.sampled_from(
    "the council budget minister said on Tuesday that storm river bridge state-run agency with- drawal "
    "Moscow Kyiv café naïve ﬁnal 2017 “quoted” ‘single’ — – … e\u0301".split(" ")
)


@st.composite
def plain_prose(draw) -> str:
    parts = [draw(PROSE_WORDS) + draw(PUNCT) + draw(SEPARATORS) for _ in range(draw(st.integers(5, 80)))]
    return "".join(parts)


@FAST
@given(plain_prose())
@example("the. the.\nthe!\n\n" + "the. " * 30 + "\n\nthe. ")  # "the. the. the!" unwrapped reads as a title
def test_plaintext_body_reparses_to_itself(text: str) -> None:
    CASES["plaintext-reparse"] += 1
    try:
        article = parse_plaintext(text)
    except RejectError:
        return
    if len(article.body.split()) < 5:
        return
    again = parse_plaintext(article.body)
    # A wrapped first line is never a title, but unwrapped it may look like one: the reparse can
    # read the body's first paragraph as its title. Text is neither changed nor lost.
    assert "\n\n".join(p for p in (again.title, again.body) if p) == article.body


# --- the SSRF guard's pure part (tests/tasks/sources/test_netguard.py has the fetch-level tests) --


@FAST
@given(st.ip_addresses(), st.booleans())
@example(ipaddress.IPv6Address("::2"), False)  # global to Python, yet reserved: refused
@example(ipaddress.IPv4Address("169.254.169.254"), True)
def test_address_guard_lets_through_only_global_addresses(ip, allow_private: bool) -> None:
    CASES["blocked_reason"] += 1
    from tasks.sources.netguard import METADATA_ADDRESSES, blocked_reason

    reason = blocked_reason(ip, allow_private=allow_private)
    target = ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped else ip
    if target in METADATA_ADDRESSES:
        assert reason == "cloud-metadata"  # whatever the caller allows
    elif not allow_private:
        # only global addresses pass (and not all: ::2 is "global" to Python but reserved, so refused)
        labels = ("loopback", "private", "link_local", "multicast", "reserved", "unspecified")
        assert reason is not None or (target.is_global and not any(getattr(target, f"is_{x}") for x in labels))
        assert reason is not None or target.is_global
    if ip.version == 4:
        mapped = ipaddress.IPv6Address(f"::ffff:{ip}")
        assert blocked_reason(mapped, allow_private=allow_private) == reason  # ::ffff:127.0.0.1 is 127.0.0.1
