"""Small frozen records that pure functions pass around; batches become Arrow tables at the edges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class RawDocument:
    """Input bytes exactly as read or fetched, before any parsing."""

    source: str
    uri: str
    content: bytes
    media_type: str | None = None  # as declared by the transport (HTTP Content-Type), if any
    fetched_at: datetime | None = None


@dataclass(frozen=True)
class Link:
    url: str
    text: str | None = None
    kind: str = "inline"  # inline / related / source / canonical


@dataclass(frozen=True)
class ParsedArticle:
    """What a format normalizer extracts from one document (or one JSON record)."""

    format: str  # markdown / plaintext / html / json / pdf / docx / email / newsml-g2 / ninjs
    body: str
    title: str | None = None
    authors: tuple[str, ...] = ()  # people who wrote it
    agencies: tuple[str, ...] = ()  # news agencies credited in the byline ("AP", "dpa"), never in authors
    published_at: datetime | None = None  # in the publisher's zone when the source names one, else naive or UTC
    published_raw: str | None = None  # the date text published_at was read from, as written
    published_day: str | None = None  # the publisher's day when the page tells only that (a UTC time, a URL date)
    language: str | None = None  # declared language, if the document declares one
    canonical_url: str | None = None
    site_name: str | None = None
    links: tuple[Link, ...] = ()
    extra: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Reject:
    uri: str
    stage: str  # ingest / normalize / dedup / enrich / publish / fetch
    reason: str  # short, stable, groupable: empty-file, binary, undecodable, ...
    detail: str = ""
    document_id: str | None = None  # set when the bytes were stored in `documents`


class RejectError(Exception):
    """Raised by a pure function when an input cannot be used; becomes a `rejects` row."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
