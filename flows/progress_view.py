"""What `newsflow run` shows on stderr while a run works.

At a terminal: one rich progress row per stage (ingest, normalize, enrich, dedup, publish) with
counts, rate and time left. Piped, or with --quiet: one plain line per stage when it ends. The
stages report through `tasks.progress`; the run's named checkpoints (`warehouse.faults`) end
stages and say how far the write got, so an interrupt can tell what was committed.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

from tasks.progress import STAGES

UNITS = {"ingest": "inputs", "normalize": "documents", "enrich": "articles", "dedup": "articles", "publish": "tables"}
# the checkpoint that ends each stage (flows/pipeline.py); the next stage starts there
ENDS = {"ingest": "ingest", "normalize": "normalize", "enrich": "enrich", "dedup": "dedup", "committed": "publish"}


@dataclass
class Stage:
    name: str
    total: int | None = None
    done: int = 0
    nbytes: int = 0
    started: float | None = None
    ended: float | None = None
    note: str = ""
    seen: set[str] = field(default_factory=set)  # tables a publish passed

    @property
    def seconds(self) -> float:
        return ((self.ended or time.monotonic()) - self.started) if self.started is not None else 0.0

    def line(self, load_id: str | None = None) -> str:
        """One log line: what the stage did, how long it took, how fast."""
        if self.name == "publish":
            what = self.note or f"load {load_id} committed"
            return f"publish: {what} in {format_seconds(self.seconds)}"
        unit = UNITS[self.name]
        count = f"{self.done:,} {unit[:-1] if self.done == 1 else unit}"
        if self.nbytes:
            count += f" ({format_bytes(self.nbytes)})"
        rate = f", {self.done / self.seconds:,.1f}/s" if self.done and self.seconds >= 0.05 and self.name != "publish" else ""
        return f"{self.name}: {count} in {format_seconds(self.seconds)}{rate}{f' ({self.note})' if self.note else ''}"


class RunProgress:
    """The progress of one flow run: a `tasks.progress` sink and a `warehouse.faults` listener.

    `live`: a rich display on `console` (a terminal); else one line per stage on `console`."""

    def __init__(self, console: Console, live: bool, label: str = "", inputs: int | None = None, on_start=None):
        self.console, self.label, self.on_start = console, label, on_start
        self.stages = {name: Stage(name) for name in STAGES}
        if inputs:
            self.stages["ingest"].total = inputs
        self.load_id: str | None = None
        self.committing = False  # COMMIT sent: the load may be in the lake
        self.committed = False  # the load is in the lake
        self.current: str | None = None
        self._lock = threading.RLock()
        self._rows: dict[str, int] = {}
        self._progress = _rich_progress(console) if live else None
        if self._progress is not None:
            self._progress.start()
            self._status = self._progress.add_task(f"[dim]starting news-pipeline over {label} ...", total=None, unit="", rate="")

    # tasks.progress sink
    def add_total(self, stage: str, items: int) -> None:
        with self._lock:
            self._begin(stage)
            s = self.stages[stage]
            s.total = (s.total or 0) + items
            self._show(stage)

    def advance(self, stage: str, items: int, nbytes: int) -> None:
        with self._lock:
            self._begin(stage)
            s = self.stages[stage]
            s.done += items
            s.nbytes += nbytes
            self._show(stage)

    def load_started(self, load_id: str) -> None:
        with self._lock:
            self.load_id = load_id
            self._begin("ingest")
        if self.on_start is not None:
            self.on_start()  # in the flow's main thread: see RunSession.take_sigterm

    # warehouse.faults listener
    def checkpoint(self, name: str) -> None:
        with self._lock:
            if name.startswith("publish:"):
                self._begin("publish")
                s = self.stages["publish"]
                s.seen.add(name)
                s.done = len(s.seen)
                self._show("publish")
            elif name == "commit":
                self.committing = True
            elif name in ("upkeep", "committed") and self.committing:  # a run with nothing new passes upkeep too
                self.committed = True
            if name in ENDS:
                self._end(ENDS[name])
                following = STAGES.index(ENDS[name]) + 1
                if following < len(STAGES):
                    self._begin(STAGES[following])

    @property
    def live(self) -> bool:
        return self._progress is not None

    def finish(self) -> None:
        """The run returned: end the stages still open; a run that wrote nothing ends at publish."""
        with self._lock:
            if not self.committed:
                self.stages["publish"].note = "nothing new: no load written"
                self._begin("publish")
            for name in STAGES:
                if self.stages[name].started is not None and self.stages[name].ended is None:
                    self._end(name)
            self.close()

    def silence(self) -> None:
        """Draw nothing more: a display whose stop is stuck (its lock held mid-draw, or its refresh
        thread slow on a loaded machine) must not draw its rows again over a line printed after it."""
        self.console.quiet = True

    def close(self) -> None:
        """Stop the display (idempotent); the rows drawn so far stay on the terminal."""
        progress, self._progress = self._progress, None
        if progress is not None:
            progress.stop()

    def _begin(self, stage: str) -> None:
        s = self.stages[stage]
        if s.started is not None:
            return
        for earlier in STAGES[: STAGES.index(stage)]:  # a stage starts where the one before it ended
            if self.stages[earlier].started is not None and self.stages[earlier].ended is None:
                self._end(earlier)
        s.started = time.monotonic()
        self.current = stage
        if stage == "dedup":  # the writer lock says itself when it has to wait (warehouse/lock.py)
            s.total = s.total or self.stages["enrich"].total
        if stage == "publish":
            from warehouse.publish import PUBLISH_ORDER

            s.total = len(PUBLISH_ORDER)
        if self._progress is not None:
            if not self._rows:
                self._progress.remove_task(self._status)
            self._rows[stage] = self._progress.add_task(stage, total=s.total, unit=UNITS[stage], rate="")
            self._show(stage)

    def _end(self, stage: str) -> None:
        self._begin(stage)
        s = self.stages[stage]
        if s.ended is not None:
            return
        s.ended = time.monotonic()
        if stage in ("dedup", "publish"):
            s.done = s.total or s.done  # no count inside: a stage that ended did all of it
        if self._progress is not None:
            self._show(stage)
        else:
            self.console.print(s.line(self.load_id), highlight=False, markup=False, soft_wrap=True)

    def _show(self, stage: str) -> None:
        if self._progress is None or stage not in self._rows:
            return
        s = self.stages[stage]
        extra = format_bytes(s.nbytes) if s.nbytes else s.note
        total = max(s.total, s.done) if s.total else None  # archives hold more inputs than files were counted
        self._progress.update(self._rows[stage], completed=s.done, total=total, unit=UNITS[stage], rate=extra)
        if s.ended is not None:
            self._progress.stop_task(self._rows[stage])


class RateColumn(ProgressColumn):
    """Items per second of a task (rich's own speed column is for bytes)."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.1f}/s" if speed else "", style="progress.data.speed")


def _rich_progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}"),
        RateColumn(),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[rate]}"),
        console=console, refresh_per_second=8, redirect_stdout=True, redirect_stderr=True,
    )


def format_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def format_seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s"


def count_files(paths: list[str]) -> int:
    """Files under `paths` as ingest will see them (hidden ones skipped): ingest's total."""
    count = 0
    for path in paths:
        if os.path.isfile(path):
            count += 1
            continue
        for _, dirnames, filenames in os.walk(path):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            count += sum(1 for f in filenames if not f.startswith("."))
    return count
