"""E-mail renditions: .eml messages and .mbox mailboxes; newsletters split into their stories."""

from __future__ import annotations

from datetime import datetime, timezone

from tasks.normalize import mail
from tasks.normalize.detect import detect_format
from tasks.normalize.documents import parse_document
from tasks.records import RejectError
from tests.tasks.normalize.golden import assert_golden
from tests.tasks.normalize.renderings import other_story, render_eml, seed_story
from tests.tasks.normalize.story_join import seed_story_id, stories_of

PLAIN = (
    "From: Port Desk <desk@harbour.example>\nTo: list@harbour.example\nSubject: Ferry terminal delayed again\n"
    "Date: Thu, 4 Mar 2021 10:00:00 +0100\nMessage-ID: <1@harbour.example>\n\n"
    "The new ferry terminal will open a year late, the port authority said on\nMonday. It blamed rising steel "
    "prices and a shortage of welders.\n\nThe harbour council will discuss the delay at its next meeting.\n"
)


def mbox(*messages: str) -> bytes:
    return "".join(f"From sender@x.example Mon Dec 11 09:30:00 2017\n{m}\n" for m in messages).encode()


def test_seed_newsletter_golden():
    data = render_eml([seed_story(), other_story()])
    assert detect_format(data.decode()) == "email"
    articles = parse_document(data, "briefing.eml")
    assert [a.format for a in articles] == ["email", "email"]
    assert_golden("seed_newsletter", articles)


def test_newsletter_split_into_its_stories():
    seed, other = seed_story(), other_story()
    first, second = parse_document(render_eml([seed, other]), "briefing.eml")
    assert (first.title, second.title) == (seed["title"], other["title"])  # each story's heading
    assert first.body == "\n\n".join(seed["paragraphs"])  # no masthead, footer or "Read more"
    assert first.canonical_url == seed["url"] and second.canonical_url == other["url"]
    assert first.published_at == second.published_at == seed["date"]  # the Date header
    assert first.site_name == "The Moscow Times"
    assert first.extra["sender"] == "The Moscow Times <newsletter@themoscowtimes.com>"


def test_unmarked_html_is_one_article_titled_by_the_subject():
    html = "<html><body><h1>Weekly letter</h1>" + "".join(f"<p>{p}</p>" for p in seed_story()["paragraphs"]) + "</body></html>"
    [article] = parse_document(render_eml([], subject="Putin orders withdrawal", html=html, date=seed_story()["date"]), "one.eml")
    assert article.title == "Putin orders withdrawal" and "Khmeimim airbase" in article.body


def test_text_only_message_goes_through_the_text_normalizer():
    [article] = parse_document(PLAIN.encode(), "plain.eml")
    assert article.format == "email" and article.title == "Ferry terminal delayed again"
    assert article.published_at == datetime(2021, 3, 4, 9, 0, tzinfo=timezone.utc)
    assert article.body.startswith("The new ferry terminal will open a year late, the port authority said on Monday.")
    assert article.site_name == "Port Desk"


def test_mbox_gives_each_message_and_one_reject_per_reason():
    short = "From: a@x.example\nSubject: hi\nDate: Mon, 11 Dec 2017 09:30:00 +0000\n\nsee you\n"
    data = mbox(PLAIN, short, PLAIN.replace("Ferry terminal delayed again", "Terminal: the council answers")
                .replace("\nMonday.", "\nMonday.\n>From the harbour, the view is different."), short)
    assert detect_format(data.decode()) == "mbox"
    first, second, rejected = parse_document(data, "list.mbox")
    assert first.title == "Ferry terminal delayed again" and second.title == "Terminal: the council answers"
    assert "From the harbour" in second.body  # mboxrd quoting undone
    assert isinstance(rejected, RejectError) and rejected.reason == "no-article-text"
    assert rejected.detail.startswith("2 messages (2, 4): ")


def test_mailbox_past_the_limit_is_read_up_to_it(monkeypatch):
    monkeypatch.setattr(mail, "MAX_MESSAGES", 2)
    *articles, rejected = parse_document(mbox(PLAIN, PLAIN, PLAIN, PLAIN, PLAIN), "big.mbox")
    assert len(articles) == 2
    assert rejected.reason == "too-many-messages" and rejected.detail.startswith("5 messages: the first 2 were read, 3 were not")


def test_only_mail_headers_make_mail():
    assert detect_format("Date: 11.12.2017\nTitle: Troops leave\n\nRussia began withdrawing troops.") == "plaintext"
    assert detect_format("From: the desk\nSubject: x\n\nno date or id") == "plaintext"
    assert detect_format(PLAIN) == "email"


def test_undecodable_header_bytes_are_stored_as_replacement_characters():
    data = PLAIN.encode().replace(b"Subject: Ferry terminal delayed again", b"Subject: Caf\xe9 \xff closed")
    data = data.replace(b"The new ferry", b"The new caf\xc3\xa9 and ferry")
    [article] = parse_document(data, "bytes.eml")
    assert "\ufffd" in article.extra["subject"] and not any(0xD800 <= ord(c) <= 0xDFFF for c in article.extra["subject"])


def test_seed_newsletter_joins_the_seeds_story_and_the_other_story_does_not():
    stories = stories_of({"briefing.eml": render_eml([seed_story(), other_story()])})
    seeds = seed_story_id(stories)
    assert stories[("briefing.eml", seed_story()["title"])] == seeds
    assert stories[("briefing.eml", other_story()["title"])] != seeds
