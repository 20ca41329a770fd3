"""Dates as the publisher wrote them: published_at in UTC, beside it the local time, its offset and
the raw text, for articles read from pages, text and mail."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tasks.ingest import documents_table
from tasks.normalize.dates import written_date
from tasks.normalize.documents import normalize_serial
from tasks.records import RawDocument

BODY = "".join(
    f"<p>Paragraph {n} of the council report says the harbour wall will be repaired before the winter storms arrive.</p>"
    for n in range(4)
)


@pytest.mark.parametrize(
    ("raw", "value", "expected"),
    [
        ("2017-12-11T10:05:00+03:00", datetime(2017, 12, 11, 10, 5, tzinfo=timezone(timedelta(hours=3))),
         ("2017-12-11T10:05:00+03:00", 180)),
        ("2017-12-11T10:05:00Z", datetime(2017, 12, 11, 10, 5, tzinfo=timezone.utc), ("2017-12-11T10:05:00+00:00", 0)),
        # a parser that defaults a zoneless date to UTC: the raw text says no zone was named
        ("2017-12-11 10:05", datetime(2017, 12, 11, 10, 5, tzinfo=timezone.utc), ("2017-12-11T10:05:00", None)),
        ("2017-12-11T10:05:00", datetime(2017, 12, 11, 10, 5), ("2017-12-11T10:05:00", None)),
        ("December 11, 2017", datetime(2017, 12, 11, tzinfo=timezone.utc), ("2017-12-11", None)),
        ("Mon, 11 Dec 2017 23:30:00 GMT", datetime(2017, 12, 11, 23, 30, tzinfo=timezone.utc), ("2017-12-11T23:30:00+00:00", 0)),
        ("D:20171211093000+05'30'", datetime(2017, 12, 11, 9, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
         ("2017-12-11T09:30:00+05:30", 330)),
        (None, None, (None, None)),
    ],
)
def test_written_date(raw, value, expected):
    assert written_date(raw, value) == expected


def _page(head: str, top: str = "") -> bytes:
    return (f"<html lang='en'><head><title>Harbour wall to be repaired</title>{head}</head>"
            f"<body><article><h1>Harbour wall to be repaired</h1>{top}{BODY}</article></body></html>").encode()


def _rows(files: dict[str, bytes]) -> dict[str, dict]:
    docs = [RawDocument(source="t", uri=uri, content=content) for uri, content in files.items()]
    result = normalize_serial(documents_table(docs, "L"), "L", fingerprints=False)
    assert not result.rejects, result.rejects
    return {row["uri"]: row for row in result.articles.to_pylist()}


def test_articles_keep_the_publishers_local_time_and_the_raw_text():
    rows = _rows({
        "moscow.html": _page('<meta property="article:published_time" content="2017-12-11T01:05:00+03:00">'),
        "newyork.html": _page('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Harbour wall to be repaired",'
                              ' "datePublished": "2017-12-11T23:30:00-05:00"}</script>'),
        "nozone.html": _page("", top='<p><time datetime="2017-12-11T10:05">11 Dec 2017</time></p>'),
        "plain.txt": ("Harbour wall to be repaired\n\nDecember 11, 2017\n\n" + BODY.replace("<p>", "").replace("</p>", "\n\n")).encode(),
    })
    moscow, newyork, nozone, plain = rows["moscow.html"], rows["newyork.html"], rows["nozone.html"], rows["plain.txt"]
    # the UTC day and the publisher's day differ: the local time keeps the publisher's
    assert moscow["published_at"] == datetime(2017, 12, 10, 22, 5, tzinfo=timezone.utc)
    assert (moscow["published_local"], moscow["published_offset_minutes"], moscow["published_raw"]) == (
        "2017-12-11T01:05:00+03:00", 180, "2017-12-11T01:05:00+03:00")
    assert newyork["published_at"] == datetime(2017, 12, 12, 4, 30, tzinfo=timezone.utc)
    assert (newyork["published_local"], newyork["published_offset_minutes"]) == ("2017-12-11T23:30:00-05:00", -300)
    # no zone named: the wall time as written, no offset; stored as if UTC
    assert (nozone["published_local"], nozone["published_offset_minutes"], nozone["published_raw"]) == (
        "2017-12-11T10:05:00", None, "2017-12-11T10:05")
    assert nozone["published_at"] == datetime(2017, 12, 11, 10, 5, tzinfo=timezone.utc)
    assert (plain["published_local"], plain["published_offset_minutes"], plain["published_raw"]) == (
        "2017-12-11", None, "December 11, 2017")


def test_mail_keeps_the_senders_zone():
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Harbour Post <news@harbour.example>"
    message["Subject"] = "Harbour wall to be repaired"
    message["Date"] = "Mon, 11 Dec 2017 23:30:00 -0500"
    message.set_content(BODY.replace("<p>", "").replace("</p>", "\n\n"))
    row = _rows({"letter.eml": message.as_bytes()})["letter.eml"]
    assert row["published_at"] == datetime(2017, 12, 12, 4, 30, tzinfo=timezone.utc)
    assert (row["published_local"], row["published_offset_minutes"], row["published_raw"]) == (
        "2017-12-11T23:30:00-05:00", -300, "Mon, 11 Dec 2017 23:30:00 -0500")


def _parsed(head: str, top: str = "", uri: str = "https://news.example/a?id=7", aside: str = ""):
    from tasks.normalize.html import parse_html

    page = (f"<html lang='en'><head><title>Harbour wall to be repaired</title>{head}</head><body>{aside}"
            f"<article><h1>Harbour wall to be repaired</h1>{top}{BODY}</article></body></html>")
    article = parse_html(page, uri)
    return article, written_date(article.published_raw, article.published_at, article.published_day)


def test_time_elements_of_other_stories_are_skipped():
    others = ('<aside><time datetime="2015-07-21T08:00:00+02:00">21.7.2015</time></aside>'
              '<ul class="more"><li><a href="/b"><time datetime="2016-01-02">Jan 2</time> Other story</a></li></ul>'
              '<div class="related-posts"><time datetime="2017-03-04">4.3.2017</time></div>')
    article, (local, offset) = _parsed("", top='<p class="byline"><time datetime="2019-10-22T09:15:00+02:00">22.10.2019</time></p>',
                                       aside=others)
    assert (local, offset) == ("2019-10-22T09:15:00+02:00", 120)


def test_a_time_written_in_utc_takes_the_zone_the_page_writes_it_in():
    # the same instant as a wall time without zone: five hours behind UTC
    article, (local, offset) = _parsed('<meta property="article:published_time" content="2023-11-09T03:28:35+00:00">'
                                       '<meta name="sailthru.date" content="2023-11-08 22:28:35">')
    assert article.published_at.astimezone(timezone.utc) == datetime(2023, 11, 9, 3, 28, 35, tzinfo=timezone.utc)
    assert (local, offset, article.published_raw) == ("2023-11-08T22:28:35-05:00", -300, "2023-11-08 22:28:35")


def test_a_time_written_in_utc_takes_the_day_its_canonical_url_gives():
    head = ('<link rel="canonical" href="https://news.example/2020/02/17/harbour-wall/">'
            '<meta property="article:published_time" content="2020-02-18T02:18:11Z">')
    article, (local, offset) = _parsed(head)
    assert (local, offset, article.published_raw) == ("2020-02-17", None, "2020-02-18T02:18:11Z")
    assert article.published_at == datetime(2020, 2, 18, 2, 18, 11, tzinfo=timezone.utc)  # the instant is kept
    # ten hours or more from midnight: no common zone puts it on the URL's day
    article, (local, _) = _parsed(head.replace("02:18:11Z", "10:04:00Z"))
    assert local == "2020-02-18T10:04:00+00:00"


def test_htmldate_is_given_the_url_find_published_gets():
    from trafilatura.utils import load_html

    from tasks.normalize.html_dates import find_published

    page = f"<html><head><title>Harbour wall</title></head><body><article><h1>Harbour wall</h1>{BODY}</article></body></html>"
    assert find_published(load_html(page), {}, {}, "https://news.example/story?id=7", page=page) is None
    value, raw, day = find_published(load_html(page), {}, {}, "https://news.example/2021/03/04/harbour-wall.html", page=page)
    assert (value, raw, day) == (datetime(2021, 3, 4), "2021-03-04", None)
