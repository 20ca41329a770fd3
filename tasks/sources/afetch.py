"""The async twin of `Fetcher` for polling many sources at once (httpx.AsyncClient).

Same rules as tasks/sources/fetch.py, which it reuses: SSRF checks on every hop and at connect
time (an async `GuardedBackend`), robots.txt, conditional GETs, hand-followed redirects, body
and time caps, retries with backoff, failures as RejectError with the same reasons. What is new
is sharing: one client and ONE connection limit for every source of a poll cycle, and per-host
politeness across sources (two feeds on one host still wait `min_host_interval` between them).
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import ipaddress
import logging
import time
import typing
from collections.abc import Collection
from datetime import UTC, datetime
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

from tasks.records import RejectError
from tasks.sources.fetch import (
    ANY_TYPE,
    REDIRECT_STATUSES,
    USER_AGENT,
    FetchPolicy,
    FetchResult,
    HttpStatusError,
    Validators,
    _check_media_type,
    _Decoder,
    _header_safe,
    _join,
    _NoCookies,
    _retry_after_seconds,
    _retryable,
)
from tasks.sources.netguard import check_url, redact_url, resolve_host
from tasks.sources.robots import ROBOTS_MAX_BYTES, rules_from, site_of
from tasks.sources.transport import ssl_context

log = logging.getLogger(__name__)
DEFAULT_MAX_CONNECTIONS = 50


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


async def _resolve(host: str, port: int, allow_private: bool) -> list[str]:
    if _is_ip(host):  # no DNS: no need for a thread
        return resolve_host(host, port, allow_private=allow_private)
    return await anyio.to_thread.run_sync(lambda: resolve_host(host, port, allow_private=allow_private))


class AsyncGuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves and vets addresses before connecting, like transport.GuardedBackend."""

    def __init__(self, *, allow_private: bool) -> None:
        self._allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.AsyncNetworkStream:
        last_error: Exception | None = None
        for address in await _resolve(host, port, self._allow_private):
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                     socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not reachable from the fetcher")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _client(allow_private: bool, max_connections: int, verify: bool = True) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(verify=ssl_context(verify), trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(  # see transport.guarded_transport for why
        ssl_context=ssl_context(verify),
        max_connections=max_connections, max_keepalive_connections=max_connections, keepalive_expiry=5.0,
        network_backend=AsyncGuardedBackend(allow_private=allow_private),
    )
    return httpx.AsyncClient(
        transport=transport, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        cookies=http.cookiejar.CookieJar(policy=_NoCookies()), follow_redirects=False, trust_env=False,
    )


