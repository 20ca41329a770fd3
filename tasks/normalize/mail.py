"""E-mail renditions: one RFC 5322 message (.eml) or a mailbox of them (.mbox), read with the
stdlib `email` package. Each message gives its HTML part (else its text part) as an article: the
subject is the title when the body has none, the Date header the date, the sender the source
detail. A newsletter whose HTML marks several stories (<article> elements, or elements of class
"story"/"article") gives one article per story.

A mailbox is read message by message, never parsed whole, and at most MAX_MESSAGES of it: the
rest is one reject that says how many messages were left. Messages that fail for the same
reason are one reject too, so 100,000 empty messages are two rejects, not 100,000.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import policy
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime

from tasks.normalize.markup import block_paragraphs, local_name
from tasks.normalize.plaintext import parse_plaintext
from tasks.normalize.renditions import finish_text_article
from tasks.normalize.textmeta import TextMeta
from tasks.normalize.urls import normalize_url
from tasks.records import Link, ParsedArticle, RejectError

MAX_MESSAGES = 5_000
MIN_BODY_WORDS = 12  # "hi", "see attached", a one-line reply: not an article
_MBOX_SEPARATOR = re.compile(rb"^From ", re.M)
_MBOXRD_QUOTED = re.compile(rb"^>(>*From )", re.M)
_STORY_CLASSES = {"story", "article", "news-item", "newsletter-story", "story-item"}
_READ_MORE = re.compile(r"^(?:read more|continue reading|read the full story|full story|more)\b.{0,30}$", re.I)
_HEADINGS = ("h1", "h2", "h3", "h4")
_PARSER = BytesParser(policy=policy.compat32)


def parse_mail(content: bytes, fmt: str) -> list[ParsedArticle | RejectError]:
    """Articles of an 'email' (one message) or 'mbox' document; failed messages as RejectErrors,
    those of one reason folded into one."""
    messages = iter_mbox(content) if fmt == "mbox" else iter([content])
    out: list[ParsedArticle | RejectError] = []
    failed: dict[str, list] = {}  # reason -> [count, first detail, first message numbers]
    count = 0
    too_many = None
    for count, raw in enumerate(messages, start=1):
        if count > MAX_MESSAGES:
            left = 1 + sum(1 for _ in messages)
            too_many = RejectError("too-many-messages", f"{MAX_MESSAGES + left} messages: the first {MAX_MESSAGES} were read, "
                                   f"{left} were not; split the mailbox into files of at most {MAX_MESSAGES}")
            break
        try:
            out.extend(parse_message(raw))
        except RejectError as exc:
            seen = failed.setdefault(exc.reason, [0, exc.detail, []])
            seen[0] += 1
            if len(seen[2]) < 5:
                seen[2].append(count)
    for reason, (n, detail, numbers) in failed.items():
        where = f"message {numbers[0]}" if n == 1 else f"{n} messages ({', '.join(map(str, numbers))}{', ...' if n > len(numbers) else ''})"
        out.append(RejectError(reason, f"{where}: {detail}"))
    if too_many:
        out.append(too_many)
    if not count:
        raise RejectError("no-article-text", "a mailbox without messages")
    return out


def iter_mbox(content: bytes) -> Iterator[bytes]:
    """The messages of an mbox, one at a time: each starts at a line beginning "From " (the rule
    of the stdlib `mailbox` module, which reads files only); ">From " lines are unquoted."""
    starts = _MBOX_SEPARATOR.finditer(content)
    previous = next(starts, None)
    while previous is not None:
        following = next(starts, None)
        end = following.start() if following else len(content)
        message = content[content.find(b"\n", previous.start(), end) + 1 or end:end]
        yield _MBOXRD_QUOTED.sub(rb"\1", message) if b">From " in message else message
        previous = following


def parse_message(raw: bytes) -> list[ParsedArticle]:
    """The article(s) of one message: its newsletter stories, else its HTML or text body.

    Parsed with the compat32 policy, whose headers are plain strings: the body is looked at
    first, and only the few headers an article uses are decoded (the default policy parses
    every header it is asked for into objects, 5x the cost of a small message)."""
    try:
        message = _PARSER.parsebytes(raw)
        html, text = _body_parts(message)
    except (LookupError, ValueError, TypeError, AttributeError, UnicodeError, IndexError) as exc:
        raise RejectError("unreadable-email", f"{type(exc).__name__}: {exc}"[:300]) from None
    if len((html or text or "").split()) < MIN_BODY_WORDS and len((text or "").split()) < MIN_BODY_WORDS:
        raise RejectError("no-article-text", f"no HTML or text part with {MIN_BODY_WORDS}+ words")
    subject = _header(message, "subject")
    name, address = parseaddr(_header(message, "from") or "")
    details = {"sender": f"{name} <{address}>" if name else address or None, "subject": subject,
               "message_id": _header(message, "message-id")}
    site = name or (address.rsplit("@", 1)[-1] if "@" in address else None)
    sent = _header_date(_header(message, "date"))  # (datetime in the sender's zone, the header) or None
    articles: list[ParsedArticle] = []
    if html:
        articles = [_as_email(a, subject, sent, site, details) for a in _html_articles(html)]
    if not articles and text:
        articles = [_as_email(parse_plaintext(text), subject, sent, site, details)]
    articles = [a for a in articles if len(a.body.split()) >= MIN_BODY_WORDS]
    if not articles:
        raise RejectError("no-article-text", f"no HTML or text part with {MIN_BODY_WORDS}+ words (subject {subject!r})")
    return articles


def _body_parts(message) -> tuple[str | None, str | None]:
    """(first text/html part, first text/plain part), attachments left out, decoded by charset."""
    html = text = None
    for part in message.walk():
        if part.is_multipart() or (part.get("content-disposition") or "").lower().startswith("attachment"):
            continue
        kind = part.get_content_type()
        if kind not in ("text/html", "text/plain") or (html if kind == "text/html" else text) is not None:
            continue
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        try:
            decoded = payload.decode(charset, errors="replace")
        except LookupError:  # an unknown charset name
            decoded = payload.decode("utf-8", errors="replace")
        if kind == "text/html":
            html = decoded
        else:
            text = decoded
    return html, text


def _header(message, name: str) -> str | None:
    """A header's text, RFC 2047 encoded words decoded; None when absent or empty."""
    raw = message.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str):  # an email.header.Header, for undecodable bytes
        raw = str(raw)
    if "=?" in raw:
        try:
            raw = str(make_header(decode_header(raw)))
        except (LookupError, ValueError, UnicodeError, HeaderParseError):
            pass
    return " ".join(raw.split()) or None


