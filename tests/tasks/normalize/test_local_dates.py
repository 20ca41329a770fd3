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
