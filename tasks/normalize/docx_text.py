"""DOCX renditions (press releases, statements): paragraphs, headings, tables, hyperlinks and the
document properties, through python-docx; the text then takes the path of the other text
renditions (date lines, bylines, datelines, pasted URL blocks: renditions.py)."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from datetime import datetime, timezone

from tasks.normalize.renditions import finish_text_article
from tasks.normalize.textmeta import TextMeta
from tasks.records import Link, ParsedArticle, RejectError

# python-docx reads every part of the package whole. zipfile never inflates a member past its
# declared size (it stops there and fails the CRC), so the declared sizes bound the memory.
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 2_000
_HEADING_STYLE = re.compile(r"^heading (\d)$", re.I)
_NO_TITLE = re.compile(r"^(?:untitled|document\d*|press release)$", re.I)
# what templates and office suites write as the author when nobody set one
_NO_AUTHOR = {"python-docx", "microsoft office user", "user", "admin", "administrator", "author", "unknown"}


def parse_docx(content: bytes) -> ParsedArticle:
    """The article of a Word document. RejectError for a zip bomb or an unreadable package."""
    check_zip(content)
    import docx  # here: only DOCX documents pay for it
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import LxmlError

    try:
        document = docx.Document(io.BytesIO(content))
        paragraphs, headings, links, title = _read_body(document)
        props = document.core_properties
        prop_title, prop_author, prop_language = props.title, props.author, props.language
        created, modified = props.created, props.modified
    except (ValueError, KeyError, TypeError, zipfile.BadZipFile, PackageNotFoundError, LxmlError) as exc:
        raise RejectError("unreadable-docx", f"{type(exc).__name__}: {exc}"[:300]) from None
    meta = TextMeta(title=title)
    article = finish_text_article("docx", paragraphs, meta, links)
    published = article.published_at or _aware(created) or _aware(modified)  # core properties: W3CDTF, in UTC
    authors = article.authors or tuple(a.strip() for a in re.split(r"[;,]", prop_author or "") if a.strip() and a.strip().lower() not in _NO_AUTHOR)
    return dataclasses.replace(
        article,
        format="docx",
        title=article.title or _clean_title(prop_title),
        authors=authors,
        published_at=published,
        published_raw=article.published_raw if article.published_at else published.isoformat() if published else None,
        language=(prop_language or None),
        extra={**article.extra, "headings": headings},
    )


def check_zip(content: bytes) -> None:
    """Refuse a zip bomb from its central directory, before anything is inflated."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise RejectError("unreadable-docx", f"not a readable zip: {exc}") from None
    if len(members) > MAX_MEMBERS:
        raise RejectError("zip-bomb", f"{len(members)} members > limit {MAX_MEMBERS}")
    declared = sum(m.file_size for m in members)
    if declared > MAX_UNZIPPED_BYTES:
        raise RejectError("zip-bomb", f"members inflate to {declared} bytes > limit {MAX_UNZIPPED_BYTES} "
                          f"({len(content)} bytes zipped): refused before inflating")


def _read_body(document) -> tuple[list[str], list[str], list[Link], str | None]:
    """(paragraphs, headings, hyperlinks, title) in document order; tables cell by cell.

    The first paragraph in the Title style is the title; headings stay in the body (as markdown
    section headings do) and are also listed."""
    from docx.table import Table

    paragraphs: list[str] = []
    headings: list[str] = []
    links: list[Link] = []
    title = None
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            seen: set[int] = set()
            for row in block.rows:
                for cell in row.cells:
                    if id(cell._tc) not in seen:  # a merged cell is listed once per grid column
                        seen.add(id(cell._tc))
                        paragraphs.extend(p.text.strip() for p in cell.paragraphs if p.text.strip())
            continue
        text = " ".join(block.text.split())
        if not text:
            continue
        for link in block.hyperlinks:
            if link.url:
                links.append(Link(url=link.url, text=link.text or None, kind="inline"))
        style = (block.style.name if block.style is not None else "") or ""
        if style == "Title" and title is None:
            title = text
            continue
        if _HEADING_STYLE.match(style) or style == "Subtitle":
            headings.append(text)
        paragraphs.append(text)
    return paragraphs, headings, links, title


def _clean_title(value: str | None) -> str | None:
    title = " ".join((value or "").split())
    return title if title and not _NO_TITLE.match(title) else None


def _aware(value: datetime | None) -> datetime | None:
    """Core properties are W3CDTF in UTC; python-docx returns them naive."""
    if value is None or not 1990 <= value.year <= 2100:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
