"""Fetcher behaviour against a local server: retries, caps, redirects, robots, conditional GET."""

from __future__ import annotations

import gzip
import time
from dataclasses import replace

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tasks.records import RejectError
from tasks.sources.fetch import ANY_TYPE, HTML_TYPES, Fetcher

from .conftest import FAST

PAGE = b"<html><head><title>t</title></head><body>hello</body></html>"


def _reason(fetcher: Fetcher, url: str, **kw) -> str:
    with pytest.raises(RejectError) as info:
        fetcher.fetch(url, accept=kw.pop("accept", HTML_TYPES), **kw)
    return info.value.reason


def test_fetches_html_with_our_user_agent(server: HTTPServer, fetcher: Fetcher) -> None:
    server.expect_request("/a", headers={"User-Agent": FAST.user_agent}).respond_with_data(
        PAGE, content_type="text/html; charset=utf-8", headers={"ETag": '"v1"'}
    )
    result = fetcher.fetch(server.url_for("/a"), accept=HTML_TYPES)
    assert result.status == 200 and result.content == PAGE
    assert result.media_type == "text/html; charset=utf-8"
    assert result.etag == '"v1"' and not result.not_modified


def test_conditional_get_returns_not_modified(server: HTTPServer, fetcher: Fetcher) -> None:
    server.expect_request("/a", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304, headers={"ETag": '"v1"'}
    )
    result = fetcher.fetch(server.url_for("/a"), accept=HTML_TYPES, validators=('"v1"', None))
    assert result.not_modified and result.status == 304 and result.content == b""
    assert result.etag == '"v1"'


def test_retries_5xx_then_succeeds(server: HTTPServer, fetcher: Fetcher) -> None:
    server.expect_oneshot_request("/flaky").respond_with_data("busy", status=503)
    server.expect_oneshot_request("/flaky").respond_with_data("oops", status=500)
    server.expect_oneshot_request("/flaky").respond_with_data(PAGE, content_type="text/html")
    result = fetcher.fetch(server.url_for("/flaky"), accept=HTML_TYPES)
    assert result.content == PAGE
    assert [resp.status_code for req, resp in server.log if req.path == "/flaky"] == [503, 500, 200]


def test_persistent_5xx_becomes_http_reason(server: HTTPServer, fetcher: Fetcher) -> None:
    server.expect_request("/down").respond_with_data("no", status=502)
    assert _reason(fetcher, server.url_for("/down")) == "http-502"
    assert len([r for r, _ in server.log if r.path == "/down"]) == FAST.max_retries + 1


def test_404_is_not_retried(server: HTTPServer, fetcher: Fetcher) -> None:
    assert _reason(fetcher, server.url_for("/missing")) == "http-404"
    assert len([r for r, _ in server.log if r.path == "/missing"]) == 1


def test_timeout(server: HTTPServer) -> None:
    def slow(_request: Request) -> Response:
        time.sleep(0.4)
        return Response(PAGE, content_type="text/html")

    server.expect_request("/slow").respond_with_handler(slow)
    policy = replace(FAST, timeout=0.1, max_retries=1)
    with Fetcher(policy) as f:
        started = time.monotonic()
        assert _reason(f, server.url_for("/slow")) == "timeout"
        assert time.monotonic() - started < 2


def test_declared_too_large_body(server: HTTPServer, fetcher: Fetcher) -> None:
    body = b"x" * (40 * 1024 * 1024)
    server.expect_request("/big").respond_with_data(body, content_type="text/html")
    assert _reason(fetcher, server.url_for("/big")) == "too-large"


def test_streamed_too_large_body_is_cut_off(server: HTTPServer, fetcher: Fetcher) -> None:
    chunk = b"x" * (1024 * 1024)

    def stream(_request: Request) -> Response:
        # A generator body has no Content-Length: the cap must apply while reading.
        return Response((chunk for _ in range(40)), content_type="text/html")

    server.expect_request("/stream").respond_with_handler(stream)
    assert _reason(fetcher, server.url_for("/stream")) == "too-large"


def test_gzip_bomb_content_encoding_is_capped(server: HTTPServer) -> None:
    bomb = gzip.compress(b"\0" * (30 * 1024 * 1024))  # ~30 KB on the wire
    server.expect_request("/bomb").respond_with_data(
        bomb, content_type="text/html", headers={"Content-Encoding": "gzip"}
    )
    with Fetcher(replace(FAST, max_body_bytes=1024 * 1024)) as f:
        assert _reason(f, server.url_for("/bomb")) == "too-large"


def test_gzip_content_encoding_is_decoded(server: HTTPServer, fetcher: Fetcher) -> None:
    server.expect_request("/gz").respond_with_data(
        gzip.compress(PAGE), content_type="text/html", headers={"Content-Encoding": "gzip"}
    )
    assert fetcher.fetch(server.url_for("/gz"), accept=HTML_TYPES).content == PAGE


def test_redirect_is_followed(server: HTTPServer, fetcher: Fetcher) -> None:
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data(PAGE, content_type="text/html")
    result = fetcher.fetch(server.url_for("/old"), accept=HTML_TYPES)
    assert result.final_url == server.url_for("/new") and result.url == server.url_for("/old")


