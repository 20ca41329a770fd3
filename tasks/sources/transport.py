"""An httpx transport whose every TCP connection goes only to addresses the SSRF guard approved.

Checking a URL's host before a request is not enough: DNS can answer differently a millisecond
later (DNS rebinding). Here the transport itself resolves the name, checks every address and
connects to one of the checked addresses, so what was checked is what is reached. TLS still
verifies the certificate against the original host name (httpcore passes it as SNI).
"""

from __future__ import annotations

import functools
import ssl
import typing

import httpcore
import httpx

from tasks.sources.netguard import resolve_host


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore network backend that resolves and vets addresses before connecting."""

    def __init__(self, *, allow_private: bool, inner: httpcore.NetworkBackend | None = None) -> None:
        self._allow_private = allow_private
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        # RejectError from resolve_host passes through httpx unchanged (it maps only httpcore errors).
        addresses = resolve_host(host, port, allow_private=self._allow_private)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc  # e.g. ::1 refused while 127.0.0.1 listens: try the next one
        assert last_error is not None
        raise last_error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not reachable from the fetcher")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.cache
def ssl_context(verify: bool = True) -> ssl.SSLContext:
    """The TLS context of every client of the process (one a `verify` setting): loading the CA
    bundle costs ~20 ms, twice a client, which a poll loop made every cycle."""
    return httpx.create_ssl_context(verify=verify, trust_env=False)


def guarded_transport(*, allow_private: bool, verify: bool = True) -> httpx.HTTPTransport:
    """An HTTPTransport (no proxies, no env) that connects through `GuardedBackend`."""
    transport = httpx.HTTPTransport(verify=ssl_context(verify), trust_env=False)
    # httpx does not expose the network backend, so swap the pool it built for an equal one
    # that uses ours; `_pool` has been HTTPTransport's attribute since httpx 0.18.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=ssl_context(verify),
        max_connections=20,
        max_keepalive_connections=10,
        keepalive_expiry=5.0,
        network_backend=GuardedBackend(allow_private=allow_private),
    )
    return transport
