"""Extraction quality: newsflow's HTML normalizer vs plain trafilatura and htmldate on pages with ground truth.

The folder holds `cases.jsonl` (one case a line: `file` -> gzipped HTML, `url`, and expected
`body`, optionally `title`, `authors`, `published`, `language`, `set`) — see ../shared/eval/README.md.
Every extractor runs on the same decoded text in the same run, so their figures compare directly.
Dates compare on the publisher's calendar day: newsflow's date as the page wrote it (its local
time, `published_local`), never its UTC day. A case whose `published` is null expects no date.
Authors compare as the byline credits them: newsflow's `authors` (people) plus its `agencies`,
because the fundus truth lists an agency credit ("dpa", "AP") among the authors; the report also
gives the people-only figure (`author_f1_people`). Each newsflow title names the source or rule
that chose it (`title_rule`); the report counts them per set, right and wrong.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from statistics import fmean
from typing import Any

import htmldate
import py3langid
import trafilatura
from charset_normalizer import from_bytes
from rich.table import Table
from trafilatura.metadata import extract_metadata

from tasks.evaluate.extraction_metrics import (
    author_f1,
    body_scores,
    date_matches,
    parse_expected_date,
    primary_language,
    split_authors,
    title_matches,
)
from tasks.normalize.dates import written_date
from tasks.normalize.html import parse_html
from tasks.records import ParsedArticle, RejectError

EXTRACTORS = ("newsflow", "trafilatura", "htmldate")


def load_cases(path: Path, limit: int | None = None) -> list[dict]:
    cases_file = path / "cases.jsonl"
    if not cases_file.is_file():
        raise FileNotFoundError(f"{cases_file} not found: point the evaluation at a folder with cases.jsonl")
    with cases_file.open(encoding="utf-8") as handle:
        cases = [json.loads(line) for line in handle if line.strip()]
    return cases[:limit] if limit is not None else cases


def decode_html(raw: bytes) -> str:
    """UTF-8 when it decodes cleanly, else the charset-normalizer guess; never raises."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(raw).best()
        return str(best) if best is not None else raw.decode("utf-8", errors="replace")


def publisher_time(article: ParsedArticle) -> str | None:
    """The article's date as the publisher wrote it (what `articles.published_local` holds)."""
    return written_date(article.published_raw, article.published_at, article.published_day)[0]


def _run_newsflow(html: str, url: str | None) -> dict:
    try:
        article = parse_html(html, url)
    except RejectError as exc:
        return {"body": "", "title": None, "authors": [], "agencies": [], "date": None, "language": None,
                "reject": exc.reason, "title_rule": "rejected"}
    return {
        "body": article.body,
        "title": article.title,
        "title_rule": article.extra.get("title_rule"),
        "authors": list(article.authors),
        "agencies": list(article.agencies),
        "date": publisher_time(article),
        "language": article.language,
    }


def _run_trafilatura(html: str, url: str | None) -> dict:
    body = trafilatura.extract(html, url=url) or ""
    meta = extract_metadata(html, default_url=url)
    return {
        "body": body,
        "title": meta.title if meta else None,
        "authors": split_authors(meta.author) if meta else [],
        "date": meta.date if meta else None,
        # no "language": plain trafilatura detects none (only filters by a target language)
    }


def _run_htmldate(html: str, url: str | None) -> dict:
    """htmldate alone, as its README recommends for the publication date: dates only."""
    return {"date": htmldate.find_date(html, url=url, original_date=True)}


RUNNERS: dict[str, Callable[[str, str | None], dict]] = {
    "newsflow": _run_newsflow,
    "trafilatura": _run_trafilatura,
    "htmldate": _run_htmldate,
}


def _expected_language(case: dict, set_language: str | None) -> tuple[str | None, str]:
    """The page's language and where it came from: the case, the set, or detected from the truth body."""
    if case.get("language"):
        return primary_language(case["language"]), "declared"
    if set_language:
        return primary_language(set_language), "set"
    if case.get("body"):
        return py3langid.classify(case["body"])[0], "detected"
    return None, "none"


