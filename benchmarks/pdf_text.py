"""Which library reads a news PDF's text best and fastest: pypdfium2, pypdf, pdfplumber.

    .venv/bin/python benchmarks/pdf_text.py [--repeat 3]

PDFs are made here with fpdf2 (tests/tasks/normalize/renderings.py): the seed article and longer
stories made of its paragraphs, in four layouts (ragged lines hyphenated at the margin, justified,
no headline or metadata, a Unicode TrueType font when DejaVu Sans is installed), with a running
header and page numbers. For each library:

- speed: ms per page to open the file and take every page's text (best of --repeat runs);
- words: the extracted text after newsflow's PDF-text normalizer (parse_plaintext), compared with
  the body that was drawn, word by word (difflib ratio; 1.0 = every word, in order);
- exact: share of documents whose normalized body equals the drawn body paragraph for paragraph.

pdfplumber is not a project dependency: it is measured when importable (e.g. PYTHONPATH pointing
at a `pip install --target` copy) and skipped otherwise.
"""

from __future__ import annotations

import argparse
import difflib
import io
import random
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.normalize.pdf import layout_text, page_lines  # noqa: E402
from tasks.normalize.plaintext import parse_plaintext  # noqa: E402
from tests.tasks.normalize.renderings import _LATIN1, render_pdf, seed_story  # noqa: E402

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def corpus() -> list[tuple[str, bytes, str]]:
    """(name, PDF bytes, the body drawn in it)."""
    base = seed_story()
    rng = random.Random(7)
    layouts = [("hyphenated", {}), ("justified", {"justify": True}), ("bare", {"heading": False, "metadata": False})]
    if DEJAVU.exists():
        layouts.append(("unicode", {"font": str(DEJAVU)}))
    out = []
    for copies in (1, 2, 4, 8):
        paragraphs = [p for _ in range(copies) for p in rng.sample(base["paragraphs"], len(base["paragraphs"]))]
        story = {**base, "paragraphs": paragraphs}
        for name, options in layouts:
            drawn = paragraphs if "font" in options else [p.translate(_LATIN1) for p in paragraphs]
            out.append((f"{name}-x{copies}", render_pdf(story, **options), "\n\n".join(drawn)))
    return out


def pages_pdfium(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return layout_text([page_lines(document[i].get_textpage()) for i in range(len(document))])
    finally:
        document.close()


def pages_pdfium_plain(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return [document[i].get_textpage().get_text_range().replace("\r\n", "\n").replace("\ufffe", "-\n") for i in range(len(document))]
    finally:
        document.close()


def pages_pypdf(data: bytes, mode: str = "plain") -> list[str]:
    import pypdf

    return [page.extract_text(extraction_mode=mode) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def pages_pdfplumber(data: bytes, layout: bool = False) -> list[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as document:
        return [page.extract_text(layout=layout) or "" for page in document.pages]


def readers() -> dict:
    out = {
        "pypdfium2 + layout_text (newsflow)": pages_pdfium,
        "pypdfium2 get_text_range": pages_pdfium_plain,
        "pypdf extract_text": pages_pypdf,
        "pypdf extract_text layout": lambda d: pages_pypdf(d, "layout"),
    }
    try:
        import pdfplumber  # noqa: F401

        out["pdfplumber extract_text"] = pages_pdfplumber
        out["pdfplumber extract_text layout"] = lambda d: pages_pdfplumber(d, True)
    except ImportError:
        print("pdfplumber not importable: skipped", file=sys.stderr)
    return out


def measure(repeat: int) -> list[dict]:
    docs = corpus()
    import pypdfium2 as pdfium

    page_count = sum(len(pdfium.PdfDocument(data)) for _, data, _ in docs)
    rows = []
    for name, read in readers().items():
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            texts = [read(data) for _, data, _ in docs]
            best = min(best, time.perf_counter() - started)
        ratios, exact = [], 0
        for (_, _, drawn), pages in zip(docs, texts):
            body = parse_plaintext("\f".join(pages)).body
            ratios.append(difflib.SequenceMatcher(None, body.split(), drawn.split(), autojunk=False).ratio())
            exact += body == drawn or body.partition("\n\n")[2] == drawn  # a headline left in the body
        rows.append({"reader": name, "ms_per_page": 1000 * best / page_count, "words": sum(ratios) / len(ratios),
                     "worst_words": min(ratios), "exact": exact / len(docs)})
    print(f"{len(docs)} PDFs, {page_count} pages, best of {repeat} runs", file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    print("| reader | ms / page | words (mean) | words (worst) | exact bodies |")
    print("|---|---:|---:|---:|---:|")
    for row in measure(args.repeat):
        print(f"| {row['reader']} | {row['ms_per_page']:.2f} | {row['words']:.3f} | {row['worst_words']:.3f} | {row['exact']:.0%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
