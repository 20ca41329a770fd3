"""PDF renditions: each page's text layer (pypdfium2), then the PDF-text normalizer of plaintext.py
(hyphenation, running headers and footers, page numbers); title, authors and date from the
document information where the text has none.

Why pypdfium2 and not pypdf or pdfplumber: docs/FORMATS.md has the measured comparison.
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from datetime import datetime, timedelta, timezone

from tasks.normalize.plaintext import parse_plaintext
from tasks.records import ParsedArticle, RejectError

MAX_PAGES = 1_000
# Inflated size of all Flate streams together. PDFium inflates a page's content and font streams
# whole, so a compression bomb (1 GB of zeros is 1 MB of Flate) must be refused before it opens
# the file. A text PDF of a hundred pages inflates to a few MB; scans use DCT/JBIG2 images,
# which do not inflate here.
MAX_INFLATED_BYTES = 128 * 1024 * 1024
_IN_CHUNK = 64 * 1024
_OUT_CHUNK = 1024 * 1024
_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")
# PDFium marks a hyphen it removed at a line end with U+FFFE (older builds: STX): put the hyphen
# and the line break back, so the normalizer decides between "with-drawal" and "state-run".
_JOINED_HYPHEN = re.compile("[\ufffe\x02]")
_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+-])(\d{2})?'?(\d{2})?'?)?")
# what PDF producers write as a document title when nobody set one
_NO_TITLE = re.compile(r"^(?:untitled|microsoft (?:word|powerpoint) - .*|.*\.(?:docx?|pdf|indd|rtf|odt|txt))$", re.I)


def parse_pdf(content: bytes) -> ParsedArticle:
    """The article of a text PDF. RejectError for a compression bomb, an unreadable, encrypted or
    oversized file, and for pages without a text layer (scans)."""
    check_inflated_size(content)
    pages, info = read_pdf(content)
    text = "\f".join(pages)
    if not text.strip():
        raise RejectError("no-text-layer", f"{len(pages)} page(s) and no text on any: a scan needs OCR first")
    article = parse_plaintext(text)
    title = article.title or _title_from(info.get("Title"))
    first, _, rest = article.body.partition("\n\n")
    if title and not article.title and rest and " ".join(first.split()).casefold() == title.casefold():
        article = dataclasses.replace(article, body=rest)  # the headline, wrapped over lines
    published, raw = article.published_at, article.published_raw
    for key in ("CreationDate", "ModDate"):
        if published is None and pdf_date(info.get(key)):
            published, raw = pdf_date(info.get(key)), info.get(key)
    authors = article.authors or tuple(a.strip() for a in re.split(r"[;,]", info.get("Author") or "") if a.strip())
    return dataclasses.replace(article, format="pdf", title=title, published_at=published, published_raw=raw, authors=authors,
                               extra={**article.extra, "pages": len(pages)})


def check_inflated_size(content: bytes, limit: int = MAX_INFLATED_BYTES) -> int:
    """Inflate every Flate stream of the file in bounded steps, keeping nothing; RejectError
    ("compression-bomb") past `limit` bytes in all. Returns the inflated total.

    Each `stream` keyword is tried as the start of zlib data: streams that are not Flate fail at
    once and are skipped, so no dictionary needs parsing (a broken file is screened all the same).
    """
    total = 0
    for match in _STREAM.finditer(content):
        inflater = zlib.decompressobj()
        at = match.end()
        try:
            while not inflater.eof and at < len(content):
                pending = content[at:at + _IN_CHUNK]
                at += len(pending)
                while pending:
                    total += len(inflater.decompress(pending, _OUT_CHUNK))
                    if total > limit:
                        raise RejectError("compression-bomb", f"Flate streams inflate past {limit // 2**20} MB "
                                          f"({len(content)} bytes of file): refused before reading")
                    pending = inflater.unconsumed_tail
        except zlib.error:
            continue
    return total


def read_pdf(content: bytes) -> tuple[list[str], dict[str, str]]:
    """(text of each page, document information) through PDFium."""
    import pypdfium2 as pdfium  # here: only PDF documents pay for loading PDFium

    try:
        document = pdfium.PdfDocument(content)
    except pdfium.PdfiumError as exc:
        reason = "encrypted-pdf" if "password" in str(exc).lower() else "unreadable-pdf"
        raise RejectError(reason, f"PDFium: {exc}") from None
    try:
        count = len(document)
        if count > MAX_PAGES:
            raise RejectError("too-large", f"{count} pages > limit {MAX_PAGES}")
        pages = []
        for index in range(count):
            page = document[index]
            textpage = page.get_textpage()
            try:
                pages.append(page_lines(textpage))
            finally:
                textpage.close()
                page.close()
        try:
            info = {key: value for key, value in document.get_metadata_dict(skip_empty=True).items()}
        except pdfium.PdfiumError:
            info = {}
        return layout_text(pages), info
    except pdfium.PdfiumError as exc:
        raise RejectError("unreadable-pdf", f"PDFium: {exc}") from None
    finally:
        document.close()


Line = tuple[str, "tuple[float, float] | None"]  # text, (baseline, height) of its first character


def page_lines(textpage) -> list[Line]:
    """A page's lines as PDFium found them, each with the position and size of its first character."""
    text = textpage.get_text_range()
    step = 2 if "\r\n" in text else 1
    chars = textpage.count_chars()
    out: list[Line] = []
    at = 0
    for line in text.replace("\r\n", "\n").split("\n"):
        first = at + len(line) - len(line.lstrip())
        box = None
        if line.strip() and first < chars:
            _, bottom, _, top = textpage.get_charbox(first, loose=True)
            box = (bottom, top - bottom) if top > bottom else None
        out.append((line, box))
        at += len(line) + step
    return out


