"""Turn raw bytes into text, or say exactly why they cannot be text."""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

from tasks.records import RejectError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Magic numbers of formats that are never article text.
_BINARY_MAGIC = {
    b"\x89PNG": "png image",
    b"GIF8": "gif image",
    b"\xff\xd8\xff": "jpeg image",
    b"%PDF": "pdf document",  # parse_document reads PDFs before decoding: only a direct call gets here
    b"PK\x03\x04": "zip archive",
    b"\x1f\x8b": "gzip data",
    b"\x7fELF": "executable",
    b"RIFF": "riff media",
    b"\x00\x00\x01\x00": "icon",
    b"BZh": "bzip2 data",
    b"\xfd7zXZ": "xz data",
}
_SNIFF_BYTES = 64 * 1024
_CONTROL_BYTES = bytes(b for b in range(32) if chr(b) not in "\t\n\r\f\x1b")  # ESC starts ISO-2022 shifts


def decode_text(content: bytes) -> str:
    """Decode document bytes to text (BOM, then UTF-8, then detected charset), repairing mojibake.

    Raises RejectError for empty, binary or undecodable content.
    """
    if not content or not content.strip():
        raise RejectError("empty-file", f"{len(content)} bytes, nothing but whitespace")
    for magic, what in _BINARY_MAGIC.items():
        if content.startswith(magic):
            raise RejectError("binary", f"content starts like a {what}")
    for bom, codec in _BOMS:
        if content.startswith(bom):
            try:
                return _clean(content.decode(codec))
            except UnicodeDecodeError as exc:
                raise RejectError("undecodable", f"{codec} byte-order mark but {exc}") from exc
    head = content[:_SNIFF_BYTES]
    nuls = head.count(b"\x00")
    if nuls > len(head) // 100:
        raise RejectError("binary", f"{nuls} NUL bytes in the first {len(head)} bytes")
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > len(head) // 20:
        # random or compressed bytes are ~11% C0 controls; text, in any charset, has next to none
        raise RejectError("binary", f"{controls} control bytes in the first {len(head)} bytes")
    try:
        return _clean(content.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    western = _as_western(content)
    if western is not None:
        return _clean(western)
    import charset_normalizer  # imported by the few documents that need it: workers start faster

    best = charset_normalizer.from_bytes(content).best()
    if best is None:
        raise RejectError("undecodable", "not UTF-8 and no single-byte charset fits")
    text = str(best)
    if _control_share(text) > 0.05:
        raise RejectError("binary", f"decoded as {best.encoding} but mostly control characters")
    return _clean(text)


# UTF-8 decoded as cp1252/latin-1 leaves a lead byte (Â-ô) before a continuation byte (0x80-0xBF,
# or its cp1252 glyph). Text without that pair has no mojibake for ftfy to fix, and checking is
# ~100x cheaper than ftfy's own scan of a whole page.
_MOJIBAKE_HINT = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030"
                            "\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178]")


@lru_cache(maxsize=1)
def _ftfy():
    """ftfy and its config, on first need (~1% of documents): ftfy builds a config from keyword
    arguments on every line it fixes, so one is built here instead."""
    import ftfy

    return ftfy, ftfy.TextFixerConfig(uncurl_quotes=False, fix_latin_ligatures=False, normalization=None, explain=False)


def _clean(text: str) -> str:
    # ftfy repairs mojibake (UTF-8 read as cp1252) but keeps curly quotes and dashes as published.
    if not text.isascii() and _MOJIBAKE_HINT.search(text):
        ftfy, config = _ftfy()
        text = ftfy.fix_text(text, config=config)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _as_western(content: bytes) -> str | None:
    """cp1252 text when its non-ASCII characters read as Western European letters and punctuation.

    Short Latin-1 texts fool statistical detectors (they guess cp1257 or cp1250), so the
    common case is tried first and the detector is left for other scripts.
    """
    try:
        text = content.decode("cp1252")
    except UnicodeDecodeError:
        return None
    high = [ch for ch in text if ord(ch) > 127]
    western = sum(1 for ch in high if ch.isalpha() and "\u00c0" <= ch <= "\u00ff" or ch in _CP1252_PUNCT)
    ascii_letters = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    # Western European prose is mostly ASCII letters; Cyrillic or Greek in cp1252 is not.
    return text if western >= 0.9 * len(high) and len(high) <= 0.3 * ascii_letters else None


_CP1252_PUNCT = "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0\u00ab\u00bb\u00b0\u00a9\u20ac\u00a3"


def _control_share(text: str) -> float:
    sample = text[:_SNIFF_BYTES]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return bad / len(sample)
