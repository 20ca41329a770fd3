"""Builders for test feeds and a local "news site" whose pages honour conditional GET."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from html import escape

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

LONG_TEXT = " ".join(["The council voted on the new budget after a long debate."] * 15)


@dataclass(frozen=True)
class Entry:
    slug: str
    title: str
    full: bool = False  # carries the whole article in the feed


def article_html(title: str) -> bytes:
    return (
        f"<html><head><title>{escape(title)}</title></head>"
        f"<body><article><h1>{escape(title)}</h1><p>{LONG_TEXT}</p></article></body></html>"
    ).encode()


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:12] + '"'


def serve_conditional(server: HTTPServer, path: str, body: bytes, content_type: str) -> None:
    """Serve `body` at `path` with an ETag; answer 304 to a matching If-None-Match."""
    etag = _etag(body)

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type=content_type, headers={"ETag": etag})

    server.expect_request(path).respond_with_handler(handler)


def serve_site(server: HTTPServer, entries: list[Entry]) -> None:
    for e in entries:
        serve_conditional(server, f"/articles/{e.slug}", article_html(e.title), "text/html")


def rss(server: HTTPServer, entries: list[Entry]) -> tuple[bytes, str]:
    items = []
    for e in entries:
        link = server.url_for(f"/articles/{e.slug}")
        full = f"<content:encoded><![CDATA[<p>{LONG_TEXT}</p>]]></content:encoded>" if e.full else ""
        items.append(
            f"<item><title>{escape(e.title)}</title><link>{link}</link>"
            f"<guid>{link}</guid><pubDate>Mon, 03 Mar 2025 10:00:00 GMT</pubDate>"
            f"<description>Short teaser.</description>{full}</item>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>Local news</title><link>{server.url_for('/')}</link>"
        + "".join(items)
        + "</channel></rss>"
    )
    return body.encode(), "application/rss+xml"


def atom(server: HTTPServer, entries: list[Entry]) -> tuple[bytes, str]:
    items = []
    for e in entries:
        link = server.url_for(f"/articles/{e.slug}")
        full = f'<content type="html">{escape(f"<p>{LONG_TEXT}</p>")}</content>' if e.full else ""
        items.append(
            f'<entry><title>{escape(e.title)}</title><link rel="alternate" href="{link}"/>'
            f"<id>urn:uuid:{e.slug}</id><updated>2025-03-03T10:00:00Z</updated>"
            f"<summary>Short teaser.</summary>{full}</entry>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Local news</title><id>urn:uuid:feed</id><updated>2025-03-03T10:00:00Z</updated>"
        + "".join(items)
        + "</feed>"
    )
    return body.encode(), "application/atom+xml"


def jsonfeed(server: HTTPServer, entries: list[Entry]) -> tuple[bytes, str]:
    items = []
    for e in entries:
        item = {
            "id": e.slug, "url": server.url_for(f"/articles/{e.slug}"), "title": e.title,
            "summary": "Short teaser.", "date_published": "2025-03-03T10:00:00Z",
        }
        if e.full:
            item["content_html"] = f"<p>{LONG_TEXT}</p>"
        items.append(item)
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Local news", "items": items}
    return json.dumps(feed).encode(), "application/feed+json"


FORMATS = {"rss": rss, "atom": atom, "jsonfeed": jsonfeed}


def serve_feed(server: HTTPServer, fmt: str, entries: list[Entry]) -> str:
    """Serve the feed (and its articles); return the feed URL."""
    body, content_type = FORMATS[fmt](server, entries)
    serve_conditional(server, "/feed", body, content_type)
    serve_site(server, entries)
    return server.url_for("/feed")


def article_requests(server: HTTPServer) -> list[tuple[str, int]]:
    return [(r.path, resp.status_code) for r, resp in server.log if r.path.startswith("/articles/")]
