"""Fixtures for source tests: a local HTTP server on 127.0.0.1 and a fast, permissive fetcher."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from tasks.sources.fetch import Fetcher, FetchPolicy

# Tiny timeouts and backoff keep the suite fast; private networks are allowed because the
# test server listens on loopback (tests of the guard itself build their own policy).
FAST = FetchPolicy(
    timeout=0.5,
    total_timeout=5.0,
    max_retries=2,
    backoff_base=0.01,
    backoff_max=0.05,
    min_host_interval=0.0,
    allow_private_networks=True,
)


@pytest.fixture(scope="session")
def _running_server() -> Iterator[HTTPServer]:
    # One server for the session: stopping a werkzeug server costs 0.5 s (its poll interval).
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def server(_running_server: HTTPServer) -> Iterator[HTTPServer]:
    """A threaded server (a slow handler must not block the retry) where unknown paths are 404."""
    _running_server.clear()
    _running_server.no_handler_status_code = 404  # a missing robots.txt means "allow"
    yield _running_server
    _running_server.clear()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(FAST) as f:
        yield f
