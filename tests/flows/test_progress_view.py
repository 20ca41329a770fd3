"""flows/progress_view.py and flows/interrupts.py in-process: the lines a piped run prints per
stage, the rows a terminal gets, and what an interrupt says at each point of the write."""

from __future__ import annotations

import io
import logging
import time

from rich.console import Console

from flows.interrupts import RunSession, mute_prefect_console, restore_levels
from flows.progress_view import RunProgress, count_files, format_bytes
from warehouse.publish import PUBLISH_ORDER


def play(view: RunProgress, commit: bool = True) -> None:
    """The events of one run, in the order flows/pipeline.py sends them."""
    view.load_started("20260101T000000-abcd1234")
    for _ in range(3):
        view.advance("ingest", 1, 1500)
    view.checkpoint("ingest")
    view.add_total("normalize", 3)
    view.advance("normalize", 3, 0)
    view.checkpoint("normalize")
    view.add_total("enrich", 3)
    view.advance("enrich", 3, 0)
    view.checkpoint("enrich")
    view.checkpoint("locked")
    view.checkpoint("dedup")
    if commit:
        for name in PUBLISH_ORDER:
            view.checkpoint(f"publish:{name}")
        view.checkpoint("commit")
        view.checkpoint("upkeep")
        view.checkpoint("committed")


def lines_of(console_file: io.StringIO) -> list[str]:
    return [line for line in console_file.getvalue().splitlines() if line]


def test_piped_one_line_per_stage_in_order():
    out = io.StringIO()
    view = RunProgress(Console(file=out, width=200), live=False, label="drop", inputs=3)
    play(view)
    view.finish()
    lines = lines_of(out)
    assert [line.split(":")[0] for line in lines] == ["ingest", "normalize", "enrich", "dedup", "publish"]
    assert lines[0].startswith("ingest: 3 inputs (4.5 KB) in ")
    assert lines[1].startswith("normalize: 3 documents in ") and lines[2].startswith("enrich: 3 articles in ")
    assert lines[3].startswith("dedup: 3 articles in ")
    assert lines[4].startswith("publish: load 20260101T000000-abcd1234 committed in ")
    assert view.committed


def test_a_run_with_nothing_new_says_so():
    out = io.StringIO()
    view = RunProgress(Console(file=out, width=200), live=False)
    play(view, commit=False)
    view.checkpoint("upkeep")  # the empty transaction's commit runs upkeep too
    view.finish()
    assert lines_of(out)[-1].startswith("publish: nothing new: no load written in ")
    assert not view.committed and not view.committing


def test_at_a_terminal_a_row_per_stage_with_counts():
    out = io.StringIO()
    view = RunProgress(Console(file=out, width=120, force_terminal=True), live=True, label="drop", inputs=3)
    play(view)
    view.finish()
    text = out.getvalue()
    for row in ("ingest", "3/3", "inputs", "normalize", "documents", "enrich", "articles", "dedup", "publish",
                f"{len(PUBLISH_ORDER)}/{len(PUBLISH_ORDER)}", "tables", "4.5 KB"):
        assert row in text
    assert not view.live  # finished: the display is stopped


def interrupted_line(view: RunProgress | None, committed_runs: int = 0, warehouse: str = "/nonexistent/warehouse") -> str:
    session = RunSession(warehouse)
    session.view, session.committed_runs = view, committed_runs
    return session.message()


def test_the_interrupt_line_follows_the_write():
    assert interrupted_line(None) == "interrupted: nothing of this run was committed"  # Prefect still starting
    view = RunProgress(Console(file=io.StringIO()), live=False)
    view.load_started("L1")
    view.checkpoint("ingest")
    assert interrupted_line(view) == "interrupted: nothing of this run was committed"
    view.checkpoint("commit")  # COMMIT sent, no answer yet: the warehouse is asked (none here: not committed)
    assert interrupted_line(view) == "interrupted: nothing of this run was committed"
    view.checkpoint("upkeep")  # upkeep runs after the COMMIT returned
    assert interrupted_line(view) == "interrupted after committing load L1"
    assert interrupted_line(view, committed_runs=2) == "interrupted after committing load L1 (2 earlier runs of this command committed)"


def test_console_handlers_muted_then_restored():
    handler = logging.StreamHandler(io.StringIO())
    logging.getLogger("newsflow-test-console").addHandler(handler)
    try:
        before = mute_prefect_console(logging.WARNING)
        assert handler.level == logging.WARNING and before[handler] == logging.NOTSET
    finally:
        restore_levels(before)
        logging.getLogger("newsflow-test-console").removeHandler(handler)
    assert handler.level == logging.NOTSET


def test_count_files_skips_hidden(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / ".hidden.txt").write_text("h")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("b")
    assert count_files([str(tmp_path), str(tmp_path / "a.txt")]) == 3
    assert format_bytes(999) == "999 B" and format_bytes(2_900_000) == "2.9 MB"


def test_a_display_that_does_not_stop_in_time_draws_nothing_after_the_interrupt_line():
    # on a loaded machine the display's stop can take longer than an interrupt waits for it; its
    # final redraw then came after the "interrupted" line and drew the rows over it
    import threading

    from flows.interrupts import _close_view

    out = io.StringIO()
    view = RunProgress(Console(file=out, force_terminal=True, width=100), live=True, label="x")
    play(view, commit=False)
    release = threading.Event()
    close = view.close
    view.close = lambda: (release.wait(5), close())  # a stop stuck behind a lock
    assert _close_view(view, timeout=0.05) is False
    drawn = len(out.getvalue())
    release.set()
    time.sleep(0.3)  # the stop completes now, silenced
    assert len(out.getvalue()) == drawn and view._progress is None
    finished = RunProgress(Console(file=io.StringIO(), force_terminal=True), live=True, label="y")
    assert _close_view(finished) is True and not finished.console.quiet
