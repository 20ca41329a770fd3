"""Documents in, articles + links + rejects out, in one process (tasks/normalize/batch.py spreads
large batches over several). No Prefect import here: worker processes start fast."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field

import pyarrow as pa

from tasks.dedup.fingerprint import fingerprint_articles
from tasks.dedup.fold import body_hash
from tasks.normalize.dates import written_date
from tasks.normalize.decode import decode_text
from tasks.normalize.detect import detect_binary_format, detect_format
from tasks.normalize.jsonrecords import iter_json_records, parse_record
from tasks.normalize.markdown import parse_markdown
from tasks.normalize.feeditem import is_feed_item, parse_feed_item
from tasks.normalize.ninjs import is_ninjs, parse_ninjs
from tasks.normalize.plaintext import parse_plaintext
from tasks.normalize.urls import domain_of, normalize_url
from tasks import progress
from tasks.records import Link, ParsedArticle, Reject, RejectError
from tasks.enrich.language import detect_languages
from warehouse.schemas import ARTICLES, LINKS

MAX_TEXT_CHARS = 5_000_000  # an article body past this is a data dump, not news
# No encoding we decode spends more than 4 bytes on a character: past this the text is surely too
# long, and saying so before decoding spares a copy and an ftfy pass over a data dump.
MAX_CONTENT_BYTES = 4 * MAX_TEXT_CHARS
_SURROGATE = re.compile("[\ud800-\udfff]")
# JSON turns these escapes (and only these) into surrogates: text without one needs no repair
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


@dataclass
class NormalizeResult:
    articles: pa.Table
    links: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    # FINGERPRINTS rows of `articles`, made beside them: one tokenization gives body_hash and
    # MinHash, and the bodies never travel to another process again. None when not asked for.
    fingerprints: pa.Table | None = None
    # article_ids whose language fastText left open (normalize_serial without language_fallback)
    undecided_languages: list[str] = field(default_factory=list)

    @staticmethod
    def concat(parts: list[NormalizeResult]) -> NormalizeResult:
        """The results of consecutive slices of one batch, as one result in the same order."""
        def tables(name: str) -> pa.Table:
            return pa.concat_tables([getattr(p, name) for p in parts], promote_options="permissive")

        with_fingerprints = bool(parts) and all(p.fingerprints is not None for p in parts)
        return NormalizeResult(articles=tables("articles"), links=tables("links"), rejects=[r for p in parts for r in p.rejects],
                               fingerprints=tables("fingerprints") if with_fingerprints else None,
                               undecided_languages=[a for p in parts for a in p.undecided_languages])

    def settle_languages(self) -> NormalizeResult:
        """This result with the undecided languages detected by the fallback detector (loaded
        once here, in the process that gathers the workers' results, not once per worker)."""
        if not self.undecided_languages:
            return self
        import pyarrow.compute as pc  # here: a worker process need not import it

        articles = self.articles
        positions = pc.index_in(pa.array(self.undecided_languages, pa.string()), value_set=articles.column("article_id")).to_pylist()
        languages = articles.column("language").to_pylist()
        found = detect_languages(articles.column("body").take(positions).to_pylist())
        for position, (code, _) in zip(positions, found):
            languages[position] = code
        at = ARTICLES.schema.get_field_index("language")
        articles = articles.set_column(at, ARTICLES.schema.field(at), pa.array(languages, pa.string()))
        return dataclasses.replace(self, articles=articles, undecided_languages=[])


def article_id(document_id: str, index: int = 0) -> str:
    """Derived from the document's content hash and the record's position in it."""
    return hashlib.sha256(f"{document_id}:{index}".encode()).hexdigest()[:32]


def storable(value):
    """`value` with lone surrogates replaced by U+FFFD, so every string can be written as UTF-8.

    Decoded bytes never hold them (strict codecs), but JSON does: a "\\ud800" escape in a record
    or a page's JSON-LD would otherwise fail the whole batch when it becomes an Arrow table. So
    only HTML pages and JSON documents holding such an escape pass through here.
    """
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, (list, tuple)):
        return type(value)(storable(v) for v in value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, (ParsedArticle, Link)):
        return dataclasses.replace(value, **{f.name: storable(getattr(value, f.name)) for f in dataclasses.fields(value)})
    return value


