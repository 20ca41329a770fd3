"""IPTC ninjs ("News in JSON") items, 1.x and 2.x: headline(s), byline / by, firstcreated /
versioncreated, located, subject(s), language and the body (body_html / body_text in 1.x,
bodies in 2.x). A ninjs item arrives as a JSON document or record: the JSON reader sends each
record that `is_ninjs` here."""

from __future__ import annotations

import re

from tasks.normalize.dates import parse_date
from tasks.normalize.markup import html_paragraphs, plain_paragraphs
from tasks.normalize.renditions import finish_text_article
from tasks.normalize.textmeta import TextMeta, split_names
from tasks.records import ParsedArticle, RejectError

# fields only ninjs uses (IPTC's names); with "uri", the one field ninjs requires, they mark an item
_NINJS_FIELDS = {"versioncreated", "firstcreated", "contentcreated", "body_html", "body_text", "bodies", "headlines",
                 "representationtype", "pubstatus", "copyrightholder", "usageterms", "ednote"}
_BY = re.compile(r"^\s*(?:by|von|par|por)\s+", re.I)
_MAIN_ROLES = ("main", "text", "html", "xhtml", "", None)


def is_ninjs(record: object) -> bool:
    """A JSON object in ninjs shape: it names a ninjs schema, or has "uri" and ninjs-only fields."""
    if not isinstance(record, dict):
        return False
    schema = record.get("$schema")
    if isinstance(schema, str) and "ninjs" in schema.lower():
        return True
    standard = record.get("standard")
    if isinstance(standard, dict) and str(standard.get("name", "")).lower() == "ninjs":
        return True
    return "uri" in record and any(name in record for name in _NINJS_FIELDS)


def parse_ninjs(item: dict) -> ParsedArticle:
    """One ninjs item to an article; a picture or audio item without text is refused."""
    paragraphs, links = _body(item)
    if not paragraphs:
        raise RejectError("no-article-text", f"ninjs {item.get('type') or 'item'} {str(item.get('uri'))[:200]!r} has no text body")
    headline = _headline(item)
    byline = _string(item, "by") or _string(item, "byline")
    first_field = "firstcreated" if _date(item, "firstcreated") else "contentcreated"
    first, version = _date(item, first_field), _date(item, "versioncreated")
    raw = _string(item, first_field) if first else _string(item, "versioncreated") if version else None
    if paragraphs and headline and paragraphs[0].casefold() == headline.casefold():
        paragraphs = paragraphs[1:]
    meta = TextMeta(title=headline, published_at=first or version, published_raw=raw, authors=split_names(_BY.sub("", byline)) if byline else [])
    article = finish_text_article("ninjs", paragraphs, meta, links)
    return ParsedArticle(
        format="ninjs",
        body=article.body,
        title=article.title,
        authors=tuple(dict.fromkeys(article.authors)),
        published_at=article.published_at,
        published_raw=article.published_raw,
        language=_string(item, "language"),
        links=article.links,
        site_name=_string(item, "copyrightholder"),
        extra={**article.extra, "located": _string(item, "located"), "subjects": _subjects(item),
               "version_created": version.isoformat() if version else None, "uri": _string(item, "uri")},
    )


def _body(item: dict):
    """(paragraphs, links): HTML bodies first (they keep paragraph breaks), then plain text."""
    bodies = item.get("bodies") if isinstance(item.get("bodies"), list) else item.get("body") if isinstance(item.get("body"), list) else []
    candidates: list[tuple[str, str]] = []  # (content type, value)
    for body in bodies:
        if isinstance(body, dict) and isinstance(body.get("value"), str) and body.get("role", body.get("name")) in _MAIN_ROLES:
            kind = str(body.get("contenttype") or body.get("name") or "")
            candidates.append(("html" if "html" in kind or body["value"].lstrip().startswith("<") else "text", body["value"]))
    for name, kind in (("body_html", "html"), ("body_xhtml", "html"), ("body_text", "text")):
        if isinstance(item.get(name), str):
            candidates.append((kind, item[name]))
    candidates.sort(key=lambda c: c[0] != "html")
    for kind, value in candidates:
        paragraphs, links = html_paragraphs(value) if kind == "html" else (plain_paragraphs(value), [])
        if paragraphs:
            return paragraphs, links
    return [], []


def _headline(item: dict) -> str | None:
    value = item.get("headlines", item.get("headline"))
    if isinstance(value, str):
        return " ".join(value.split()) or None
    if isinstance(value, list):  # 2.x: [{"role": "main", "value": ...}]; drafts: [{"name": "main", "text": ...}]
        texts = [(h.get("role", h.get("name")), h.get("value", h.get("text"))) for h in value if isinstance(h, dict)]
        texts = [(role, " ".join(t.split())) for role, t in texts if isinstance(t, str) and t.strip()]
        for role, text in sorted(texts, key=lambda rt: rt[0] not in ("main", None)):
            return text
    return None


def _subjects(item: dict) -> list[str]:
    value = item.get("subjects", item.get("subject"))
    if not isinstance(value, list):
        return []
    names = [s.get("name") or s.get("code") or s.get("uri") if isinstance(s, dict) else s for s in value]
    return [n for n in names if isinstance(n, str) and n.strip()]


def _string(item: dict, name: str) -> str | None:
    value = item.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _date(item: dict, name: str):
    value = _string(item, name)
    return parse_date(value) if value else None
