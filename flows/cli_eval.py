"""`newsflow eval ...`: measure extraction quality against folders of pages with ground truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

eval_app = typer.Typer(help="Measure extraction and dedup quality.", no_args_is_help=True)


@eval_app.callback()
def _eval() -> None:
    """Measure extraction and dedup quality."""


@eval_app.command("extraction")
def extraction(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Eval folders, each with cases.jsonl and html/*.html.gz (e.g. ../shared/eval/fundus)."),
    ],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the full report (JSON) here.")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Only the first N cases of each folder.")] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Print, per page, which source or rule chose newsflow's title.")
    ] = False,
) -> None:
    """Run newsflow's HTML parser and plain trafilatura on the same pages; compare both to the truth.

    Prints body precision/recall/F1 (4-token shingles), title, date, author set-F1, language and
    pages/s per extractor, then how many titles each title rule chose (and how many were right);
    the JSON report adds the worst pages by newsflow body F1 and every page's title choice.

    [b]Examples[/b]

      newsflow eval extraction ../shared/eval/fundus --limit 50
      newsflow eval extraction ../shared/eval/scrapinghub --out data/eval-scrapinghub.json
      newsflow eval extraction ../shared/eval/fundus --explain
    """
    from tasks.evaluate.extraction import (
        evaluate_extraction,
        render_extraction_report,
        render_title_choices,
        render_title_rules,
    )

    stdout, stderr = Console(), Console(stderr=True)
    if stdout.width < 110:
        stdout = Console(width=110)  # piped output defaults to 80 columns: too narrow for ten columns
    results = []
    for path in paths:
        if not (path / "cases.jsonl").is_file():
            stderr.print(f"[red]{path}: no cases.jsonl here[/red] — point at an eval folder such as ../shared/eval/fundus")
            raise typer.Exit(1)
        stderr.print(f"evaluating {path} …")
        results.append(evaluate_extraction(path, limit))
    if explain:
        for line in render_title_choices(results):
            stdout.print(line, markup=False, highlight=False, soft_wrap=True)
    stdout.print(render_extraction_report(results))
    rules = render_title_rules(results)
    if rules is not None:
        stdout.print(rules)
    if out is not None:
        out.write_text(json.dumps(results if len(results) > 1 else results[0], indent=2, ensure_ascii=False) + "\n")
        stderr.print(f"report written to {out}")


@eval_app.command("dedup")
def dedup(
    folder: Annotated[
        Path,
        typer.Argument(help="A labelled folder: documents + labels.json (e.g. from benchmarks/dedup_corpus.py)."),
    ],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the full report (JSON) here.")] = None,
) -> None:
    """Run newsflow's normalize + fingerprint + dedup in memory on a labelled folder; score the clusters.

    Prints pair precision/recall/F1, ARI, clusters, hard-negative false merges (negatives.json),
    docs/s and pair recall per rendition (manifest.json); the JSON report adds every false split
    and false merge with its files.

    [b]Examples[/b]

      python benchmarks/dedup_corpus.py /tmp/dedup-set && newsflow eval dedup /tmp/dedup-set
      newsflow eval dedup /tmp/dedup-set --out data/eval-dedup.json
    """
    from tasks.evaluate.dedup import evaluate_dedup, render_dedup_report

    stdout, stderr = Console(), Console(stderr=True)
    if stdout.width < 110:
        stdout = Console(width=110)
    if not (folder / "labels.json").is_file():
        stderr.print(f"[red]{folder}: no labels.json here[/red] — make a labelled set with "
                     "`python benchmarks/dedup_corpus.py OUT_DIR`")
        raise typer.Exit(1)
    stderr.print(f"evaluating dedup on {folder} …")
    result = evaluate_dedup(folder)
    for table in render_dedup_report(result):
        stdout.print(table)
    if out is not None:
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        stderr.print(f"report written to {out}")
