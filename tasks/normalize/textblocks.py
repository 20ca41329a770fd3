"""Paragraph surgery shared by the markdown and plain-text renditions.

Renditions break text in ways the publisher never did: hard wraps near a fixed width,
words hyphenated across lines, link blocks pasted into the middle of a sentence, page
headers repeated on every page. These functions undo that and keep what was removed.
"""

from __future__ import annotations

import re
from collections import Counter

from tasks.normalize.urls import find_urls, is_url_line

_TERMINAL = tuple('.!?:;"”’\')»…')
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?\s*$", re.I)
# a text where no line matches this has no page-number line (it may match more, never less)
_PAGE_NUMBER_LINE = re.compile(_PAGE_NUMBER.pattern, re.I | re.M)
_HYPHEN_BREAK = re.compile(r"([^\W\d_]{2,})-$")  # letters of any script: Cyrillic PDFs hyphenate too
_LETTERS = re.compile(r"[^\W\d_]+")
_COMPOUND = re.compile(r"\b[^\W\d_]+-[^\W\d_]+\b")
_LINE_END_HYPHEN = re.compile(r"-[ \t\r]*\n")
_JOIN_MIN_CHARS = 80  # a paragraph this long ending mid-sentence was cut, not a heading


def split_blocks(text: str) -> list[list[str]]:
    """Blank-line separated blocks of lines; form feeds count as block breaks."""
    text = text.replace("\f", "\n\n")
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def unwrap_lines(lines: list[str], vocabulary: set[str] | None = None) -> str:
    """Join the lines of one paragraph, undoing hyphenation at line ends.

    "with-" + "drawal" becomes "withdrawal" unless the document itself spells the pair with
    a hyphen elsewhere ("state-run"), so real compounds keep their hyphen.
    """
    out = ""
    for raw in lines:
        line = raw.strip()
        if not out:
            out = line
            continue
        # endswith first: the regex would scan the whole paragraph so far on every line
        match = _HYPHEN_BREAK.search(out[-64:]) if out.endswith("-") else None
        if match and line[:1].islower():
            first = match.group(1)
            second = _LETTERS.match(line)
            compound = f"{first}-{second.group(0)}".lower() if second else ""
            if vocabulary is not None and compound in vocabulary:
                out = out + line
            else:
                out = out[:-1] + line
        else:
            out = f"{out} {line}"
    return out


def hyphenated_words(text: str) -> set[str]:
    """Hyphenated compounds the document spells within a line (its own evidence of real hyphens).

    Only a text with a hyphen at a line end needs them: the others are spared the scan.
    """
    if not _LINE_END_HYPHEN.search(text):
        return set()
    # A compound never spans whitespace, and whitespace is a word boundary: matching within the
    # words that hold a hyphen finds the same compounds as a scan of the whole text, 5x faster.
    hyphenated = " ".join(word for word in text.split() if "-" in word)
    return {m.group(0).lower() for m in _COMPOUND.finditer(hyphenated)}


def running_lines(text: str, edge: int = 2) -> set[str]:
    """Running headers/footers: short lines among the first/last `edge` lines of 40%+ of the pages (3+, or both of 2).

    Pages end at form feeds and at page-number lines; an unpaged text has none. A short line
    repeated inside pages (recipe steps, interview questions, a wrapped line of a repeated list
    item) is the article's own text, however often it recurs.
    """
    if "\f" not in text and not _PAGE_NUMBER_LINE.search(text):
        return set()  # one page: nothing runs across pages (the common case, found by one scan)
    pages: list[list[str]] = [[]]
    for line in text.split("\n"):
        for k, part in enumerate(line.split("\f")):
            if k:
                pages.append([])
            if _PAGE_NUMBER.match(part):
                pages.append([])
            elif part.strip():
                pages[-1].append(part.strip())
    pages = [page for page in pages if page]
    if len(pages) < 2:
        return set()
    counts = Counter(line for page in pages for line in set(page[:edge] + page[-edge:]))
    # on two pages only a line at the edge of both counts; from three pages on, 40% of them
    needed = len(pages) if len(pages) == 2 else 3
    return {
        line for line, n in counts.items()
        if n >= needed and n >= 0.4 * len(pages) and len(line) < 80 and not _looks_like_prose(line)
    }


def drop_page_furniture(blocks: list[list[str]], running: set[str] | None = None) -> list[list[str]]:
    """Remove page-number lines and the running header/footer lines found by `running_lines`."""
    running = running or set()
    cleaned = []
    for block in blocks:
        kept = [ln for ln in block if not _PAGE_NUMBER.match(ln) and ln.strip() not in running]
        if kept:
            cleaned.append(kept)
    return cleaned


def _looks_like_prose(line: str) -> bool:
    return line.rstrip().endswith(_TERMINAL) and len(line.split()) > 6


def extract_url_blocks(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Take out paragraphs made only of URLs; rejoin the sentence they split.

    Returns (paragraphs, urls). "... the state-run RIA" + URL block + "Novosti news agency ..."
    becomes one paragraph again.
    """
    kept: list[str] = []
    urls: list[str] = []
    cut_after_url_block = False
    for para in paragraphs:
        if all(is_url_line(line) for line in para.split("\n")):
            urls.extend(find_urls(para))
            cut_after_url_block = True
            continue
        if cut_after_url_block and kept and ends_mid_sentence(kept[-1]):
            kept[-1] = f"{kept[-1]} {para}"
        else:
            kept.append(para)
        cut_after_url_block = False
    return kept, urls


def ends_mid_sentence(paragraph: str) -> bool:
    """A long paragraph whose last character is not sentence-final punctuation."""
    text = paragraph.rstrip()
    return len(text) >= _JOIN_MIN_CHARS and not text.endswith(_TERMINAL)


_CLOSERS = "\"”’')»]"
_SENTENCE_FINAL = (".", "!", "?", "…", ":", ";")


def _cut_before(previous: str, para: str) -> bool:
    """`previous` was cut where `para` begins (a page break, most often): it stops at a comma, or
    without sentence-final punctuation before a lower-case word (closing quotes do not count)."""
    core = previous.rstrip().rstrip(_CLOSERS)
    if not para[:1].isalnum() or len(previous.split()) < 4:
        return False
    return core.endswith(",") or para[:1].islower() and not core.endswith(_SENTENCE_FINAL)


def rejoin_split_sentences(paragraphs: list[str]) -> list[str]:
    """Join a long paragraph that stops mid-sentence with the paragraph after it, and a paragraph
    cut at a page break (see _cut_before); a word hyphenated across the cut is made whole."""
    out: list[str] = []
    for para in paragraphs:
        if out and (ends_mid_sentence(out[-1]) and para[:1].isalnum() or _cut_before(out[-1], para)):
            hyphenated = _HYPHEN_BREAK.search(out[-1][-64:]) and para[:1].islower()
            out[-1] = f"{out[-1][:-1]}{para}" if hyphenated else f"{out[-1]} {para}"
        else:
            out.append(para)
    return out
