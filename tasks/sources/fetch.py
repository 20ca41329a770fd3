"""One polite, defensive HTTP fetcher for every remote source (feeds, sitemaps, pages).

Polite: identifies itself, honours robots.txt, spaces requests to one host, sends conditional
GETs so unchanged resources cost a 304. Defensive: follows redirects by hand so every hop is
SSRF-checked, caps body size (after decompression), total time and redirect count, and turns
every failure into a `RejectError` with a stable reason a `rejects` row can group by:

  timeout, connection-error, http-<code>, too-large, content-type, content-encoding,
  redirect-loop, too-many-redirects, robots-disallowed, private-address,
  unsupported-scheme, bad-url

Cookies are not kept, so every fetch stands on its own and nothing tracks the crawler.
"""

from __future__ import annotations

import http.cookiejar
import logging
import time
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from tasks.records import RejectError
from tasks.sources.netguard import check_url, redact_url
from tasks.sources.robots import ROBOTS_MAX_BYTES, RobotsCache, site_of
from tasks.sources.transport import guarded_transport

log = logging.getLogger(__name__)

USER_AGENT = "newsflow/0.1 (+https://github.com/newsflow)"

# Media types each kind of fetch accepts (a missing Content-Type is accepted: content decides).
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
    "text/xml", "application/feed+json", "application/json", "text/plain", "text/html",
)
SITEMAP_TYPES = (
    "application/xml", "text/xml", "application/gzip", "application/x-gzip",
    "application/octet-stream", "text/plain",
)
ANY_TYPE = ("*/*",)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# (etag, last_modified) from an earlier response to the same URL.
Validators = tuple[str | None, str | None]


@dataclass(frozen=True)
class FetchPolicy:
    """How the fetcher behaves; one per source, built from config."""

    user_agent: str = USER_AGENT
    timeout: float = 20.0  # seconds per connect / read / write step
    total_timeout: float = 120.0  # seconds for a whole body, against servers that drip bytes
    max_retries: int = 3  # extra attempts after a 5xx / 429 / timeout / connection error
    backoff_base: float = 1.0  # retry n waits backoff_base * 2**n seconds
    backoff_max: float = 60.0
    max_body_bytes: int = 20 * 1024 * 1024  # decoded bytes; larger bodies are rejected
    max_redirects: int = 5
    min_host_interval: float = 1.0  # seconds between two requests to one host
    max_crawl_delay: float = 30.0  # a robots.txt Crawl-delay above this is capped
    respect_robots: bool = True
    allow_private_networks: bool = False
    verify_tls: bool = True


@dataclass(frozen=True)
class FetchResult:
    """A successful (2xx) or not-modified (304) fetch."""

    url: str
    final_url: str  # after redirects
    status: int
    content: bytes  # empty when not_modified
    media_type: str | None  # the Content-Type header as sent (charset included)
    etag: str | None
    last_modified: str | None
    not_modified: bool
    fetched_at: datetime


