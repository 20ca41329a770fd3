"""A local news site for flow tests: feeds (RSS 2.0, Atom, JSON Feed) and article pages that
honour conditional GET, plus misbehaving pages (flaky, slow, huge, missing, redirect loop)."""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from collections import Counter
from html import escape

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

_VOCAB = (
    "council budget harbour election minister river railway school hospital tariff drought farmers "
    "court ruling strike union festival museum bridge storm flood vaccine clinic energy grid wind "
    "solar mayor parliament treaty border trade export import factory workers wages housing rent "
    "police inquiry report audit theatre orchestra library airport runway port cargo fishing quota "
    "forest wildfire volunteers charity census survey inflation bank interest bond market shares"
).split()


def article_body(slug: str, words: int = 220) -> str:
    """Distinct, deterministic text per slug (so articles are not near-duplicates of each other)."""
    rng = random.Random(slug)
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        picked = [rng.choice(_VOCAB) for _ in range(rng.randint(8, 14))]
        sentences.append(" ".join(picked).capitalize() + ".")
    return " ".join(sentences)


def article_html(slug: str, title: str) -> bytes:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in article_body(slug).split(". "))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        '<meta property="article:published_time" content="2025-03-03T10:00:00Z"></head>'
        f"<body><article><h1>{escape(title)}</h1>{paragraphs}</article></body></html>"
    ).encode()


class Site:
    """Pages by path; unknown paths are 404 (robots.txt included, which means "allow")."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.pages: dict[str, tuple[bytes, str]] = {}
        self.hits: Counter[str] = Counter()
        self.flaky_failures = 2
        server.expect_request(re.compile(r"^/.*$")).respond_with_handler(self.handle)

    def url(self, path: str) -> str:
        return self.server.url_for(path)

    def add_article(self, slug: str, title: str) -> str:
        path = f"/articles/{slug}.html"
        self.pages[path] = (article_html(slug, title), "text/html; charset=utf-8")
        return self.url(path)

    def set_feed(self, path: str, fmt: str, items: list[tuple[str, str]]) -> str:
        """Serve a feed of (slug, title) items linking to their article pages (added here too)."""
        links = [(self.add_article(slug, title), slug, title) for slug, title in items]
        self.pages[path] = FEEDS[fmt](self.url("/"), links)
        return self.url(path)

    def handle(self, request: Request) -> Response:
        path = request.path
        if path != "/robots.txt":
            self.hits[path] += 1
        if path == "/flaky.html":
            if self.hits[path] <= self.flaky_failures:
                return Response("overloaded", status=500)
            return Response(article_html("flaky", "Flaky page finally answers"), content_type="text/html")
        if path == "/slow.html":
            time.sleep(1.0)
            return Response(article_html("slow", "Too slow"), content_type="text/html")
        if path == "/huge.html":
            return Response(b"<html>" + b"x" * (40 * 1024 * 1024), content_type="text/html")
        if path in ("/loop-a", "/loop-b"):
            return Response(status=302, headers={"Location": "/loop-b" if path == "/loop-a" else "/loop-a"})
        if path not in self.pages:
            return Response("not found", status=404)
        body, content_type = self.pages[path]
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type=content_type, headers={"ETag": etag})


def _rss(home: str, links: list[tuple[str, str, str]]) -> tuple[bytes, str]:
    items = "".join(
        f"<item><title>{escape(t)}</title><link>{u}</link><guid>{u}</guid>"
        "<pubDate>Mon, 03 Mar 2025 10:00:00 GMT</pubDate><description>Teaser.</description></item>"
        for u, _, t in links
    )
    body = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Local</title><link>{home}</link>{items}</channel></rss>'
    return body.encode(), "application/rss+xml"


def _atom(home: str, links: list[tuple[str, str, str]]) -> tuple[bytes, str]:
    entries = "".join(
        f'<entry><title>{escape(t)}</title><link rel="alternate" href="{u}"/><id>urn:x:{s}</id>'
        "<updated>2025-03-03T10:00:00Z</updated><summary>Teaser.</summary></entry>"
        for u, s, t in links
    )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Local</title>'
        f"<id>urn:x:feed</id><updated>2025-03-03T10:00:00Z</updated>{entries}</feed>"
    )
    return body.encode(), "application/atom+xml"


def _jsonfeed(home: str, links: list[tuple[str, str, str]]) -> tuple[bytes, str]:
    items = [{"id": s, "url": u, "title": t, "summary": "Teaser.", "date_published": "2025-03-03T10:00:00Z"} for u, s, t in links]
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Local", "home_page_url": home, "items": items}
    return json.dumps(feed).encode(), "application/feed+json"


FEEDS = {"rss": _rss, "atom": _atom, "jsonfeed": _jsonfeed}