def _html_articles(html: str) -> list[ParsedArticle]:
    """One article per story the HTML marks, else the whole part as one."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    stories = story_elements(root)
    if len(stories) < 2:
        stories = [root]
    out = []
    for element in stories:
        try:
            out.append(_story_article(element, whole=element is root))
        except RejectError:
            continue
    return out


def story_elements(root) -> list:
    """The newsletter's story containers: <article> elements or elements whose class names a story,
    innermost ones only (a wrapper around all stories is not a story)."""
    marked = [el for el in root.iter() if local_name(el.tag) == "article" or _STORY_CLASSES & set((el.get("class") or "").lower().split())]
    inner = {id(el) for el in marked}
    return [el for el in marked if not any(id(d) in inner for d in el.iterdescendants())]


def _story_article(element, whole: bool) -> ParsedArticle:
    heading = next((el for el in element.iter() if local_name(el.tag) in _HEADINGS), None)
    title = " ".join(heading.text_content().split()) if heading is not None else None
    if whole:
        title = None  # a masthead heading is the newsletter's name, not a story's title
    paragraphs, links = block_paragraphs(element)
    if title and paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    paragraphs = [p for p in paragraphs if not _READ_MORE.match(p)]
    meta = TextMeta(title=title)
    anchors = list(heading.iter("a")) if heading is not None else []
    anchors += [a for a in element.iter("a") if _READ_MORE.match(" ".join(a.text_content().split()))]
    canonical = next((normalize_url(a.get("href")) for a in anchors if normalize_url(a.get("href"))), None)
    if not whole and canonical:
        meta.canonical_url = canonical
        links = [link for link in links if normalize_url(link.url) != canonical]
    return finish_text_article("email", paragraphs, meta, links)


def _as_email(article: ParsedArticle, subject: str | None, sent, site: str | None, details: dict) -> ParsedArticle:
    from dataclasses import replace

    published_at, published_raw = sent or (article.published_at, article.published_raw)
    return replace(article, format="email", title=article.title or subject, published_at=published_at, published_raw=published_raw,
                   site_name=site, extra={**article.extra, **details})


def _header_date(value: str | None):
    try:
        return (parsedate_to_datetime(value), value) if value else None
    except (ValueError, TypeError, IndexError):
        return None
