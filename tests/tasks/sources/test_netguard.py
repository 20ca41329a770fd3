"""SSRF guard and URL redaction."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from tasks.records import RejectError
from tasks.sources.fetch import HTML_TYPES, Fetcher
from tasks.sources.netguard import (
    blocked_reason,
    check_url,
    private_networks_allowed,
    redact_url,
)

from .conftest import FAST

STRICT = replace(FAST, allow_private_networks=False)


@pytest.fixture(scope="module")
def strict() -> Iterator[Fetcher]:
    with Fetcher(STRICT) as f:
        yield f


def _fetch_reason(fetcher: Fetcher, url: str) -> RejectError:
    with pytest.raises(RejectError) as info:
        fetcher.fetch(url, accept=HTML_TYPES)
    return info.value


def _fake_dns(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> list[str]:
    """Make getaddrinfo answer each call with the next address (the last one repeats)."""
    asked: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        addr = answers[min(len(asked), len(answers)) - 1]
        family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (addr, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("172.16.5.4", "private"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-global"),
        ("::ffff:127.0.0.1", "loopback"),
        ("fc00::1", "private"),
        ("169.254.169.254", "cloud-metadata"),
        ("fd00:ec2::254", "cloud-metadata"),
        ("100.100.100.200", "cloud-metadata"),
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
    ],
)
def test_blocked_reason(address: str, reason: str | None) -> None:
    assert blocked_reason(ipaddress.ip_address(address), allow_private=False) == reason


def test_metadata_blocked_even_when_private_networks_allowed() -> None:
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"):
        assert blocked_reason(ipaddress.ip_address(address), allow_private=True) == "cloud-metadata"
    assert blocked_reason(ipaddress.ip_address("10.0.0.1"), allow_private=True) is None


def test_loopback_refused_when_not_allowed(server: HTTPServer, strict: Fetcher) -> None:
    server.expect_request("/a").respond_with_data("<html></html>", content_type="text/html")
    error = _fetch_reason(strict, server.url_for("/a"))
    assert error.reason == "private-address" and "loopback" in error.detail
    assert server.log == []  # nothing was sent, not even a robots.txt request


def test_private_ip_literals_refused_without_any_request(strict: Fetcher) -> None:
    for url in ("http://10.0.0.1/", "http://192.168.1.1:8080/x", "http://[::1]/", "http://0x7f.1/"):
        assert _fetch_reason(strict, url).reason == "private-address", url


def test_redirect_to_metadata_refused_even_when_private_allowed(
    server: HTTPServer, fetcher: Fetcher
) -> None:
    for path, target in [
        ("/aws", "http://169.254.169.254/latest/meta-data/iam/"),
        ("/aws6", "http://[fd00:ec2::254]/latest/"),
        ("/gcp", "http://metadata.google.internal/computeMetadata/v1/"),
        ("/ali", "http://100.100.100.200/latest/meta-data/"),
    ]:
        server.expect_request(path).respond_with_data("", status=302, headers={"Location": target})
        error = _fetch_reason(fetcher, server.url_for(path))
        assert error.reason == "private-address", target


def test_hostname_resolving_to_private_address_refused(
    monkeypatch: pytest.MonkeyPatch, strict: Fetcher
) -> None:
    _fake_dns(monkeypatch, ["10.9.8.7"])
    error = _fetch_reason(strict, "https://news.example.com/story")
    assert error.reason == "private-address" and "10.9.8.7" in error.detail


def test_dns_rebinding_is_caught_at_connect_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # The pre-flight check sees a public address; the connection's own lookup gets loopback.
    asked = _fake_dns(monkeypatch, ["93.184.216.34", "127.0.0.1"])
    with Fetcher(replace(STRICT, respect_robots=False)) as f:
        error = _fetch_reason(f, "http://rebind.example/")
    assert error.reason == "private-address" and "127.0.0.1" in error.detail
    assert asked == ["rebind.example", "rebind.example"]


def test_mixed_public_and_private_answers_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(RejectError, match="private-address"):
        check_url("http://both.example/", allow_private=False)


def test_unresolvable_host_is_connection_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def getaddrinfo(host, port, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)  # no real DNS query in tests
    with pytest.raises(RejectError) as info:
        check_url("http://no-such-host.invalid/", allow_private=False)
    assert info.value.reason == "connection-error"


def test_schemes_and_malformed_urls() -> None:
    for url, reason in [
        ("file:///etc/passwd", "unsupported-scheme"),
        ("gopher://x/", "unsupported-scheme"),
        ("http:///nohost", "bad-url"),
        ("http://example.com:99999/", "bad-url"),
    ]:
        with pytest.raises(RejectError) as info:
            check_url(url, allow_private=True)
        assert info.value.reason == reason, url


def test_redact_url() -> None:
    assert redact_url("https://bob:s3cret@example.com/a?b=1") == "https://example.com/a?b=1"
    redacted = redact_url("https://x.com/f?access_token=abc&page=2&API_KEY=k&X-Amz-Signature=z")
    assert "abc" not in redacted and "=k" not in redacted and "=z" not in redacted
    assert "page=2" in redacted and "access_token=REDACTED" in redacted


def test_rejects_never_carry_credentials(strict: Fetcher, fetcher: Fetcher) -> None:
    for f in (strict, fetcher):  # refused by the guard / refused by the (closed) port
        error = _fetch_reason(f, "http://user:hunter2@127.0.0.1:9/feed?token=abc123")
        assert "hunter2" not in str(error) and "abc123" not in str(error)
        assert "token=REDACTED" in error.detail


def test_private_networks_allowed_reads_the_given_mapping_only() -> None:
    assert private_networks_allowed({"NEWSFLOW_ALLOW_PRIVATE_NETWORKS": "1"})
    assert private_networks_allowed({"NEWSFLOW_ALLOW_PRIVATE_NETWORKS": "true"})
    assert not private_networks_allowed({"NEWSFLOW_ALLOW_PRIVATE_NETWORKS": "0"})
    assert not private_networks_allowed({})


# Userinfo characters a well-formed URL may carry unescaped ("/?#@[]" would end the authority).
SECRET_CHARS = st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="/?#@[]\\%&=")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.text(alphabet=SECRET_CHARS, max_size=12))
def test_redact_and_check_never_crash_nor_leak(tail: str, secret: str) -> None:
    url = f"https://user:{secret}@ex.example/{tail}?token={secret}"
    redacted = redact_url(url)
    if len(secret) > 3 and secret not in "REDACTED":
        assert f":{secret}@" not in redacted and f"token={secret}" not in redacted
    with pytest.raises(RejectError):
        # A stub resolver answering loopback: no DNS query leaves the machine.
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, 1, 6, "", ("127.0.0.1", 0))])
            check_url(f"http://{tail}/", allow_private=False)


@pytest.mark.parametrize(
    "url", ["/a b", "/\u00fc", "/%zz", "/\x00x", "http://[::1", "http://", "http://exa mple.com/",
            "http://127.0.0.1:99999/", " http://127.0.0.1:9/ "],
)
def test_odd_urls_and_validators_reject_cleanly(server: HTTPServer, fetcher: Fetcher, url: str) -> None:
    target = server.url_for(url) if url.startswith("/") else url
    for validators in (None, ("\u00fc", "a\r\nb")):
        try:
            fetcher.fetch(target, accept=HTML_TYPES, validators=validators)
        except RejectError as exc:
            assert exc.reason in {"http-404", "bad-url", "connection-error"}
