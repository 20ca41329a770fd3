"""Metadata lines of text renditions: title, date, byline, dateline, related, caption, footers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from tasks.normalize.dates import find_date_text, is_date_line
from tasks.normalize.urls import find_urls, normalize_url

_BYLINE = re.compile(r"^\s*(?:by|written by|author:)\s+(?P<names>[A-Z][\w.'’\- ]+(?:(?:,|\band\b|&)\s*[A-Z][\w.'’\- ]+)*)\s*$", re.I)
_FOOTER = re.compile(r"^\s*(?:original\s+url|source|source\s+url|canonical|url)\s*:\s*(?P<url>\S*)\s*$", re.I)
_RELATED = re.compile(r"^\s*(?:related(?:\s+articles?)?|read\s+(?:also|more)|see\s+also)\s*:\s*(?P<text>.+)$", re.I)
_WIRE_CREDIT = re.compile(r"^\(\s*(?:(?:additional\s+)?reporting|writing|compiled)\s+by\s+(?P<body>[^()]{2,300})\)$", re.I)
_DATELINE = re.compile(r"^(?P<place>[A-Z][A-Z .'\-]{2,40}(?:,\s*[A-Z][A-Za-z .]+)?)\s*(?:\((?P<agency>[A-Za-z .]+)\))?\s*[—–-]{1,2}\s+")


@dataclass
class TextMeta:
    title: str | None = None
    published_at: datetime | None = None
    published_raw: str | None = None  # the text published_at was read from
    authors: list[str] = field(default_factory=list)
    canonical_url: str | None = None
    dateline: str | None = None
    related_titles: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    source_urls: list[str] = field(default_factory=list)


def take_footer_urls(paragraphs: list[str], meta: TextMeta) -> list[str]:
    """Remove "Original url: <...>" / "Source: ..." footers, keeping the URL as canonical."""
    out: list[str] = []
    waiting_for_url = False
    for para in paragraphs:
        footer = _FOOTER.match(para) if len(para) < 400 else None
        if footer:
            url = footer.group("url")
            if url and normalize_url(url):
                meta.canonical_url = meta.canonical_url or normalize_url(url)
            else:
                waiting_for_url = True
            continue
        if waiting_for_url:
            urls = find_urls(para)
            if urls and len(para) < 400 and normalize_url(urls[0]):
                meta.canonical_url = meta.canonical_url or normalize_url(urls[0])
                waiting_for_url = False
                continue
        waiting_for_url = False
        out.append(para)
    return out


def take_wire_credits(paragraphs: list[str], meta: TextMeta, tail: int = 3) -> list[str]:
    """Agency credit lines at the end ("(Reporting by A; Editing by B)") are metadata, not body.

    The reporters become authors when the text named none; editors are dropped.
    """
    out = list(paragraphs)
    for index in range(len(out) - 1, max(len(out) - 1 - tail, -1), -1):
        credit = _WIRE_CREDIT.match(out[index].strip())
        if not credit:
            continue
        if not meta.authors:
            reporters = re.split(r";", credit.group("body"))[0]
            meta.authors.extend(split_names(reporters))
        del out[index]
    return out


def take_header_lines(paragraphs: list[str], meta: TextMeta, head: int = 6) -> list[str]:
    """Date lines, bylines and a leading dateline in the first paragraphs become metadata."""
    out: list[str] = []
    for index, para in enumerate(paragraphs):
        if index < head and meta.published_at is None and is_date_line(para):
            found = find_date_text(para)
            meta.published_at, meta.published_raw = found if found else (None, None)
            continue
        byline = _BYLINE.match(para) if index < head and len(para) < 120 else None
        if byline:
            meta.authors.extend(split_names(byline.group("names")))
            continue
        out.append(para)
    if out:
        dateline = _DATELINE.match(out[0])
        if dateline and not out[0][: dateline.end()].strip().isdigit():
            meta.dateline = dateline.group(0).strip(" —–-")
            out[0] = out[0][dateline.end():]
    return out


def take_related_lines(paragraphs: list[str], meta: TextMeta) -> list[str]:
    """"Related article: ..." lines are navigation, not body: keep their titles as data."""
    out = []
    for para in paragraphs:
        related = _RELATED.match(para) if len(para) < 300 else None
        if related:
            meta.related_titles.append(related.group("text").strip())
        else:
            out.append(para)
    return out


def split_names(names: str) -> list[str]:
    """ "A, B and C" → [A, B, C]."""
    parts = re.split(r",|\band\b|&", names)
    return [p.strip(" .") for p in parts if p.strip(" .")]


def classify_link(url: str, related_titles: list[str], own_domain: str | None) -> str:
    """`related` for links to the same site or to a related article's slug, else `source`."""
    from tasks.normalize.urls import domain_of

    if own_domain and domain_of(url) == own_domain:
        return "related"
    slug_words = set(re.findall(r"[a-z]{3,}", url.lower().rsplit("/", 1)[-1]))
    for title in related_titles:
        title_words = set(re.findall(r"[a-z]{3,}", title.lower()))
        if len(slug_words & title_words) >= 3:
            return "related"
    return "source"
