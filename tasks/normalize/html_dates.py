"""A page's publication date: which candidate, and the publisher's local time of it.

Candidates come from JSON-LD, <meta> tags and <time> elements; a date line of the text and
htmldate are fallbacks. Measured on real pages (README, "Extraction quality"), three general
rules help without losses:

- a <time> inside a list item with a link, an aside, navigation, a footer, an embedded post or a
  related/recent/comment block dates another story (or a comment), not this one;
- many CMS write the time in UTC: when the page also writes the same instant in its own zone (a
  second timestamp with an offset, or a wall time without one that is a whole quarter-hour off),
  that is the publisher's local time; else, when the URL dates the page one day off the UTC day
  in the direction a real offset would, the URL's day is the publisher's day;
- htmldate gets the canonical URL (where a CMS puts /2020/02/17/), not the address fetched.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import htmldate
from lxml import html as lxml_html

from tasks.normalize.dates import has_time
from tasks.normalize.html_fields import choose_published, parse_datetime
from tasks.normalize.html_meta import first_meta

PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "published_time",
    "publishdate",
    "publish-date",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
    "date",
)
_OTHER_STORIES = (
    "ancestor::*[self::aside or self::nav or self::footer or self::blockquote or (self::li and .//a[@href])"
    ' or (not(self::body or self::html or self::main) and re:test(concat(@class, " ", @id),'
    ' "related|sidebar|widget|recent|popular|recommend|trending|latest|summary|comment|more-", "i"))]'
)
_REGEXP = {"re": "http://exslt.org/regular-expressions"}
_URL_DAY = re.compile(r"/((?:19|20)\d\d)[/-](\d{1,2})[/-](\d{1,2})(?=[/_-]|$)")
MAX_OFFSET = timedelta(hours=14)
URL_DAY_OFFSET = timedelta(hours=10)  # most publishers' zones; a URL often keeps the day a story was begun


def page_time_values(tree: lxml_html.HtmlElement, limit: int = 3) -> list[str]:
    """datetime values of the page's <time> elements that date this story, in page order: none
    inside linked list items, asides, navigation, embedded posts or related blocks."""
    found = [t.get("datetime") for t in tree.xpath("//time[@datetime]") if not t.xpath(_OTHER_STORIES, namespaces=_REGEXP)]
    return list(dict.fromkeys(found))[:limit]


def find_published(tree: lxml_html.HtmlElement, meta: dict, article_ld: dict, url: str | None,
                   text_date: tuple[datetime, str] | None = None, page: str | None = None) -> tuple[datetime, str, str | None] | None:
    """(published_at, the text it was read from, the publisher's day when only the URL tells it).

    published_at is in the publisher's zone when the page tells it (see the module docstring),
    naive when no zone is known. `url`: the page's canonical URL, else its address; `page`: the
    HTML itself, for htmldate (the main-text extraction has pruned `tree` by then).
    """
    candidates = [article_ld.get("datePublished"), article_ld.get("dateCreated")]
    candidates += [first_meta(meta, key) for key in PUBLISHED_META]
    candidates += page_time_values(tree)
    candidates = [c for c in candidates if isinstance(c, str)]
    fallbacks = [article_ld.get("dateModified"), first_meta(meta, "article:modified_time", "og:updated_time")]
    chosen = choose_published(candidates, fallbacks)
    if chosen is None and text_date is not None:
        chosen = text_date
    if chosen is None:
        found = htmldate.find_date(page if page is not None else tree, url=url, original_date=True, extensive_search=True)
        chosen = choose_published([found], fallbacks) if found else None
    if chosen is None:
        return None
    value, raw = chosen
    if value.utcoffset() == timedelta(0):
        local = local_copy(value, candidates)
        if local is not None:
            return local
    return value, raw, url_day(value, url) if value.utcoffset() == timedelta(0) else None


def local_copy(value: datetime, candidates: list[str]) -> tuple[datetime, str, None] | None:
    """The same instant as `value` (a UTC time) written in the publisher's zone by another candidate:
    with a non-zero offset, or as a wall time a whole quarter-hour (at most 14 h) off."""
    for text in candidates:
        other = parse_datetime(text)
        if other is None:
            continue
        if other.tzinfo is not None:
            if other.utcoffset() != timedelta(0) and other == value:
                return value.astimezone(other.tzinfo), text.strip(), None
            continue
        offset = other - value.replace(tzinfo=None)
        if offset and abs(offset) <= MAX_OFFSET and offset % timedelta(minutes=15) == timedelta(0) and has_time(text):
            return value.astimezone(timezone(offset)), text.strip(), None
    return None


def url_day(value: datetime, url: str | None) -> str | None:
    """The day the URL dates the page, when it is the day before or after `value`'s (a UTC time)
    and a real offset could make it so: the publisher's own day."""
    match = _URL_DAY.search(url or "")
    if not match:
        return None
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    wall = value.replace(tzinfo=None)
    since_midnight = wall - datetime.combine(wall.date(), datetime.min.time())
    if day == wall.date() - timedelta(days=1) and since_midnight < URL_DAY_OFFSET:
        return day.isoformat()
    if day == wall.date() + timedelta(days=1) and timedelta(days=1) - since_midnight <= URL_DAY_OFFSET:
        return day.isoformat()
    return None