def _score_page(case: dict, got: dict, expected_lang: str | None) -> dict:
    scores: dict[str, Any] = {}
    if "body" in got and case.get("body") is not None:  # htmldate reads dates only; date sets have no body
        scores["precision"], scores["recall"], scores["f1"] = body_scores(got["body"], case.get("body"))
    if case.get("title") and "title" in got:
        scores["title"] = float(title_matches(got["title"], case["title"]))
    if got.get("title_rule"):
        scores["title_rule"] = got["title_rule"]
    expected_date = parse_expected_date(case.get("published"))
    if expected_date is not None:
        scores["date"] = float(date_matches(got["date"], expected_date))
    elif "published" in case and case["published"] is None:  # the truth says: no publication date
        scores["date"] = float(got["date"] is None)
    if case.get("set") and "date" in scores:
        scores["set"] = case["set"]
    if case.get("authors") is not None and "authors" in case and "authors" in got:
        scores["author_f1"] = author_f1([*got["authors"], *got.get("agencies", [])], case["authors"])
        if "agencies" in got:
            scores["author_f1_people"] = author_f1(got["authors"], case["authors"])
    if expected_lang and "language" in got:
        scores["language"] = float(primary_language(got["language"]) == expected_lang)
    if got.get("reject"):
        scores["reject"] = got["reject"]
    return scores


def _summarize(pages: list[dict], seconds: float) -> dict:
    summary: dict[str, Any] = {"pages": len(pages)}
    for key in ("precision", "recall", "f1", "title", "date", "author_f1", "author_f1_people", "language"):
        values = [page[key] for page in pages if key in page]
        if values or key != "author_f1_people":
            summary[key] = round(fmean(values), 4) if values else None
        if key in ("title", "date", "author_f1", "language"):
            summary[f"{key}_pages"] = len(values)
    rules = title_rule_counts(pages)
    if rules:
        summary["title_rules"] = rules
    by_set: dict[str, list[float]] = {}
    for page in pages:
        if "set" in page:
            by_set.setdefault(page["set"], []).append(page["date"])
    if by_set:
        summary["date_by_set"] = {name: round(fmean(values), 4) for name, values in sorted(by_set.items())}
    summary["rejected"] = sum(1 for page in pages if "reject" in page)
    summary["seconds"] = round(seconds, 2)
    summary["pages_per_s"] = round(len(pages) / seconds, 1) if seconds else None
    return summary


def title_rule_counts(pages: list[dict]) -> dict[str, dict[str, int]]:
    """Per title rule: on how many pages it chose the title, and on how many of those (with a
    title truth) the title was right."""
    counts: dict[str, dict[str, int]] = {}
    for page in pages:
        if "title_rule" not in page:
            continue
        entry = counts.setdefault(page["title_rule"], {"pages": 0, "right": 0, "judged": 0})
        entry["pages"] += 1
        if "title" in page:
            entry["judged"] += 1
            entry["right"] += int(page["title"])
    return dict(sorted(counts.items(), key=lambda item: -item[1]["pages"]))


def evaluate_extraction(path: Path, limit: int | None = None, *, worst: int = 10) -> dict:
    """Run newsflow's `parse_html` and plain trafilatura on every case of `path`; score both.

    Returns a JSON-ready dict: per-extractor averages (body precision/recall/F1, title, date,
    author set-F1, language accuracy, pages/s, newsflow's title rules), the `worst` pages by
    newsflow body F1, and `title_choices`: per page, newsflow's title, the rule that chose it and
    the truth.
    """
    path = Path(path)
    cases = load_cases(path, limit)
    manifest = path / "MANIFEST.json"
    set_language = json.loads(manifest.read_text()).get("language") if manifest.is_file() else None
    per_page: dict[str, list[dict]] = {name: [] for name in EXTRACTORS}
    seconds = dict.fromkeys(EXTRACTORS, 0.0)
    language_sources: dict[str, int] = {}
    per_case_dates: list[dict[str, object]] = []
    title_choices: list[dict[str, object]] = []
    for number, case in enumerate(cases, 1):
        html = decode_html(gzip.decompress((path / case["file"]).read_bytes()))
        expected_lang, lang_source = _expected_language(case, set_language)
        language_sources[lang_source] = language_sources.get(lang_source, 0) + 1
        per_case_dates.append({})
        for name in EXTRACTORS:
            start = time.perf_counter()
            got = RUNNERS[name](html, case.get("url"))
            seconds[name] += time.perf_counter() - start
            per_case_dates[-1][name] = got.get("date")
            if name == "newsflow":
                title_choices.append({"id": case.get("id", case["file"]), "rule": got.get("title_rule"),
                                      "title": got.get("title"), "truth": case.get("title")})
            scores = _score_page(case, got, expected_lang)
            scores["id"] = case.get("id", case["file"])
            per_page[name].append(scores)
        if number % 50 == 0:
            print(f"{path.name}: {number}/{len(cases)} pages", file=sys.stderr)
    ranked = sorted(zip(per_page["newsflow"], per_page["trafilatura"]), key=lambda pair: pair[0].get("f1", 1.0))
    date_misses = [
        {"id": ours["id"], "expected": case.get("published"), **{name: _shown(dates[name]) for name in EXTRACTORS}}
        for case, ours, dates in zip(cases, per_page["newsflow"], per_case_dates)
        if ours.get("date") == 0.0
    ]
    return {
        "set": path.name,
        "path": str(path),
        "pages": len(cases),
        "language_truth": language_sources,
        "extractors": {name: _summarize(per_page[name], seconds[name]) for name in EXTRACTORS},
        "worst_pages": [
            {"id": ours["id"], "newsflow": _round(ours), "trafilatura": _round(theirs)}
            for ours, theirs in ranked[:worst]
        ],
        "date_misses": date_misses,  # newsflow's, with what each extractor found
        "title_choices": title_choices,
    }