class HttpStatusError(RejectError):
    """A final response with an error status; reason is http-<code>."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"http-{status}", detail)
        self.status = status


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: httpx.Headers
    content: bytes


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie: http.cookiejar.Cookie, request: object) -> bool:
        return False


class Fetcher:
    """Fetches URLs under a `FetchPolicy`. Not thread-safe: use one per worker thread."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._sleep = sleep
        self._clock = clock
        self._client = httpx.Client(
            transport=transport
            or guarded_transport(
                allow_private=self.policy.allow_private_networks, verify=self.policy.verify_tls
            ),
            timeout=httpx.Timeout(self.policy.timeout),
            # We decode bodies ourselves (see _Decoder) so the size cap applies while inflating.
            headers={"User-Agent": self.policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            cookies=http.cookiejar.CookieJar(policy=_NoCookies()),
            follow_redirects=False,
            trust_env=False,
        )
        self._robots = RobotsCache(self._load_robots, self.policy.user_agent)
        self._last_request: dict[str, float] = {}

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(
        self, url: str, *, accept: Collection[str], validators: Validators | None = None
    ) -> FetchResult:
        """GET `url`, accepting the media types in `accept` (e.g. HTML_TYPES).

        `validators` (etag, last_modified) from an earlier fetch make the request conditional;
        an unchanged resource returns `not_modified=True` and no content. Raises RejectError.
        """
        result = self._fetch(
            url.strip(), accept=accept, validators=validators, robots=self.policy.respect_robots,
            limit=self.policy.max_body_bytes, truncate=False,
        )
        if not result.not_modified and not 200 <= result.status < 300:
            raise HttpStatusError(result.status, f"GET {redact_url(result.final_url)}")
        return result

    def _fetch(
        self, url: str, *, accept: Collection[str], validators: Validators | None,
        robots: bool, limit: int, truncate: bool,
    ) -> FetchResult:
        headers = {"Accept": ", ".join(accept)}
        etag, last_modified = validators or (None, None)
        # Validators come back from servers; one that is not a legal header value is dropped.
        if etag and _header_safe(etag):
            headers["If-None-Match"] = etag
        if last_modified and _header_safe(last_modified):
            headers["If-Modified-Since"] = last_modified
        visited = {url}
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            check_url(current, allow_private=self.policy.allow_private_networks)
            if robots and not self._robots.allowed(current):
                raise RejectError(
                    "robots-disallowed",
                    f"robots.txt of {site_of(current)} disallows {redact_url(current)}",
                )
            answer = self._get(current, headers, accept, limit, truncate)
            location = answer.headers.get("location")
            if answer.status in REDIRECT_STATUSES and location:
                target = _join(current, location)
                if target in visited:
                    raise RejectError(
                        "redirect-loop", f"{redact_url(current)} redirects back to {redact_url(target)}"
                    )
                visited.add(target)
                current = target
                continue
            not_modified = answer.status == 304
            return FetchResult(
                url=url,
                final_url=current,
                status=answer.status,
                content=answer.content,
                media_type=answer.headers.get("content-type"),
                # A 304 may omit validators; the ones we sent are still the current ones.
                etag=answer.headers.get("etag") or (etag if not_modified else None),
                last_modified=answer.headers.get("last-modified")
                or (last_modified if not_modified else None),
                not_modified=not_modified,
                fetched_at=datetime.now(UTC),
            )
        raise RejectError(
            "too-many-redirects",
            f"more than {self.policy.max_redirects} redirects from {redact_url(url)}",
        )

    def _get(
        self, url: str, headers: dict[str, str], accept: Collection[str], limit: int, truncate: bool
    ) -> _Answer:
        """One hop: GET with retries on 5xx/429, timeouts and connection errors."""
        policy = self.policy
        for attempt in range(policy.max_retries + 1):
            last_try = attempt == policy.max_retries
            self._wait_turn(url)
            try:
                with self._client.stream("GET", url, headers=headers) as response:
                    status = response.status_code
                    if not (_retryable(status) and not last_try):
                        content = b""
                        if 200 <= status < 300:
                            _check_media_type(response.headers.get("content-type"), accept, url)
                            content = self._read_body(response, url, limit, truncate)
                        log.debug("GET %s -> %s", redact_url(url), status)
                        return _Answer(status, response.headers, content)
                    delay = self._backoff(attempt, response.headers.get("retry-after"))
                    failure = f"http-{status}"
            except httpx.TimeoutException as exc:
                if last_try:
                    raise RejectError(
                        "timeout", f"GET {redact_url(url)}: {type(exc).__name__} ({policy.timeout}s)"
                    ) from None
                delay, failure = self._backoff(attempt, None), "timeout"
            except httpx.InvalidURL as exc:
                raise RejectError("bad-url", f"{redact_url(url)}: {exc}") from None
            except (httpx.TransportError, httpx.DecodingError) as exc:
                if last_try:
                    raise RejectError(
                        "connection-error", f"GET {redact_url(url)}: {type(exc).__name__}: {exc}"
                    ) from None
                delay, failure = self._backoff(attempt, None), "connection-error"
            log.info(
                "GET %s failed (%s), retry %d/%d in %.2fs",
                redact_url(url), failure, attempt + 1, policy.max_retries, delay,
            )
            self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _read_body(self, response: httpx.Response, url: str, limit: int, truncate: bool) -> bytes:
        declared = response.headers.get("content-length", "")
        if not truncate and declared.isdigit() and int(declared) > limit:
            raise RejectError("too-large", f"{redact_url(url)} declares {declared} bytes (cap {limit})")
        decoder = _Decoder(response.headers.get("content-encoding", ""), url)
        deadline = self._clock() + self.policy.total_timeout
        chunks: list[bytes] = []
        size = 0
        for raw in response.iter_raw():
            data = decoder.feed(raw, limit - size + 1)
            chunks.append(data)
            size += len(data)
            if size > limit:
                if truncate:
                    return b"".join(chunks)[:limit]
                raise RejectError("too-large", f"{redact_url(url)} body exceeds {limit} bytes")
            if self._clock() > deadline:
                raise RejectError(
                    "timeout", f"{redact_url(url)} body took over {self.policy.total_timeout}s"
                )
        return b"".join(chunks)

    def _wait_turn(self, url: str) -> None:
        """Sleep until this host's minimum interval (or its robots Crawl-delay) has passed."""
        host = (urlsplit(url).hostname or "").lower()
        interval = self.policy.min_host_interval
        crawl_delay = self._robots.crawl_delay(url) if self.policy.respect_robots else None
        if crawl_delay:
            interval = max(interval, min(crawl_delay, self.policy.max_crawl_delay))
        last = self._last_request.get(host)
        now = self._clock()
        if last is not None and last + interval > now:
            self._sleep(last + interval - now)
            now = self._clock()
        self._last_request[host] = now

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        delay = self.policy.backoff_base * 2**attempt
        wanted = _retry_after_seconds(retry_after)
        if wanted is not None:
            delay = max(delay, wanted)
        return min(delay, self.policy.backoff_max)

    def _load_robots(self, robots_url: str) -> tuple[int, bytes] | None:
        try:
            result = self._fetch(
                robots_url, accept=ANY_TYPE, validators=None, robots=False,
                limit=ROBOTS_MAX_BYTES, truncate=True,
            )
        except RejectError as exc:
            log.info("robots.txt %s unreachable (%s): allowing", redact_url(robots_url), exc.reason)
            return None
        return result.status, result.content


class _Decoder:
    """Content-Encoding decoder that never inflates more than the caller has room for."""

    def __init__(self, encoding: str, url: str) -> None:
        self._url = url
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            # Servers disagree on zlib-wrapped vs raw deflate: auto-detect wraps, else raw.
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise RejectError("content-encoding", f"{encoding!r} from {redact_url(url)}")
        self._encoding = encoding
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        """Decode `data`; output longer than `room` is cut (the caller then rejects too-large)."""
        if self._zlib is None:
            return data
        try:
            out = self._zlib.decompress(data, room)
        except zlib.error as exc:
            if self._encoding == "deflate" and not self._started:
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                self._started = True
                return self.feed(data, room)
            raise RejectError("content-encoding", f"{redact_url(self._url)}: {exc}") from None
        self._started = True
        return out


def _retryable(status: int) -> bool:
    # 501 Not Implemented will not change on retry; other 5xx and 429 may.
    return status == 429 or (500 <= status < 600 and status != 501)


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _header_safe(value: str) -> bool:
    return value.isascii() and value.isprintable()


def _check_media_type(header: str | None, accept: Collection[str], url: str) -> None:
    if not header or "*/*" in accept:
        return
    media = header.split(";", 1)[0].strip().lower()
    for wanted in accept:
        if media == wanted or (wanted.endswith("/*") and media.startswith(wanted[:-1])):
            return
    raise RejectError(
        "content-type", f"{media} from {redact_url(url)}; expected one of {', '.join(accept)}"
    )


def _join(base: str, location: str) -> str:
    try:
        target = httpx.URL(base).join(location.strip()).copy_with(fragment=None)
    except (httpx.InvalidURL, ValueError) as exc:
        raise RejectError("bad-url", f"redirect from {redact_url(base)}: {exc}") from None
    return str(target)
