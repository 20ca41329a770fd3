"""Markdown scrapes: `# title`, bold captions, `[text](#)` links, "Original url:" footers."""

from __future__ import annotations

import re

from tasks.normalize.renditions import finish_text_article
from tasks.normalize.textblocks import hyphenated_words, split_blocks, unwrap_lines
from tasks.normalize.textmeta import TextMeta
from tasks.normalize.urls import normalize_url
from tasks.records import Link, ParsedArticle

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_ONLY = re.compile(r"^(\*\*|__)(?P<text>[^*_].*?)\1$", re.S)
_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]*)(?:\s+\"[^\"]*\")?\)")
_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<url>[^)\s]*)(?:\s+\"[^\"]*\")?\)")
_AUTOLINK = re.compile(r"<(?P<url>https?://[^>\s]+)>")
_EMPHASIS = re.compile(r"(\*\*|__)(?P<t>.+?)\1|(?<![\w*])\*(?P<i>[^*\s][^*]*?)\*(?!\w)")
_LIST_OR_QUOTE = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+|>\s?)")
_BLANKS = re.compile(r"[ \t]+")


def parse_markdown(text: str) -> ParsedArticle:
    """Normalize a markdown scrape into an article; captions and related lines become data."""
    meta = TextMeta()
    links: list[Link] = []
    paragraphs: list[str] = []
    vocabulary = hyphenated_words(text)
    for block in split_blocks(text):
        raw = unwrap_lines([_LIST_OR_QUOTE.sub("", ln) for ln in block], vocabulary)
        heading = _HEADING.match(raw)
        if heading:
            level, words = len(heading.group(1)), _inline_to_text(heading.group(2), links)
            if level == 1 and meta.title is None:
                meta.title = words
            elif words:
                paragraphs.append(words)
            continue
        for image in _IMAGE.finditer(raw):
            if image.group("alt").strip():
                meta.captions.append(image.group("alt").strip())
        raw = _IMAGE.sub("", raw).strip()
        bold = _BOLD_ONLY.match(raw)
        if bold and not _is_label(bold.group("text")):
            meta.captions.append(_inline_to_text(bold.group("text"), links))
            continue
        words = _inline_to_text(raw, links)
        if words:
            paragraphs.append(words)
    return finish_text_article("markdown", paragraphs, meta, links)


def _is_label(text: str) -> bool:
    # "**Related article:** [...]" is a labelled line, not a caption.
    return text.rstrip().endswith(":")


def _inline_to_text(raw: str, links: list[Link]) -> str:
    """Markdown inline syntax to plain text; real link targets are collected as inline links."""

    def link(match: re.Match) -> str:
        url = normalize_url(match.group("url")) if match.group("url") not in ("", "#") else None
        if url:
            links.append(Link(url=match.group("url"), text=match.group("text"), kind="inline"))
        return match.group("text")

    # Each substitution only where its marker occurs: most paragraphs of a scrape are plain prose.
    text = _LINK.sub(link, raw) if "](" in raw else raw
    if "<http" in text:
        text = _AUTOLINK.sub(lambda m: m.group("url"), text)
    if "*" in text or "__" in text:
        for _ in range(2):  # nested emphasis such as ***x***
            text = _EMPHASIS.sub(lambda m: m.group("t") or m.group("i") or "", text)
    if "  " in text or "\t" in text:
        text = _BLANKS.sub(" ", text)
    return text.strip()
