"""The seed article rendered in the renditions newsflow reads as whole files: PDF (fpdf2), DOCX
(python-docx), an e-mail newsletter, an IPTC NewsML-G2 item and IPTC ninjs items.

Shared by the format tests and benchmarks/pdf_text.py. Every renderer takes a story dict (title,
date, paragraphs, url, authors) and returns the file's bytes.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape
from pathlib import Path

from tasks.normalize.markdown import parse_markdown

SEEDS = Path(__file__).resolve().parents[3] / "seeds"
# Core PDF fonts hold Latin-1 only; dedup folds quotes and dashes, so ASCII stand-ins keep the text.
_LATIN1 = str.maketrans({"“": '"', "”": '"', "’": "'", "‘": "'", "—": "-", "–": "-", "…": "..."})


def seed_story() -> dict:
    """The Moscow Times seed as a story: the markdown scrape's title, date, URL and paragraphs."""
    article = parse_markdown(next(SEEDS.glob("000_*.txt")).read_text())
    return {
        "title": article.title,
        "date": article.published_at.replace(hour=9, minute=30),
        "paragraphs": article.body.split("\n\n"),
        "url": article.canonical_url,
        "authors": ["Moscow Times Staff"],
        "place": "Moscow",
    }


def other_story() -> dict:
    """A second, unrelated story (a newsletter carries several)."""
    return {
        "title": "Harbour Council Agrees Budget After Long Debate",
        "date": datetime(2017, 12, 11, 8, 0, tzinfo=timezone.utc),
        "paragraphs": [
            "The harbour council agreed next year's budget on Tuesday after a debate that ran past midnight "
            "and left several members hoarse.",
            "Councillors voted to repair the sea wall first and to delay the new ferry terminal by a year, "
            "citing rising steel prices and a shortage of welders.",
            "The mayor said the vote showed the town could still agree on what mattered most to it.",
        ],
        "url": "https://harbour.example/news/budget-agreed",
        "authors": ["Anna Keller"],
        "place": "Harbourtown",
    }


# --- PDF ----------------------------------------------------------------------------------------


