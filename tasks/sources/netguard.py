"""SSRF guard: which URLs and addresses a fetcher may reach, and URL redaction for logs.

A news pipeline fetches URLs chosen by strangers (feed items, sitemap entries, redirects), so
every connection is checked against the addresses it would actually reach. Private networks
are refused unless the caller allows them; cloud-metadata endpoints are refused always, because
no news source lives there and reaching one can leak credentials.

Pure functions: nothing here reads the environment. `private_networks_allowed(env)` is for the
CLI/config layer to turn `NEWSFLOW_ALLOW_PRIVATE_NETWORKS` into the bool passed down.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tasks.records import RejectError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = frozenset({"http", "https"})

# Refused even when private networks are allowed: instance-metadata services of the big clouds
# (AWS/GCP/Azure/OpenStack, AWS IPv6, ECS task metadata, Alibaba).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "metadata", "instance-data"})

# Query parameters whose values are secrets often enough that logs must never show them.
SECRET_PARAMS = frozenset(
    {
        "token", "access_token", "refresh_token", "id_token", "auth", "authorization",
        "api_key", "apikey", "key", "secret", "client_secret", "password", "passwd", "pwd",
        "sig", "signature", "session", "sessionid", "sid", "code", "credential",
        "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature",
    }
)
_SECRET_HINTS = ("token", "secret", "passw", "signature", "apikey", "api_key")

_TRUE = frozenset({"1", "true", "yes", "on"})
_BAD_HOST_CHARS = frozenset('<>"{}|\\^`%/?#@\x00')


def private_networks_allowed(env: Mapping[str, str]) -> bool:
    """True when `NEWSFLOW_ALLOW_PRIVATE_NETWORKS` in `env` is 1/true/yes/on (for the CLI layer)."""
    return env.get("NEWSFLOW_ALLOW_PRIVATE_NETWORKS", "").strip().lower() in _TRUE


def redact_url(url: str) -> str:
    """`url` with userinfo removed and secret-looking query values replaced, for logs and rejects."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
        # Fragments carry tokens too (OAuth implicit flow: #access_token=...).
        return urlunsplit(
            (parts.scheme, netloc, parts.path, _redact_pairs(parts.query), _redact_pairs(parts.fragment))
        )
    except ValueError:
        # Unparseable input: show nothing that could be a credential.
        return "<unparseable url>"


def _redact_pairs(text: str) -> str:
    if "=" not in text:
        return text
    pairs = parse_qsl(text, keep_blank_values=True)
    return urlencode([(k, "REDACTED" if _is_secret_param(k) else v) for k, v in pairs], safe="/:?")


def _is_secret_param(name: str) -> bool:
    low = name.lower()
    return low in SECRET_PARAMS or any(h in low for h in _SECRET_HINTS)


def blocked_reason(ip: IPAddress, *, allow_private: bool) -> str | None:
    """Why connecting to `ip` is refused (e.g. "loopback"), or None when it is allowed."""
    # An IPv4-mapped IPv6 address (::ffff:127.0.0.1) reaches the IPv4 host: judge that one.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return "cloud-metadata"
    if allow_private:
        return None
    for label in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{label}"):
            return label.replace("_", "-")
    # Everything else that is not globally routable (100.64/10 CGNAT, 192.0.0/24, ...).
    if not ip.is_global:
        return "non-global"
    return None


def resolve_host(host: str, port: int, *, allow_private: bool) -> list[str]:
    """Resolve `host` and return its addresses, refusing the host if any address is blocked.

    Raises RejectError("private-address") for a blocked address or metadata hostname and
    RejectError("connection-error") when the name does not resolve. Refusing the whole host
    when one address is bad closes the "public A record + private AAAA record" trick.
    """
    name = host.strip("[]").rstrip(".").lower()
    if name in METADATA_HOSTS:
        raise RejectError("private-address", f"{name} is a cloud-metadata host")
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RejectError("connection-error", f"cannot resolve {name}: {exc}") from None
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        addr = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id
        reason = blocked_reason(ipaddress.ip_address(addr), allow_private=allow_private)
        if reason:
            raise RejectError("private-address", f"{name} resolves to {addr} ({reason})")
        if addr not in addresses:
            addresses.append(addr)
    if not addresses:
        raise RejectError("connection-error", f"cannot resolve {name}: no addresses")
    return addresses


def check_url(url: str, *, allow_private: bool) -> tuple[str, int]:
    """Check scheme, host and resolved addresses of `url`; return (host, port) or raise RejectError.

    Reasons: "unsupported-scheme", "bad-url", "private-address", "connection-error".
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RejectError("bad-url", f"{redact_url(url)}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise RejectError("unsupported-scheme", f"{scheme or 'no'} scheme in {redact_url(url)}")
    host = parts.hostname
    if not host:
        raise RejectError("bad-url", f"no host in {redact_url(url)}")
    if any(c.isspace() or c in _BAD_HOST_CHARS for c in host):
        raise RejectError("bad-url", f"invalid host name in {redact_url(url)}")
    port = port or (443 if scheme == "https" else 80)
    try:
        resolve_host(host, port, allow_private=allow_private)
    except RejectError as exc:
        raise RejectError(exc.reason, f"{redact_url(url)}: {exc.detail}") from None
    return host, port