def parse_document(content: bytes, uri: str | None = None) -> list[ParsedArticle | RejectError]:
    """Every article a document holds (one, or one per JSON record, NewsML-G2 item or e-mail
    story): a part that fails comes back as a RejectError in the list; a document that fails
    raises RejectError. The rendition is told from the content (detect.py), never the name."""
    if len(content) > MAX_CONTENT_BYTES:
        raise RejectError("too-large", f"{len(content)} bytes > limit {MAX_CONTENT_BYTES} (at most {MAX_TEXT_CHARS} characters of text)")
    binary = detect_binary_format(content)
    if binary == "pdf":
        from tasks.normalize.pdf import parse_pdf  # PDFium loads with the first PDF

        return [parse_pdf(content)]
    if binary == "docx":
        from tasks.normalize.docx_text import parse_docx  # python-docx loads with the first DOCX

        return [parse_docx(content)]
    text = decode_text(content)
    # a mailbox is many messages, each read on its own: the limit of one article's text is not its
    if len(text) > MAX_TEXT_CHARS and detect_format(text[:65_536]) != "mbox":
        raise RejectError("too-large", f"{len(text)} characters of text > limit {MAX_TEXT_CHARS}")
    fmt = detect_format(text)
    if fmt == "newsml-g2":
        from tasks.normalize.newsml import parse_newsml

        return parse_newsml(content, uri)
    if fmt in ("email", "mbox"):
        from tasks.normalize.mail import parse_mail

        # undecodable header bytes reach Python as lone surrogates (the email package's escape)
        return [item if isinstance(item, RejectError) else storable(item) for item in parse_mail(content, fmt)]
    if fmt == "xml":
        raise RejectError("not-an-article", "an XML document (feed, sitemap or data), not an article: read feeds and sitemaps with their own source kinds")
    if fmt in ("json", "jsonl"):
        out: list[ParsedArticle | RejectError] = []
        may_hold_surrogates = _SURROGATE_ESCAPE.search(text) is not None
        for index, record, error in iter_json_records(text, fmt):
            if error:
                out.append(RejectError("bad-json", error))
                continue
            try:
                record_article = (parse_ninjs(record) if is_ninjs(record) else parse_feed_item(record) if is_feed_item(record)
                                  else parse_record(record))
                out.append(storable(record_article) if may_hold_surrogates else record_article)
            except RejectError as exc:
                exc.detail = f"record {index}: {exc.detail}"
                out.append(exc)
        if not out:
            raise RejectError("bad-json", "the JSON document holds no records")
        return out
    if fmt == "html":
        from tasks.normalize.html import parse_html  # trafilatura is heavy: import on first HTML page

        return [storable(parse_html(text, uri))]  # JSON-LD escapes, character references: ~1% of a page's cost
    if fmt == "markdown":
        return [parse_markdown(text)]
    return [parse_plaintext(text)]


