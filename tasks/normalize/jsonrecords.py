"""JSON / JSONL article records from APIs, exports and scrapers."""

from __future__ import annotations

import json
from collections.abc import Iterator

from tasks.normalize.dates import parse_date
from tasks.normalize.urls import normalize_url
from tasks.records import Link, ParsedArticle, RejectError

_BODY = ("body", "text", "content", "articleBody", "article_body", "maintext", "full_text", "description")
_TITLE = ("title", "headline", "name")
_URL = ("canonical_url", "url", "link", "uri", "source_url")
_DATE = ("published_at", "published", "datePublished", "date_publish", "date", "pubDate", "publish_date")
_AUTHORS = ("authors", "author", "byline", "creator")
_LANGUAGE = ("language", "lang", "inLanguage")


def iter_json_records(text: str, fmt: str) -> Iterator[tuple[int, dict | None, str | None]]:
    """(index, record, error) for every record of a JSON document or JSONL stream."""
    if fmt == "jsonl":
        for index, line in enumerate(ln for ln in text.splitlines() if ln.strip()):
            try:
                yield index, json.loads(line), None
            except (ValueError, RecursionError) as exc:
                yield index, None, f"line {index + 1}: {exc}"
        return
    try:
        data = json.loads(text)
    except RecursionError:
        raise RejectError("bad-json", "nested deeper than the JSON reader's recursion limit") from None
    if isinstance(data, dict) and isinstance(data.get("articles") or data.get("items"), list):
        data = data.get("articles") or data.get("items")
    records = data if isinstance(data, list) else [data]
    for index, record in enumerate(records):
        yield index, record, None


def parse_record(record: object) -> ParsedArticle:
    """One record to an article; wrong types are refused, not guessed."""
    if not isinstance(record, dict):
        raise RejectError("bad-record", f"expected a JSON object, got {type(record).__name__}")
    body = _pick(record, _BODY, str)
    if not body or not body.strip():
        raise RejectError("bad-record", f"no text field: expected a string in one of {', '.join(_BODY[:4])}")
    title = _pick(record, _TITLE, str)
    url = _pick(record, _URL, str)
    published = _pick(record, _DATE, str)
    published_at = parse_date(published) if published else None
    canonical = normalize_url(url)
    paragraphs = [p.strip() for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return ParsedArticle(
        format="json",
        body="\n\n".join(" ".join(p.split()) for p in paragraphs),
        title=title.strip() if title else None,
        authors=tuple(_authors(record)),
        published_at=published_at,
        published_raw=published if published_at else None,
        language=_pick(record, _LANGUAGE, str),
        canonical_url=canonical,
        links=(Link(url=canonical, text=title, kind="canonical"),) if canonical else (),
    )


def _pick(record: dict, names: tuple[str, ...], kind: type) -> object:
    for name in names:
        if name in record and record[name] is not None:
            value = record[name]
            if not isinstance(value, kind):
                raise RejectError("bad-record", f"field {name!r} should be {kind.__name__}, got {type(value).__name__}")
            return value
    return None


def _authors(record: dict) -> list[str]:
    for name in _AUTHORS:
        value = record.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            return [value.strip()] if value.strip() else []
        if isinstance(value, list):
            out = []
            for item in value:
                if isinstance(item, dict):
                    item = item.get("name")
                if not isinstance(item, str):
                    raise RejectError("bad-record", f"field {name!r} should hold names, got {type(item).__name__}")
                out.append(item.strip())
            return [a for a in out if a]
        if isinstance(value, dict) and isinstance(value.get("name"), str):
            return [value["name"].strip()]
        raise RejectError("bad-record", f"field {name!r} should be a string or list, got {type(value).__name__}")
    return []