def render_pdf(story: dict, *, metadata: bool = True, heading: bool = True, justify: bool = False,
               width: float = 120, font: str | None = None) -> bytes:
    """A news PDF as a layout engine makes one: running header, page numbers in the footer, lines
    hyphenated at the right margin; title, author and date in the document information too.

    font: a TrueType file for Unicode text (core fonts hold Latin-1 only, so text is made ASCII).
    """
    from fpdf import FPDF

    class Page(FPDF):
        def header(self) -> None:
            self.set_font(family, size=8)
            self.cell(0, 5, "The Moscow Times - News", new_x="LMARGIN", new_y="NEXT")
            self.ln(4)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font(family, size=8)
            self.cell(0, 10, f"Page {self.page_no()}", align="C")

    pdf = Page(format=(148, 210))
    family = "Helvetica"
    if font:
        pdf.add_font("Body", fname=font)
        family = "Body"
    text = (lambda s: s) if font else (lambda s: s.translate(_LATIN1))
    if metadata:
        pdf.set_title(story["title"])
        pdf.set_author(", ".join(story["authors"]))
        pdf.set_creation_date(story["date"])
    pdf.add_page()
    if heading:
        pdf.set_font(family, size=14)
        pdf.multi_cell(width, 7, text(story["title"]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=9)
        pdf.cell(width, 6, story["date"].strftime("%B %d, %Y").replace(" 0", " "), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.set_font(family, size=10)
    for paragraph in story["paragraphs"]:
        if justify:
            pdf.multi_cell(width, 5, text(paragraph), align="J", new_x="LMARGIN", new_y="NEXT")
        else:
            for line in _hyphenated_lines(pdf, text(paragraph), width):
                pdf.cell(width, 5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())


def _hyphenated_lines(pdf, paragraph: str, width: float) -> list[str]:
    """Greedy line breaking that splits a long word with a hyphen when part of it fits."""
    lines, line = [], ""
    for word in paragraph.split():
        candidate = f"{line} {word}".strip()
        if pdf.get_string_width(candidate) <= width:
            line = candidate
            continue
        cut = _fitting_prefix(pdf, line, word, width)
        if cut:
            lines.append(f"{line} {word[:cut]}-".strip())
            line = word[cut:]
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _fitting_prefix(pdf, line: str, word: str, width: float) -> int:
    if len(word) < 8 or not word.isalpha():
        return 0
    for cut in range(len(word) - 4, 3, -1):
        if pdf.get_string_width(f"{line} {word[:cut]}-".strip()) <= width:
            return cut
    return 0


# --- DOCX ---------------------------------------------------------------------------------------


def render_docx(story: dict, *, properties: bool = True) -> bytes:
    """A press-release style DOCX: Title paragraph, a date line, a section heading, body paragraphs,
    one hyperlink; core properties set."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    if properties:
        props = document.core_properties
        props.title = story["title"]
        props.author = ", ".join(story["authors"])
        props.created = story["date"].replace(tzinfo=None)
        props.language = "en-US"
    document.add_paragraph(story["title"], style="Title")
    document.add_paragraph(story["date"].strftime("%B %d, %Y").replace(" 0", " "))
    paragraphs = story["paragraphs"]
    half = len(paragraphs) // 2
    for paragraph in paragraphs[:half]:
        document.add_paragraph(paragraph)
    document.add_heading("Reactions", level=2)
    for paragraph in paragraphs[half:]:
        document.add_paragraph(paragraph)
    # a hyperlink run, as Word writes one
    last = document.add_paragraph("Read the original at ")
    rel = document.part.relate_to(story["url"], RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "themoscowtimes.com"
    run.append(text)
    link.append(run)
    last._p.append(link)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- e-mail -------------------------------------------------------------------------------------


def newsletter_html(stories: list[dict]) -> str:
    """A newsletter's HTML part: masthead, one <article> per story, footer."""
    parts = ["<html><body><table><tr><td><h1>The Moscow Times Daily Briefing</h1>",
             "<p>Good morning. Here is what you need to know today.</p>"]
    for story in stories:
        paras = "".join(f"<p>{escape(p)}</p>" for p in story["paragraphs"])
        parts.append(f'<article><h2><a href="{escape(story["url"])}">{escape(story["title"])}</a></h2>{paras}'
                     f'<p><a href="{escape(story["url"])}">Read more</a></p></article>')
    parts.append("<p>You are receiving this because you subscribed. <a href='https://x.example/unsub'>Unsubscribe</a></p>")
    parts.append("</td></tr></table></body></html>")
    return "".join(parts)


def render_eml(stories: list[dict], *, subject: str = "Daily Briefing: Putin orders withdrawal from Syria",
               html: str | None = None, text: str | None = None, sender: str = "The Moscow Times <newsletter@themoscowtimes.com>",
               date: datetime | None = None) -> bytes:
    """A multipart/alternative newsletter: a plain-text part and the HTML part."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "reader@example.org"
    message["Subject"] = subject
    message["Date"] = format_datetime(date or stories[0]["date"])
    message["Message-ID"] = "<briefing-20171211@themoscowtimes.com>"
    message.set_content(text if text is not None else "\n\n".join(p for s in stories for p in [s["title"], *s["paragraphs"]]))
    if html is not None or stories:
        message.add_alternative(html if html is not None else newsletter_html(stories), subtype="html")
    return message.as_bytes()


# --- IPTC ---------------------------------------------------------------------------------------


def render_newsml(story: dict, *, doctype: str = "") -> bytes:
    """An IPTC NewsML-G2 newsItem, body as XHTML in contentSet/inlineXML."""
    iso = story["date"].isoformat()
    paras = "".join(f"<p>{escape(p)}</p>" for p in story["paragraphs"])
    return f"""<?xml version="1.0" encoding="UTF-8"?>{doctype}
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" xmlns:xhtml="http://www.w3.org/1999/xhtml"
    guid="urn:newsml:themoscowtimes.com:20171211:a59895" version="1" standard="NewsML-G2" standardversion="2.29" xml:lang="en">
  <catalogRef href="http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_37.xml"/>
  <itemMeta>
    <itemClass qcode="ninat:text"/>
    <provider literal="The Moscow Times"/>
    <versionCreated>{iso}</versionCreated>
    <firstCreated>{iso}</firstCreated>
    <pubStatus qcode="stat:usable"/>
    <link rel="irel:seeAlso" href="{escape(story["url"])}"/>
  </itemMeta>
  <contentMeta>
    <urgency>4</urgency>
    <located qcode="geo:524901"><name>{escape(story["place"])}</name></located>
    <creator literal="staff"><name>{escape(story["authors"][0])}</name></creator>
    <subject type="cpnat:abstract" qcode="medtop:16000000"><name xml:lang="en">conflict, war and peace</name></subject>
    <subject type="cpnat:geoArea" qcode="geo:163843"><name>Syria</name></subject>
    <language tag="en"/>
    <headline>{escape(story["title"])}</headline>
    <by>By {escape(story["authors"][0])}</by>
    <dateline>{escape(story["place"].upper())}</dateline>
  </contentMeta>
  <contentSet>
    <inlineXML contenttype="application/xhtml+xml">
      <html xmlns="http://www.w3.org/1999/xhtml"><head><title>{escape(story["title"])}</title></head>
        <body><h1>{escape(story["title"])}</h1>{paras}</body></html>
    </inlineXML>
  </contentSet>
</newsItem>
""".encode()


def render_ninjs(story: dict, version: int = 2) -> bytes:
    """An IPTC ninjs item: 1.x field names (headline, byline, body_html) or 2.x (headlines, by, bodies)."""
    html = "".join(f"<p>{escape(p)}</p>" for p in story["paragraphs"])
    common = {
        "uri": "http://themoscowtimes.com/ninjs/a59895",
        "type": "text",
        "versioncreated": story["date"].isoformat(),
        "firstcreated": story["date"].isoformat(),
        "language": "en",
        "located": story["place"],
    }
    if version == 1:
        item = {**common, "headline": story["title"], "byline": f"By {story['authors'][0]}", "body_html": html,
                "subject": [{"name": "Syria", "scheme": "http://cv.iptc.org/newscodes/mediatopic/", "code": "16000000"}],
                "associations": {"featureimage": {"uri": "http://themoscowtimes.com/img/1", "type": "picture"}}}
    else:
        item = {"$schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json", **common,
                "headlines": [{"role": "main", "value": story["title"]}],
                "by": f"By {story['authors'][0]}",
                "bodies": [{"role": "main", "contenttype": "text/html", "value": html}],
                "subjects": [{"name": "Syria", "uri": "http://cv.iptc.org/newscodes/mediatopic/16000000"}]}
    return json.dumps(item, ensure_ascii=False, indent=1).encode()