def normalize_serial(documents: pa.Table, load_id: str, fingerprints: bool = True, language_fallback: bool = True) -> NormalizeResult:
    """Parse every document; a document that fails becomes a reject and the batch goes on.

    fingerprints: also make the articles' dedup fingerprints (tasks/dedup/fingerprint.py), whose
    tokenization gives body_hash; without them body_hash is computed on its own (the same value).
    language_fallback=False: languages fastText is unsure of stay None, listed in
    `undecided_languages` for `NormalizeResult.settle_languages`.
    """
    article_rows: list[dict] = []
    link_rows: list[dict] = []
    rejects: list[Reject] = []
    columns = ["document_id", "source", "uri", "content", "fetched_at"]
    for doc in documents.select(columns).to_pylist():
        progress.check_stop()
        progress.advance("normalize")
        uri = doc["uri"]
        try:
            parsed = parse_document(doc["content"], uri)
        except RejectError as exc:
            rejects.append(Reject(uri=uri, stage="normalize", reason=exc.reason, detail=exc.detail, document_id=doc["document_id"]))
            continue
        except Exception as exc:  # a parser bug must not sink the run; it is recorded and visible
            detail = f"{type(exc).__name__}: {exc}"
            rejects.append(Reject(uri=uri, stage="normalize", reason="parser-error", detail=detail, document_id=doc["document_id"]))
            continue
        for index, item in enumerate(parsed):
            if isinstance(item, RejectError):
                where = f"{uri}#{index}" if len(parsed) > 1 else uri
                rejects.append(Reject(uri=where, stage="normalize", reason=item.reason, detail=item.detail, document_id=doc["document_id"]))
                continue
            row = article_row(item, doc, article_id(doc["document_id"], index), load_id)
            article_rows.append(row)
            link_rows.extend(
                {"article_id": row["article_id"], "url": link.url, "text": link.text, "kind": link.kind, "load_id": load_id}
                for link in item.links
            )
    undecided = _detect_undeclared_languages(article_rows, language_fallback)
    articles = pa.Table.from_pylist(article_rows, schema=ARTICLES.schema)
    hashes_at = ARTICLES.schema.get_field_index("body_hash")
    if fingerprints:
        fps = fingerprint_articles(articles, load_id, workers=1)
        articles = articles.set_column(hashes_at, ARTICLES.schema.field(hashes_at), fps.column("body_hash"))
    else:
        fps = None
        hashes = pa.array([body_hash(body) for body in articles.column("body").to_pylist()], pa.string())
        articles = articles.set_column(hashes_at, ARTICLES.schema.field(hashes_at), hashes)
    return NormalizeResult(articles=articles, links=pa.Table.from_pylist(link_rows, schema=LINKS.schema),
                           rejects=rejects, fingerprints=fps, undecided_languages=undecided)


def article_row(item: ParsedArticle, doc: dict, art_id: str, load_id: str) -> dict:
    canonical = normalize_url(item.canonical_url)
    published = item.published_at
    local, offset = written_date(item.published_raw, published, item.published_day)
    body = strip_leading_title(item.body, item.title)
    return {
        "article_id": art_id,
        "document_id": doc["document_id"],
        "source": doc["source"],
        "uri": doc["uri"],
        "format": item.format,
        "title": item.title,
        "authors": list(item.authors),
        "agencies": list(item.agencies),
        "published_at": published,
        "published_local": local,
        "published_offset_minutes": offset,
        "published_raw": item.published_raw,
        "language": (item.language or "").split("-")[0].lower() or None,  # None: detected by normalize_serial
        "canonical_url": canonical,
        "domain": domain_of(canonical),
        "site_name": item.site_name,
        "captions": list(item.extra.get("captions") or []),
        "related_titles": list(item.extra.get("related_titles") or []),
        "body": body,
        "body_hash": None,  # set for the whole batch by normalize_serial
        "word_count": len(body.split()),
        "load_id": load_id,
    }


def _detect_undeclared_languages(rows: list[dict], fallback: bool) -> list[str]:
    """Articles whose document declared no language get the detected one, all in one pass
    (`detect_languages`: faster than one detection between each parse). Returns the article_ids
    left undecided (only without the fallback detector)."""
    undeclared = [row for row in rows if not row["language"]]
    undecided = []
    for row, found in zip(undeclared, detect_languages([row["body"] for row in undeclared], fallback)):
        if found is None:
            undecided.append(row["article_id"])
        else:
            row["language"] = found[0]
    return undecided


def strip_leading_title(body: str, title: str | None) -> str:
    """The body never repeats the headline: copies with and without it must fingerprint alike."""
    if not title:
        return body
    first, _, rest = body.partition("\n\n")
    return rest if rest and " ".join(first.split()).casefold() == " ".join(title.split()).casefold() else body

