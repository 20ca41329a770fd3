"""The item lifecycle as pure transitions: discover, backoff, give up, feed text as fallback."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tasks.normalize.documents import parse_document
from tasks.sources import items as lc

NOW = datetime(2026, 1, 1, tzinfo=UTC)
POLICY = lc.ItemPolicy(max_attempts=3, retry_base=60)


def _found(n: int, text: str | None = "The council met on Monday to vote on the budget.") -> lc.Found:
    return lc.Found(url=f"https://news.example/a/{n}", title=f"Story {n}", text=text)


def test_discover_adds_only_unknown_items_as_pending() -> None:
    rows = lc.discover("s", {}, [_found(1), _found(2), _found(1)], NOW)
    assert [(r["item_key"], r["state"]) for r in rows] == [("https://news.example/a/1", "pending"), ("https://news.example/a/2", "pending")]
    known = {r["item_key"]: lc.fetched(r, "d", NOW) for r in rows}
    assert lc.discover("s", known, [_found(1), _found(3)], NOW)[0]["item_key"] == "https://news.example/a/3"


def test_guid_is_the_key_when_there_is_one() -> None:
    [row] = lc.discover("s", {}, [lc.Found(url="https://x.example/a?utm_source=rss", key="guid-1")], NOW)
    assert row["item_key"] == "guid-1"


def test_transient_failures_back_off_exponentially_then_give_up() -> None:
    [row] = lc.discover("s", {}, [_found(1)], NOW)
    assert lc.is_due(row, NOW)
    row, gave_up = lc.failed(row, "http-500", "GET …", NOW, POLICY)
    assert (row["state"], row["attempts"], row["next_try_at"], gave_up) == ("failed", 1, NOW + timedelta(seconds=60), False)
    assert not lc.is_due(row, NOW + timedelta(seconds=59)) and lc.is_due(row, NOW + timedelta(seconds=60))
    row, gave_up = lc.failed(row, "timeout", "…", NOW, POLICY)
    assert row["next_try_at"] == NOW + timedelta(seconds=120) and not gave_up
    row, gave_up = lc.failed(row, "timeout", "…", NOW, POLICY)
    assert gave_up and row["next_try_at"] is None


def test_permanent_failure_and_age_give_up_at_once() -> None:
    [row] = lc.discover("s", {}, [_found(1)], NOW)
    assert lc.failed(row, "robots-disallowed", "…", NOW, POLICY)[1]
    assert lc.failed(row, "timeout", "…", NOW + timedelta(days=4), POLICY)[1]


def test_feed_item_document_reads_as_a_partial_feed_item_article() -> None:
    [row] = lc.discover("s", {}, [_found(7)], NOW)
    doc = lc.feed_item_document(row, "s", NOW)
    assert doc.uri == "https://news.example/a/7" and json.loads(doc.content)["@type"] == lc.FEED_ITEM_MARK
    [article] = parse_document(doc.content, doc.uri)
    assert article.format == "feed-item" and article.extra["partial"]
    assert article.title == "Story 7" and article.body == "The council met on Monday to vote on the budget."
    assert article.canonical_url == "https://news.example/a/7"
    # the bytes do not depend on why the page failed: the same text is one document
    assert lc.feed_item_document({**row, "reason": "http-404"}, "s", NOW).content == doc.content


def test_feed_words_and_html_to_text() -> None:
    assert lc.html_to_text("<p>One &amp; two</p><p>three</p>") == "One & two\n\nthree"
    assert lc.feed_words({"title": "A", "feed_text": None}) == 1