class AsyncFetcher:
    """One per poll cycle: `await fetcher.fetch(url, policy=..., accept=...)` from many tasks."""

    def __init__(self, max_connections: int = DEFAULT_MAX_CONNECTIONS) -> None:
        self.max_connections = max_connections
        self._clients: dict[bool, httpx.AsyncClient] = {}
        self._slots = asyncio.Semaphore(max_connections)  # the global connection limit
        self._robots: dict[str, object] = {}
        self._robots_loading: dict[str, asyncio.Lock] = {}
        self._host_locks: dict[str, asyncio.Lock] = {}
        self._last_request: dict[str, float] = {}
        self.requests = 0

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    def _client_for(self, policy: FetchPolicy) -> httpx.AsyncClient:
        key = policy.allow_private_networks
        if key not in self._clients:
            self._clients[key] = _client(key, self.max_connections, policy.verify_tls)
        return self._clients[key]

    async def fetch(self, url: str, *, policy: FetchPolicy, accept: Collection[str],
                    validators: Validators | None = None) -> FetchResult:
        """GET `url` under `policy` (see `Fetcher.fetch`); raises RejectError."""
        result = await self._fetch(url.strip(), policy, accept, validators, robots=policy.respect_robots,
                                   limit=policy.max_body_bytes, truncate=False)
        if not result.not_modified and not 200 <= result.status < 300:
            raise HttpStatusError(result.status, f"GET {redact_url(result.final_url)}")
        return result

    async def _fetch(self, url: str, policy: FetchPolicy, accept: Collection[str], validators: Validators | None, *,
                     robots: bool, limit: int, truncate: bool) -> FetchResult:
        headers = {"Accept": ", ".join(accept), "User-Agent": policy.user_agent}
        etag, last_modified = validators or (None, None)
        if etag and _header_safe(etag):
            headers["If-None-Match"] = etag
        if last_modified and _header_safe(last_modified):
            headers["If-Modified-Since"] = last_modified
        visited, current = {url}, url
        for _hop in range(policy.max_redirects + 1):
            host = urlsplit(current).hostname or ""
            if _is_ip(host):
                check_url(current, allow_private=policy.allow_private_networks)
            else:
                await anyio.to_thread.run_sync(lambda u=current: check_url(u, allow_private=policy.allow_private_networks))
            if robots and not await self._allowed(current, policy):
                raise RejectError("robots-disallowed", f"robots.txt of {site_of(current)} disallows {redact_url(current)}")
            status, response_headers, content = await self._get(current, headers, accept, limit, truncate, policy)
            location = response_headers.get("location")
            if status in REDIRECT_STATUSES and location:
                target = _join(current, location)
                if target in visited:
                    raise RejectError("redirect-loop", f"{redact_url(current)} redirects back to {redact_url(target)}")
                visited.add(target)
                current = target
                continue
            not_modified = status == 304
            return FetchResult(
                url=url, final_url=current, status=status, content=content,
                media_type=response_headers.get("content-type"),
                etag=response_headers.get("etag") or (etag if not_modified else None),
                last_modified=response_headers.get("last-modified") or (last_modified if not_modified else None),
                not_modified=not_modified, fetched_at=datetime.now(UTC),
            )
        raise RejectError("too-many-redirects", f"more than {policy.max_redirects} redirects from {redact_url(url)}")

    async def _get(self, url: str, headers: dict[str, str], accept: Collection[str], limit: int, truncate: bool,
                   policy: FetchPolicy) -> tuple[int, httpx.Headers, bytes]:
        client = self._client_for(policy)
        timeout = httpx.Timeout(policy.timeout)
        for attempt in range(policy.max_retries + 1):
            last_try = attempt == policy.max_retries
            await self._wait_turn(url, policy)
            try:
                async with self._slots:
                    self.requests += 1
                    with anyio.fail_after(policy.total_timeout):
                        async with client.stream("GET", url, headers=headers, timeout=timeout) as response:
                            status = response.status_code
                            if not (_retryable(status) and not last_try):
                                content = b""
                                if 200 <= status < 300:
                                    _check_media_type(response.headers.get("content-type"), accept, url)
                                    content = await self._read_body(response, url, limit, truncate)
                                return status, response.headers, content
                            delay = self._backoff(policy, attempt, response.headers.get("retry-after"))
                            failure = f"http-{status}"
            except (httpx.TimeoutException, TimeoutError) as exc:
                if last_try:
                    raise RejectError("timeout", f"GET {redact_url(url)}: {type(exc).__name__} ({policy.timeout}s)") from None
                delay, failure = self._backoff(policy, attempt, None), "timeout"
            except httpx.InvalidURL as exc:
                raise RejectError("bad-url", f"{redact_url(url)}: {exc}") from None
            except (httpx.TransportError, httpx.DecodingError) as exc:
                if last_try:
                    raise RejectError("connection-error", f"GET {redact_url(url)}: {type(exc).__name__}: {exc}") from None
                delay, failure = self._backoff(policy, attempt, None), "connection-error"
            log.info("GET %s failed (%s), retry %d/%d in %.2fs", redact_url(url), failure, attempt + 1, policy.max_retries, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _read_body(self, response: httpx.Response, url: str, limit: int, truncate: bool) -> bytes:
        declared = response.headers.get("content-length", "")
        if not truncate and declared.isdigit() and int(declared) > limit:
            raise RejectError("too-large", f"{redact_url(url)} declares {declared} bytes (cap {limit})")
        decoder = _Decoder(response.headers.get("content-encoding", ""), url)
        chunks: list[bytes] = []
        size = 0
        async for raw in response.aiter_raw():
            data = decoder.feed(raw, limit - size + 1)
            chunks.append(data)
            size += len(data)
            if size > limit:
                if truncate:
                    return b"".join(chunks)[:limit]
                raise RejectError("too-large", f"{redact_url(url)} body exceeds {limit} bytes")
        return b"".join(chunks)

    async def _wait_turn(self, url: str, policy: FetchPolicy) -> None:
        """Per-host politeness across every source of the cycle: requests to one host are spaced
        by the largest of min_host_interval and its robots Crawl-delay (capped)."""
        interval = policy.min_host_interval
        rules = self._robots.get(site_of(url)) if policy.respect_robots else None
        if rules is not None:
            delay = rules.crawl_delay(policy.user_agent)
            if delay:
                interval = max(interval, min(float(delay), policy.max_crawl_delay))
        if interval <= 0:
            return
        host = (urlsplit(url).hostname or "").lower()
        lock = self._host_locks.setdefault(host, asyncio.Lock())
        async with lock:
            last = self._last_request.get(host)
            now = time.monotonic()
            if last is not None and last + interval > now:
                await asyncio.sleep(last + interval - now)
            self._last_request[host] = time.monotonic()

    def _backoff(self, policy: FetchPolicy, attempt: int, retry_after: str | None) -> float:
        delay = policy.backoff_base * 2**attempt
        wanted = _retry_after_seconds(retry_after)
        if wanted is not None:
            delay = max(delay, wanted)
        return min(delay, policy.backoff_max)

    async def _allowed(self, url: str, policy: FetchPolicy) -> bool:
        site = site_of(url)
        if site not in self._robots:
            lock = self._robots_loading.setdefault(site, asyncio.Lock())
            async with lock:  # one robots.txt request per site, however many items wait for it
                if site not in self._robots:
                    self._robots[site] = await self._load_robots(f"{site}/robots.txt", policy)
        return self._robots[site].can_fetch(policy.user_agent, url)

    async def _load_robots(self, robots_url: str, policy: FetchPolicy):
        try:
            result = await self._fetch(robots_url, policy, ANY_TYPE, None, robots=False, limit=ROBOTS_MAX_BYTES, truncate=True)
        except RejectError as exc:
            log.info("robots.txt %s unreachable (%s): allowing", redact_url(robots_url), exc.reason)
            return rules_from(None, b"")
        return rules_from(result.status, result.content)
