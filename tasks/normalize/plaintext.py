"""Plain-text renditions: hard-wrapped copies, PDF text dumps, wire copies."""

from __future__ import annotations

from tasks.normalize.renditions import finish_text_article
from tasks.normalize.textblocks import drop_page_furniture, hyphenated_words, running_lines, split_blocks, unwrap_lines
from tasks.normalize.textmeta import TextMeta
from tasks.normalize.urls import is_url_line
from tasks.records import ParsedArticle

_TITLE_MAX = 250  # long headline-plus-subtitle titles are common


def parse_plaintext(text: str) -> ParsedArticle:
    """Unwrap lines into paragraphs, drop page furniture, keep a leading headline as the title."""
    meta = TextMeta()
    vocabulary = hyphenated_words(text)
    blocks = drop_page_furniture(split_blocks(text), running_lines(text))
    blocks = _split_unwrapped_lines(blocks)
    paragraphs = [unwrap_lines(block, vocabulary) for block in blocks]
    if len(paragraphs) > 2 and _looks_like_headline(blocks[0]) and not _continues(blocks[1:]):
        meta.title = paragraphs.pop(0)
    return finish_text_article("plaintext", paragraphs, meta, [])


def _looks_like_headline(block: list[str]) -> bool:
    line = block[0].strip()
    return len(block) == 1 and len(line) <= _TITLE_MAX and not line.endswith((".", ",", ";", ":")) and len(line.split()) >= 3


def _continues(rest: list[list[str]]) -> bool:
    """The next text block (past pasted URL blocks) goes on in lower case: the first line was cut mid-sentence."""
    for block in rest:
        if all(is_url_line(line) for line in block):
            continue
        return block[0].strip()[:1].islower()
    return False


def _split_unwrapped_lines(blocks: list[list[str]]) -> list[list[str]]:
    """A text with no blank lines at all: one paragraph per line, or one hard-wrapped paragraph?

    Hard-wrapped lines mostly stop mid-sentence; paragraph-per-line text mostly ends lines
    with sentence punctuation.
    """
    if len(blocks) != 1 or len(blocks[0]) < 3:
        return blocks
    lines = blocks[0]
    sentence_ends = sum(1 for ln in lines if ln.rstrip().endswith(_SENTENCE_END))
    return [[ln] for ln in lines] if sentence_ends >= 0.6 * len(lines) else blocks


_SENTENCE_END = (".", "!", "?", '"', "”", "’", "'", ":")
