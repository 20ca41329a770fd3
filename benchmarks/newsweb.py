"""A local news web for polling benchmarks and tests: N feeds (RSS 2.0, Atom, JSON Feed in turn)
and their article pages on 127.0.0.1, with ETags (304s) and fault injection.

    with NewsWeb(feeds=1000, items=1) as web:
        web.url("/feeds/7")                  # feed 7
        web.add_item(7)                      # a new item on feed 7 (its page too)
        web.faults["/a/7-1"] = ["timeout", "500"]   # its first two fetches fail, then it answers
        web.feed_down.add(3)                 # feed 3 answers 500 until removed
        web.truncated.add(4)                 # feed 4 breaks off mid-item
        web.gone.add("/a/5-0")               # a page that 404s for ever
        web.item_urls()                      # every item the feeds list: the ground truth

Listens on loopback only; a thread per connection (ThreadingHTTPServer).
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections import Counter
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FORMATS = ("rss", "atom", "jsonfeed")
_WORDS = ("council budget harbour storm school teachers hospital nurses railway strike minister election court ruling "
          "river flood farmers drought museum exhibition energy prices wind farm bridge repairs vaccine clinic police "
          "inquiry report audit theatre library airport runway cargo fishing quota forest wildfire census survey").split()


def body_text(slug: str, words: int = 180) -> str:
    rng = random.Random(slug)
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        sentences.append(" ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 14))).capitalize() + ".")
    return " ".join(sentences)


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default backlog of 5 resets connections when a cycle's polls arrive at once
    daemon_threads = True


class NewsWeb:
    def __init__(self, feeds: int = 1000, items: int = 1, timeout_sleep: float = 3.0) -> None:
        self.feeds: dict[int, list[str]] = {f: [f"{f}-{i}" for i in range(items)] for f in range(feeds)}
        self.faults: dict[str, list[str]] = {}  # path -> failure modes of its next fetches
        self.feed_down: set[int] = set()
        self.truncated: set[int] = set()
        self.gone: set[str] = set()
        self.hits: Counter[str] = Counter()
        self.timeout_sleep = timeout_sleep
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[bytes, str, str]] = {}
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                try:
                    web._handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (a timeout it was meant to hit)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self) -> NewsWeb:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def feed_url(self, feed: int) -> str:
        return self.url(f"/feeds/{feed}")

    def add_item(self, feed: int) -> str:
        with self._lock:
            slug = f"{feed}-{len(self.feeds[feed])}"
            self.feeds[feed].append(slug)
            self._cache.pop(feed, None)
        return self.url(f"/a/{slug}")

    def item_urls(self) -> set[str]:
        return {self.url(f"/a/{slug}") for slugs in self.feeds.values() for slug in slugs}

    # -- rendering ------------------------------------------------------------------------
    def _feed(self, feed: int) -> tuple[bytes, str, str]:
        with self._lock:
            cached = self._cache.get(feed)
            if cached is None:
                fmt = FORMATS[feed % 3]
                items = [(self.url(f"/a/{s}"), s, f"Story {s} of feed {feed}", " ".join(body_text(s).split()[:30]))
                         for s in self.feeds[feed]]
                body, ctype = _RENDER[fmt](self.url("/"), feed, items)
                cached = (body, ctype, '"' + hashlib.sha1(body).hexdigest()[:16] + '"')
                self._cache[feed] = cached
        return cached

    def _page(self, slug: str) -> bytes:
        paragraphs = "".join(f"<p>{escape(p)}.</p>" for p in body_text(slug).split(". "))
        link = self.url(f"/a/{slug}")
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Story {slug}</title>'
                f'<link rel="canonical" href="{link}"><meta property="article:published_time" content="2026-01-01T10:00:00Z">'
                f"</head><body><article><h1>Story {slug}</h1>{paragraphs}</article></body></html>").encode()

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        path = req.path.split("?", 1)[0]
        with self._lock:
            self.hits[path] += 1
            modes = self.faults.get(path)
            mode = modes.pop(0) if modes else None
        if mode == "timeout":
            time.sleep(self.timeout_sleep)
            return self._send(req, 200, b"<html>late</html>", "text/html")
        if mode == "500":
            return self._send(req, 500, b"overloaded", "text/plain")
        if mode == "reset":
            req.close_connection = True
            req.wfile.flush()
            req.connection.close()
            return None
        if path == "/robots.txt":
            return self._send(req, 404, b"", "text/plain")
        if path.startswith("/feeds/"):
            feed = int(path.rsplit("/", 1)[1])
            if feed not in self.feeds or feed in self.feed_down:
                return self._send(req, 500 if feed in self.feed_down else 404, b"no", "text/plain")
            body, ctype, etag = self._feed(feed)
            if feed in self.truncated:
                return self._send(req, 200, body[: int(len(body) * 0.7)], ctype)
            if req.headers.get("If-None-Match") == etag:
                return self._send(req, 304, b"", None, {"ETag": etag})
            return self._send(req, 200, body, ctype, {"ETag": etag}, truncate=mode == "truncate")
        if path.startswith("/a/"):
            slug = path[3:]
            feed = int(slug.split("-")[0]) if slug.split("-")[0].isdigit() else -1
            if path in self.gone or slug not in self.feeds.get(feed, ()):
                return self._send(req, 404, b"not found", "text/plain")
            return self._send(req, 200, self._page(slug), "text/html; charset=utf-8", truncate=mode == "truncate")
        return self._send(req, 404, b"not found", "text/plain")

    @staticmethod
    def _send(req, status: int, body: bytes, ctype: str | None, headers: dict | None = None, truncate: bool = False) -> None:
        req.send_response(status)
        if ctype:
            req.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            req.send_header(k, v)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        if status != 304:
            req.wfile.write(body[: len(body) // 2] if truncate else body)
        if truncate:  # promised more than it sent: the client sees the connection end early
            req.close_connection = True


def _rss(home: str, feed: int, items) -> tuple[bytes, str]:
    out = "".join(f"<item><title>{escape(t)}</title><link>{u}</link><guid>{u}</guid>"
                  f"<pubDate>Thu, 01 Jan 2026 10:00:00 GMT</pubDate><description>{escape(d)}</description></item>" for u, s, t, d in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {feed}</title>'
            f"<link>{home}</link>{out}</channel></rss>").encode(), "application/rss+xml"


def _atom(home: str, feed: int, items) -> tuple[bytes, str]:
    out = "".join(f'<entry><title>{escape(t)}</title><link rel="alternate" href="{u}"/><id>urn:newsweb:{s}</id>'
                  f"<updated>2026-01-01T10:00:00Z</updated><summary>{escape(d)}</summary></entry>" for u, s, t, d in items)
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Feed {feed}</title><id>urn:newsweb:feed:{feed}</id><updated>2026-01-01T10:00:00Z</updated>{out}</feed>").encode(), "application/atom+xml"


def _jsonfeed(home: str, feed: int, items) -> tuple[bytes, str]:
    data = {"version": "https://jsonfeed.org/version/1.1", "title": f"Feed {feed}", "home_page_url": home,
            "items": [{"id": s, "url": u, "title": t, "summary": d, "date_published": "2026-01-01T10:00:00Z"} for u, s, t, d in items]}
    return json.dumps(data).encode(), "application/feed+json"


_RENDER = {"rss": _rss, "atom": _atom, "jsonfeed": _jsonfeed}


def fleet_config(web: NewsWeb, root: str, feeds: range, interval: str = "1m", extra: str = "") -> str:
    """newsflow.toml for feeds of the web (loopback allowed, no host spacing: every feed is on one host)."""
    parts = [f'[warehouse]\nroot = "{root}"\n']
    for f in feeds:
        parts.append(f'[[sources]]\nname = "feed-{f}"\nkind = "feed"\nlocation = "{web.feed_url(f)}"\ninterval = "{interval}"\n'
                     f'allow_private_networks = true\nmin_host_interval = 0\ntimeout = "2s"\nmax_retries = 0\n{extra}')
    return "\n".join(parts)