def _shown(value: object) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else (None if value is None else str(value))


def _round(scores: dict) -> dict:
    return {key: round(value, 3) if isinstance(value, float) else value for key, value in scores.items() if key != "id"}


_COLUMNS = (
    ("precision", "body P"),
    ("recall", "body R"),
    ("f1", "body F1"),
    ("title", "title"),
    ("date", "date"),
    ("author_f1", "auth F1"),
    ("language", "lang"),
    ("pages_per_s", "pg/s"),
)


def render_title_rules(result: dict | list[dict]) -> Table | None:
    """Which source or rule chose newsflow's titles, per set: pages, and right of those with a title truth."""
    results = result if isinstance(result, list) else [result]
    rows = [(one, rule, entry) for one in results
            for rule, entry in (one["extractors"].get("newsflow", {}).get("title_rules") or {}).items()]
    if not rows:
        return None
    table = Table(title="Title rules (newsflow): which source or rule chose the title")
    for label, justify in (("set", "left"), ("rule", "left"), ("pages", "right"), ("right", "right")):
        table.add_column(label, justify=justify, no_wrap=True)
    for one, rule, entry in rows:
        right = f"{entry['right']}/{entry['judged']}" if entry["judged"] else "–"
        table.add_row(f"{one['set']} ({one['pages']})", rule, str(entry["pages"]), right)
    return table


def render_title_choices(result: dict | list[dict]) -> list[str]:
    """One line per page: right or wrong (or "-" without a truth), the rule that chose newsflow's
    title, the page and the title; a wrong one is followed by the truth."""
    results = result if isinstance(result, list) else [result]
    lines = []
    for one in results:
        for choice in one.get("title_choices", []):
            truth = choice.get("truth")
            right = title_matches(choice.get("title"), truth) if truth else None
            mark = "-" if right is None else ("ok" if right else "NO")
            lines.append(f"{mark:2} {choice.get('rule')!s:22} {one['set']}/{choice['id']}: {choice.get('title')}")
            if right is False:
                lines.append(f"{'':25} truth: {truth}")
    return lines


def render_extraction_report(result: dict | list[dict]) -> Table:
    """One row per (set, extractor): the averages of `evaluate_extraction`."""
    results = result if isinstance(result, list) else [result]
    table = Table(title="Extraction quality (– = not measured)")
    table.add_column("set", no_wrap=True)
    table.add_column("extractor", no_wrap=True)
    for _, label in _COLUMNS:
        table.add_column(label, justify="right", no_wrap=True)
    for one in results:
        for name, summary in one["extractors"].items():
            cells = []
            for key, _ in _COLUMNS:
                value = summary.get(key)
                cells.append("–" if value is None else (f"{value:.1f}" if key == "pages_per_s" else f"{value:.3f}"))
            table.add_row(f"{one['set']} ({one['pages']})", name, *cells)
    by_set = [
        f"{one['set']} {name} " + ", ".join(f"{key} {value:.3f}" for key, value in summary["date_by_set"].items())
        for one in results for name, summary in one["extractors"].items() if len(summary.get("date_by_set") or {}) > 1
    ]
    table.caption = ("body: 4-token shingle overlap, averaged per page; date: the publisher's calendar day; "
                     "pg/s: pages per second of each extractor" + "".join(f"\ndate by set: {line}" for line in by_set))
    return table
