"""Extraction evaluation: metric functions on tiny inputs, and a short run on ../shared/eval."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rich.table import Table
from typer.testing import CliRunner

from flows.cli_eval import eval_app
from tasks.evaluate.extraction import evaluate_extraction, render_extraction_report
from tasks.evaluate.extraction_metrics import author_f1, body_scores, date_matches, title_matches

SHARED_EVAL = (Path(__file__).resolve().parents[3] / ".." / "shared" / "eval").resolve()


def test_body_scores_shingle_overlap() -> None:
    text = "one two three four five six"
    assert body_scores(text, text) == (1.0, 1.0, 1.0)
    precision, recall, f1 = body_scores("one two three four five six seven eight nine", text)
    assert recall == 1.0 and precision == pytest.approx(3 / 6) and f1 == pytest.approx(2 / 3)
    assert body_scores("", text) == (0.0, 0.0, 0.0)
    assert body_scores("One, TWO three; four.", "one two three four") == (1.0, 1.0, 1.0)


def test_title_date_author_comparisons() -> None:
    assert title_matches("  Ｈｅｌｌｏ   World ", "hello world")
    assert not title_matches("Hello World | Site", "Hello World")
    paris = timezone(timedelta(hours=2))
    expected = datetime(2024, 5, 3, 0, 30, tzinfo=paris)
    assert date_matches(datetime(2024, 5, 2, 22, 30, tzinfo=timezone.utc), expected)  # same instant
    assert date_matches("2024-05-03", expected)
    assert not date_matches("2024-05-02", expected)
    assert not date_matches(None, expected)
    assert author_f1(["Jane Doe", "John Roe"], ["jane doe"]) == pytest.approx(2 / 3)
    assert author_f1([], []) == 1.0


def _write_set(folder: Path) -> Path:
    (folder / "html").mkdir(parents=True)
    body = (
        "The river flooded three villages overnight after a week of heavy rain across the valley.\n\n"
        "Rescue teams evacuated more than two hundred people, and schools will stay closed on Monday."
    )
    page = f"""<html lang="en"><head><title>Floods hit valley - Valley Post</title>
    <meta property="og:site_name" content="Valley Post">
    <meta property="article:published_time" content="2024-04-01T06:00:00+00:00">
    <meta name="author" content="Sam Lee"></head>
    <body><article><h1>Floods hit valley</h1>{"".join(f"<p>{p}</p>" for p in body.split(chr(10) * 2))}</article></body></html>"""
    (folder / "html" / "a.html.gz").write_bytes(gzip.compress(page.encode()))
    case = {"id": "a", "file": "html/a.html.gz", "url": "https://valley.example/a", "title": "Floods hit valley",
            "authors": ["Sam Lee"], "published": "2024-04-01 08:00:00+02:00", "body": body}
    (folder / "cases.jsonl").write_text(json.dumps(case) + "\n")
    return folder


def test_evaluate_extraction_on_a_tiny_set(tmp_path: Path) -> None:
    result = evaluate_extraction(_write_set(tmp_path / "tiny"))
    ours = result["extractors"]["newsflow"]
    assert result["pages"] == 1
    assert ours["f1"] == pytest.approx(1.0)
    assert (ours["title"], ours["date"], ours["author_f1"], ours["language"]) == (1.0, 1.0, 1.0, 1.0)
    assert set(result["extractors"]) == {"newsflow", "trafilatura", "htmldate"}
    json.dumps(result)  # JSON-ready
    assert isinstance(render_extraction_report(result), Table)


def test_cli_writes_json_and_prints_table(tmp_path: Path) -> None:
    folder = _write_set(tmp_path / "tiny")
    out = tmp_path / "report.json"
    result = CliRunner().invoke(eval_app, ["extraction", str(folder), "--out", str(out), "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert "newsflow" in result.stdout
    assert json.loads(out.read_text())["extractors"]["newsflow"]["pages"] == 1


def test_title_rules_are_counted_and_explained(tmp_path: Path) -> None:
    folder = _write_set(tmp_path / "tiny")
    result = evaluate_extraction(folder)
    assert result["extractors"]["newsflow"]["title_rules"] == {"document-title": {"pages": 1, "right": 1, "judged": 1}}
    assert result["title_choices"] == [{"id": "a", "rule": "document-title", "title": "Floods hit valley", "truth": "Floods hit valley"}]
    out = CliRunner().invoke(eval_app, ["extraction", str(folder), "--explain"])
    assert out.exit_code == 0, out.output
    assert "ok document-title" in out.stdout and "tiny/a: Floods hit valley" in out.stdout
    assert "Title rules" in out.stdout  # the per-rule counts are printed on every run


def test_agencies_count_as_byline_credits(tmp_path: Path) -> None:
    # the fundus truth lists an agency among the authors; newsflow keeps it apart, the score joins them
    folder = _write_set(tmp_path / "tiny")
    case = json.loads((folder / "cases.jsonl").read_text())
    case["authors"] = ["Sam Lee", "dpa"]
    (folder / "cases.jsonl").write_text(json.dumps(case) + "\n")
    page = gzip.decompress((folder / "html" / "a.html.gz").read_bytes()).decode()
    page = page.replace('content="Sam Lee"', 'content="Sam Lee, dpa"')
    (folder / "html" / "a.html.gz").write_bytes(gzip.compress(page.encode()))
    ours = evaluate_extraction(folder)["extractors"]["newsflow"]
    assert ours["author_f1"] == 1.0 and ours["author_f1_people"] == pytest.approx(2 / 3, abs=1e-3)


def test_cli_explains_a_wrong_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(eval_app, ["extraction", str(tmp_path)])
    assert result.exit_code == 1


@pytest.mark.eval
@pytest.mark.parametrize("name", ["scrapinghub", "fundus"])
def test_newsflow_not_worse_than_trafilatura_on_real_pages(name: str) -> None:
    """A subset keeps this fast; `newsflow eval extraction` gives the full-set figures."""
    folder = SHARED_EVAL / name
    if not (folder / "cases.jsonl").is_file():
        pytest.skip(f"{folder} is absent (evaluation data is not part of the repository)")
    result = evaluate_extraction(folder, limit=40)
    ours, theirs = result["extractors"]["newsflow"], result["extractors"]["trafilatura"]
    assert ours["f1"] >= theirs["f1"] - 0.01
    assert ours["f1"] >= 0.9
    if name == "fundus":
        assert ours["title"] >= theirs["title"]
        assert ours["date"] >= 0.9
        assert ours["author_f1"] >= 0.8
        assert ours["language"] >= 0.95


def test_dates_compare_on_the_publishers_day_beside_htmldate(tmp_path: Path) -> None:
    """A page published at 01:30 in Moscow is on March 31 in UTC: the truth (the publisher's day,
    no zone) is April 1; a page the truth says has no date is right only without one."""
    folder = tmp_path / "dates"
    (folder / "html").mkdir(parents=True)
    body = "".join(f"<p>Paragraph {n}: the council agreed the harbour budget after a long debate on Tuesday.</p>" for n in range(4))
    pages = {
        "moscow": '<meta property="article:published_time" content="2024-04-01T01:30:00+03:00">',
        "undated": "",
    }
    cases = []
    for name, head in pages.items():
        page = f"<html lang='en'><head><title>Budget agreed</title>{head}</head><body><article><h1>Budget agreed</h1>{body}</article></body></html>"
        (folder / "html" / f"{name}.html.gz").write_bytes(gzip.compress(page.encode()))
        cases.append({"id": name, "file": f"html/{name}.html.gz", "url": f"https://news.example/{name}",
                      "published": "2024-04-01" if name == "moscow" else None, "set": "s"})
    (folder / "cases.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    result = evaluate_extraction(folder)
    ours, htmldate_ = result["extractors"]["newsflow"], result["extractors"]["htmldate"]
    assert (ours["date"], ours["date_pages"], ours["date_by_set"]) == (1.0, 2, {"s": 1.0})
    assert htmldate_["date_pages"] == 2 and htmldate_["f1"] is None  # htmldate reads dates only
    assert result["date_misses"] == []
