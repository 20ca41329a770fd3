"""Reading a page's byline: JSON-LD article authors, author <meta> tags, a byline element.

The names are sorted by bylines.sort_byline (people, agencies, organisations); here is where on
the page they are looked for, and where not (comments, teasers of other stories, widgets).
"""

from __future__ import annotations

from lxml import html as lxml_html

from tasks.normalize.bylines import Byline, looks_like_person, sort_byline, split_authors
from tasks.normalize.html_meta import clean_text, names_of, parts_text

_AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator")


def read_byline(tree: lxml_html.HtmlElement, meta: dict, article_ld: dict, site_names: list[str]) -> Byline:
    """JSON-LD article authors, else author <meta> tags, else a byline element: the first source
    that names a person or a news agency decides. A source naming only the site or a desk ("LTO",
    "BR24 Redaktion") gives way to a later one naming people, and is kept if none does.
    """
    raw_meta = [value for key in _AUTHOR_META for value in meta.get(key, ())] + _written_by(meta)
    fallback: list[str] = []
    for names in (
        split_authors(names_of(article_ld.get("author") or article_ld.get("creator"))),
        split_authors(raw_meta),
        _byline_authors(tree),
    ):
        byline = sort_byline(names, site_names)
        if byline.people or byline.agencies:
            return byline
        fallback = fallback or byline.organisations
    return Byline([], [], fallback)


def _written_by(meta: dict) -> list[str]:
    """The "Written by" value of the label/data pairs SEO plugins write for link previews
    (`twitter:label1` "Written by" + `twitter:data1` "Jane Doe", or `twitter:misc:Written by`)."""
    values = list(meta.get("twitter:misc:written by", ()))
    for number in range(1, 5):
        labels = meta.get(f"twitter:label{number}", ())
        if labels and labels[0].strip().casefold() in _WRITTEN_BY:
            values += meta.get(f"twitter:data{number}", [])[:1]
    return values


_WRITTEN_BY = {"written by", "author", "verfasst von", "geschrieben von", "escrito por", "écrit par", "scritto da", "geschreven door"}


# a byline inside these belongs to a comment or to another story (a teaser, a related-articles box)
_OTHER_STORY = (
    "ancestor-or-self::*[self::nav or self::aside"
    ' or (not(self::body or self::html or self::main) and re:test(concat(@class, " ", @id),'
    ' "related|sidebar|widget|recent|popular|recommend|trending|teaser|comment|more-", "i"))]'
)
_REGEXP = {"re": "http://exslt.org/regular-expressions"}


def _byline_authors(tree: lxml_html.HtmlElement) -> list[str]:
    bylines = tree.xpath(
        '//*[@rel="author" or @itemprop="author" or re:test(@class, "byline|author", "i") or (self::a and re:test(@href,'
        ' "/(authors?|autor|autoren|auteurs?|autore|autori|journalists?|journalisten|redakteur|reporters?|writers?)/", "i"))]',
        namespaces=_REGEXP,
    )
    candidates = [e for e in bylines[:40] if not e.xpath(_OTHER_STORY, namespaces=_REGEXP)]
    # the innermost: a byline box holds the names in one element and the outlet or the date in
    # others; the innermost elements of one box are read together ("By <a>A</a> and <a>B</a>")
    matched = set(candidates)
    groups: dict[object, list] = {}
    for element in candidates:
        if not any(d in matched for d in element.iterdescendants()):
            box = next((a for a in element.iterancestors() if a in matched), element)
            groups.setdefault(box, []).append(element)
    for members in list(groups.values())[:5]:
        texts = [clean_text(parts_text(element)) for element in members]
        texts = [text for text in texts if 2 < len(text) < 120]
        # a page-layout byline is noisier than metadata: accept it only when it names people
        names = [name for name in split_authors(texts) if looks_like_person(name)]
        if names:
            return names
    return []