def layout_text(pages: list[list[Line]]) -> list[str]:
    """Each page's text with a blank line wherever the layout leaves extra space between lines (a
    paragraph break) or the type size changes (a heading). PDFium's text has neither, and the
    plain-text normalizer reads paragraphs from blank lines, as in a pdftotext dump.

    Spacing is line pitch over line height (the same for 10 pt body and 14 pt headline lines).
    The usual spacing is a low decile over the whole document, not the median: in short
    paragraphs of two or three lines, breaks are nearly as common as plain line feeds.
    """
    def leading(previous, box) -> float | None:
        return (previous[0] - box[0]) / box[1] if previous and box and previous[0] > box[0] else None

    # below 0.8 lines overlap (sub- and superscripts, a caption beside the text): no line feed
    spacings = sorted(x for lines in pages for (_, a), (_, b) in zip(lines, lines[1:]) if (x := leading(a, b)) is not None and x >= 0.8)
    usual = spacings[len(spacings) // 10] if spacings else None
    texts = []
    for lines in pages:
        out = [lines[0][0]] if lines else []
        for (_, previous), (line, box) in zip(lines, lines[1:]):
            if usual and previous and box:
                spacing = leading(previous, box)
                if spacing is None or spacing > 1.3 * usual or abs(box[1] - previous[1]) > 0.25 * previous[1]:
                    out.append("")
            out.append(line)
        texts.append(_JOINED_HYPHEN.sub("-\n", "\n".join(out)))
    return texts


def pdf_date(value: str | None) -> datetime | None:
    """A PDF date string ("D:20171211093000+03'00'") as an aware datetime; None if unreadable."""
    match = _PDF_DATE.match((value or "").strip())
    if not match:
        return None
    year, month, day, hour, minute, second, sign, tz_hours, tz_minutes = match.groups()
    offset = timedelta(hours=int(tz_hours or 0), minutes=int(tz_minutes or 0))
    zone = timezone(-offset if sign == "-" else offset) if sign in ("+", "-") else timezone.utc
    try:
        parsed = datetime(int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0), int(second or 0), tzinfo=zone)
    except ValueError:
        return None
    return parsed if 1990 <= parsed.year <= 2100 else None


def _title_from(value: str | None) -> str | None:
    title = " ".join((value or "").split())
    return title if title and not _NO_TITLE.match(title) else None