def test_redirect_loop(server: HTTPServer, fetcher: Fetcher) -> None:
    server.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    server.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    assert _reason(fetcher, server.url_for("/a")) == "redirect-loop"


def test_too_many_redirects(server: HTTPServer, fetcher: Fetcher) -> None:
    for i in range(10):
        server.expect_request(f"/r{i}").respond_with_data(
            "", status=302, headers={"Location": f"/r{i + 1}"}
        )
    assert _reason(fetcher, server.url_for("/r0")) == "too-many-redirects"


def test_content_type_is_checked(server: HTTPServer, fetcher: Fetcher) -> None:
    server.expect_request("/video").respond_with_data(b"\0" * 10, content_type="video/mp4")
    assert _reason(fetcher, server.url_for("/video")) == "content-type"
    assert fetcher.fetch(server.url_for("/video"), accept=ANY_TYPE).status == 200


def test_robots_disallow_is_honoured(server: HTTPServer, fetcher: Fetcher) -> None:
    server.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    server.expect_request("/private/x").respond_with_data(PAGE, content_type="text/html")
    server.expect_request("/public").respond_with_data(PAGE, content_type="text/html")
    assert _reason(fetcher, server.url_for("/private/x")) == "robots-disallowed"
    assert fetcher.fetch(server.url_for("/public"), accept=HTML_TYPES).content == PAGE
    paths = [r.path for r, _ in server.log]
    assert "/private/x" not in paths and paths.count("/robots.txt") == 1  # cached per host


def test_robots_for_our_agent_only(server: HTTPServer, fetcher: Fetcher) -> None:
    server.expect_request("/robots.txt").respond_with_data(
        "User-agent: newsflow\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    )
    assert _reason(fetcher, server.url_for("/page")) == "robots-disallowed"


def test_robots_5xx_disallows_everything(server: HTTPServer, fetcher: Fetcher) -> None:
    server.expect_request("/robots.txt").respond_with_data("down", status=503)
    server.expect_request("/page").respond_with_data(PAGE, content_type="text/html")
    assert _reason(fetcher, server.url_for("/page")) == "robots-disallowed"


def test_robots_4xx_allows_everything(server: HTTPServer, fetcher: Fetcher) -> None:
    server.expect_request("/robots.txt").respond_with_data("gone", status=410)
    server.expect_request("/page").respond_with_data(PAGE, content_type="text/html")
    assert fetcher.fetch(server.url_for("/page"), accept=HTML_TYPES).content == PAGE


def test_robots_can_be_ignored_by_policy(server: HTTPServer) -> None:
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /\n")
    server.expect_request("/page").respond_with_data(PAGE, content_type="text/html")
    with Fetcher(replace(FAST, respect_robots=False)) as f:
        assert f.fetch(server.url_for("/page"), accept=HTML_TYPES).content == PAGE


def test_per_host_rate_limit_spaces_requests(server: HTTPServer) -> None:
    server.expect_request("/page").respond_with_data(PAGE, content_type="text/html")
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    policy = replace(FAST, min_host_interval=2.0, respect_robots=False)
    with Fetcher(policy, sleep=sleep, clock=lambda: now[0]) as f:
        for _ in range(3):
            f.fetch(server.url_for("/page"), accept=HTML_TYPES)
    assert slept == [2.0, 2.0]


def test_connection_refused(fetcher: Fetcher) -> None:
    # Port 9 (discard) on loopback is closed on test machines: connection refused, retried.
    assert _reason(fetcher, "http://127.0.0.1:9/") == "connection-error"


def test_non_http_scheme_refused(fetcher: Fetcher) -> None:
    assert _reason(fetcher, "file:///etc/passwd") == "unsupported-scheme"
    assert _reason(fetcher, "ftp://example.com/x") == "unsupported-scheme"


def test_robots_crawl_delay_widens_the_interval(server: HTTPServer) -> None:
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nCrawl-delay: 3\n")
    server.expect_request("/page").respond_with_data(PAGE, content_type="text/html")
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    with Fetcher(replace(FAST, min_host_interval=1.0), sleep=sleep, clock=lambda: now[0]) as f:
        f.fetch(server.url_for("/page"), accept=HTML_TYPES)
        f.fetch(server.url_for("/page"), accept=HTML_TYPES)
    # robots.txt is read first, so both page requests wait out its 3 s Crawl-delay.
    assert slept == [3.0, 3.0]


def test_retry_after_is_honoured_within_the_cap(server: HTTPServer) -> None:
    server.expect_oneshot_request("/busy").respond_with_data("", status=429, headers={"Retry-After": "2"})
    server.expect_oneshot_request("/busy").respond_with_data(PAGE, content_type="text/html")
    slept: list[float] = []
    policy = replace(FAST, backoff_max=5.0, respect_robots=False)
    with Fetcher(policy, sleep=slept.append) as f:
        assert f.fetch(server.url_for("/busy"), accept=HTML_TYPES).content == PAGE
    assert slept == [2.0]
