"""Sitemap source: sitemap indexes, urlsets, Google News sitemaps, plain-text sitemaps, gzip.

Walks an index breadth-first (bounded depth and count), keeps the URLs published or modified
inside the recency window, skips URLs already turned into documents, and fetches the rest.
Sitemaps are untrusted input: XML is screened by defusedxml and gzip is inflated under a cap,
so a billion-laughs file or a gzip bomb becomes a reject, not an out-of-memory crash.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin
from xml.etree.ElementTree import Element

from tasks.records import Reject, RejectError
from tasks.sources.base import (
    STAGE,
    Item,
    SourceState,
    fetch_document,
    fetch_resource,
    is_remote,
    read_local,
    reject_of,
)
from tasks.sources.fetch import SITEMAP_TYPES, Fetcher
from tasks.sources.netguard import redact_url
from tasks.sources.xmlsafe import parse_xml
from tasks.normalize.dates import parse_iso_datetime

# The sitemap protocol's own limits: 50 MB uncompressed, 50,000 URLs per file.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
MAX_URLS_PER_SITEMAP = 50_000


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: datetime | None = None
    published: datetime | None = None  # news:publication_date (Google News sitemaps)
    title: str | None = None  # news:title

    @property
    def date(self) -> datetime | None:
        """The date the recency window is judged by: publication if known, else lastmod."""
        return self.published or self.lastmod


@dataclass(frozen=True)
class Sitemap:
    kind: str  # index / urlset / text
    entries: tuple[SitemapEntry, ...]


def iter_sitemap(
    location: str, *, fetcher: Fetcher | None, state: SourceState, source: str = "sitemap",
    since: datetime | None = None, max_depth: int = 2, max_sitemaps: int = 200,
    max_bytes: int = MAX_SITEMAP_BYTES,
) -> Iterator[Item]:
    """Documents for the pages listed by the sitemap (or index) at `location` (URL or path).

    `since` keeps only entries dated at or after it (undated entries are kept: nothing says
    they are old). The root is always fetched unconditionally: an unchanged index can still
    point at changed child sitemaps, which are fetched conditionally.
    """
    since = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
    queue: list[tuple[str, int]] = [(location, 0)]
    visited: set[str] = set()
    while queue:
        url, depth = queue.pop(0)
        if url in visited:
            continue
        if len(visited) >= max_sitemaps:
            yield Reject(redact_url(url), STAGE, "too-many-sitemaps", f"limit {max_sitemaps} reached")
            return
        visited.add(url)
        try:
            content = _load(url, fetcher=fetcher, state=state, source=source, root=depth == 0)
            if content is None:
                state.skipped["sitemap-not-modified"] += 1
                continue
            sitemap = parse_sitemap(content, uri=url, max_bytes=max_bytes)
        except RejectError as exc:
            yield reject_of(url, exc)
            continue
        for entry in sitemap.entries[:MAX_URLS_PER_SITEMAP]:
            if since and entry.date and entry.date < since:
                state.skipped["too-old"] += 1
            elif sitemap.kind == "index":
                if depth + 1 > max_depth:
                    yield Reject(redact_url(entry.loc), STAGE, "sitemap-too-deep", f"depth > {max_depth}")
                else:
                    queue.append((entry.loc, depth + 1))
            elif entry.loc in state.seen_urls:
                state.skipped["seen"] += 1
            elif fetcher is None:
                yield Reject(redact_url(entry.loc), STAGE, "no-fetcher", "sitemap page needs a fetcher")
            else:
                result = fetch_document(entry.loc, fetcher=fetcher, state=state, source=source)
                if result is not None:
                    yield result


def parse_sitemap(content: bytes, *, uri: str, max_bytes: int = MAX_SITEMAP_BYTES) -> Sitemap:
    """Entries of a sitemap (gzip or not); RejectError too-large / xml-unsafe / sitemap-unparseable."""
    if content[:2] == b"\x1f\x8b":
        content = gunzip_capped(content, limit=max_bytes, uri=uri)
    elif len(content) > max_bytes:
        raise RejectError("too-large", f"{redact_url(uri)} is over {max_bytes} bytes")
    if not content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _parse_text(content, uri)
    root = parse_xml(content, uri=redact_url(uri))
    kind = _local(root.tag)
    if kind == "sitemapindex":
        return Sitemap("index", tuple(_entries(root, "sitemap", uri)))
    if kind == "urlset":
        return Sitemap("urlset", tuple(_entries(root, "url", uri)))
    raise RejectError("sitemap-unparseable", f"{redact_url(uri)}: root element <{kind}>")


def gunzip_capped(data: bytes, *, limit: int, uri: str) -> bytes:
    """Inflate gzip `data` (all members), refusing to produce more than `limit` bytes."""
    out = bytearray()
    pending = data
    while pending[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            # max_length stops inflation one byte past the cap: a bomb never expands in memory.
            out += inflater.decompress(pending, limit + 1 - len(out))
        except zlib.error as exc:
            raise RejectError("gzip-corrupt", f"{redact_url(uri)}: {exc}") from None
        if len(out) > limit:
            raise RejectError("too-large", f"{redact_url(uri)} inflates past {limit} bytes")
        if not inflater.eof:
            raise RejectError("gzip-corrupt", f"{redact_url(uri)}: truncated gzip stream")
        pending = inflater.unused_data
    return bytes(out)


def _load(
    url: str, *, fetcher: Fetcher | None, state: SourceState, source: str, root: bool
) -> bytes | None:
    if not is_remote(url):
        return read_local(Path(url.removeprefix("file://")))
    if fetcher is None:
        raise RejectError("no-fetcher", "a remote sitemap needs a fetcher")
    # The root is fetched unconditionally (see iter_sitemap); its validators are still logged.
    result = fetch_resource(
        url, fetcher=fetcher, state=state, source=source, accept=SITEMAP_TYPES, conditional=not root
    )
    return None if result.not_modified else result.content


def _entries(root: Element, tag: str, uri: str) -> Iterator[SitemapEntry]:
    for node in root:
        if _local(node.tag) != tag:
            continue
        fields: dict[str, str] = {}
        for child in node.iter():
            name = _local(child.tag)
            if name in ("loc", "lastmod", "publication_date", "title") and child.text:
                fields.setdefault(name, child.text.strip())
        if fields.get("loc"):
            yield SitemapEntry(
                loc=urljoin(uri, fields["loc"]),
                lastmod=parse_iso_datetime(fields.get("lastmod")),
                published=parse_iso_datetime(fields.get("publication_date")),
                title=fields.get("title"),
            )


def _parse_text(content: bytes, uri: str) -> Sitemap:
    # A text sitemap is one absolute URL per line (sitemaps.org); anything else is noise.
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RejectError("sitemap-unparseable", f"{redact_url(uri)}: neither XML nor UTF-8 text") from None
    lines = (line.strip() for line in text.splitlines())
    entries = tuple(SitemapEntry(line) for line in lines if line.startswith(("http://", "https://")))
    if not entries:
        raise RejectError("sitemap-unparseable", f"{redact_url(uri)}: no URLs found")
    return Sitemap("text", entries)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]

