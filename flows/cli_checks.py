"""`newsflow run`'s checks before Prefect starts, and its exit code after.

Exit codes (one rule for every run):

- 0: the run completed. Rejected inputs are data (the `rejects` table), not a failure: a folder
  whose every file was rejected, or a feed whose every item failed, still exits 0.
- 1: a source itself could not be read: a feed, sitemap or page that did not answer, a folder or
  WARC file that is missing or unreadable at run time. With several sources, one is enough.
- 2: usage or config errors, found before anything runs: a path that does not exist, an empty
  folder, a bad newsflow.toml, a --warehouse that is a file or a folder that is not a warehouse.
- 130: interrupted (Ctrl-C).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.markup import escape

from flows.config import NewsflowConfig
from flows.output import stderr
from flows.stdio import stdout_to_stderr
from flows.targets import RunPlan, TargetError
from tasks.sources.base import is_remote

OK, SOURCE_UNREAD, USAGE, INTERRUPTED = 0, 1, 2, 130
# What DuckLake (catalog.sqlite + data/) and the older Delta layout (one folder per table with a
# _delta_log) leave in a warehouse folder; a catalog elsewhere (PostgreSQL) leaves data/ only.
_CATALOG_FILE = "catalog.sqlite"
_DATA_FOLDER = "data"


def exit_code(sources_read: Sequence[bool], interrupted: bool = False) -> int:
    """The exit code of a run over sources, one flag per source: was the source itself read?
    (Usage errors exit 2 before anything runs; see the module docstring for the whole rule.)"""
    if interrupted:
        return INTERRUPTED
    return OK if all(sources_read) else SOURCE_UNREAD


def default_targets(config_path: str, config: NewsflowConfig, seeds: Path) -> list[str]:
    """What a bare `newsflow run` runs: the enabled sources of the config file when there is
    one, else the bundled seed documents."""
    if not Path(config_path).is_file():
        return [str(seeds)]
    enabled = [s.name for s in config.enabled_sources()]
    if not enabled:
        raise TargetError(f"{config_path} has no enabled sources: name what to run, e.g. `newsflow run FOLDER`, "
                          "`newsflow run URL` or `newsflow run SOURCE`")
    return enabled


def run_problems(plans: Sequence[RunPlan], warehouse: str, config: NewsflowConfig) -> list[str]:
    """Why `newsflow run` cannot start, one line each (empty: it can). Looks at the disk only."""
    problems = []
    for plan in plans:
        if plan.source_config is None:
            problems += [p for p in map(_path_problem, plan.paths) if p]
        elif config.source(plan.source_config.name) is not plan.source_config and not is_remote(plan.source_config.location):
            # a file named on the command line (a WARC, a URL list): configured sources are checked at run time
            problem = _path_problem(plan.source_config.location, glob_ok=True)
            if problem:
                problems.append(problem)
    problem = warehouse_problem(warehouse)
    return problems + ([problem] if problem else [])


def check_run(plans: Sequence[RunPlan], warehouse: str, config: NewsflowConfig) -> None:
    """Exit 2 with one line per problem when the run cannot start (before Prefect starts)."""
    problems = run_problems(plans, warehouse, config)
    for problem in problems:
        stderr.print(f"[red]cannot run[/red]: {escape(problem)}", highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(USAGE)


def warehouse_problem(root: str) -> str | None:
    """Why `root` cannot be a warehouse to write (a file, a folder of other things), or None:
    a missing or empty folder becomes a new warehouse, a DuckLake or Delta one is used."""
    if "://" in root:
        return None
    path = Path(root).expanduser()
    for parent in [path, *path.parents]:
        if parent.exists():
            break
    if not parent.is_dir():
        return f"warehouse {root}: {parent} is a file, not a folder: pass --warehouse a new or empty folder, or a warehouse"
    if parent != path:
        return None  # a new warehouse
    try:
        entries = [e for e in path.iterdir() if not e.name.startswith(".")]
    except OSError as exc:
        return f"warehouse {root} cannot be read: {exc.strerror or exc}"
    if not entries or is_warehouse(path, entries):
        return None
    names = sorted(e.name + ("/" if e.is_dir() else "") for e in entries)
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    return (f"{root} is not a newsflow warehouse (it holds {shown}): pass --warehouse a new or empty folder, "
            "or one `newsflow run` wrote")


def is_warehouse(path: Path, entries: list[Path] | None = None) -> bool:
    """A DuckLake folder (catalog.sqlite, or data/ beside catalog files only) or a Delta one."""
    entries = entries if entries is not None else [e for e in path.iterdir() if not e.name.startswith(".")]
    names = {e.name for e in entries}
    if _CATALOG_FILE in names:
        return True
    if _DATA_FOLDER in names and all(n == _DATA_FOLDER or n.startswith("catalog.") for n in names):
        return True
    return any(e.is_dir() and (e / "_delta_log").is_dir() for e in entries)


def source_was_read(plan: RunPlan, summary: dict) -> bool:
    """Whether the run read its source itself (listed the folder, fetched the feed), whatever
    became of the items in it (they wait, are retried or end as rejects: data, not failure)."""
    source = plan.source_config
    if source is None:
        return all(_readable(p) for p in plan.paths)
    if not is_remote(source.location):
        return _readable(source.location)
    return source.name not in summary.get("sources_unread", ())


def finish_run(unread: Sequence[str], runs: int) -> None:
    """Exit by the rule above once every run is done; `unread`: labels of sources not read."""
    code = exit_code([False] * len(unread) + [True] * (runs - len(unread)))
    if code != OK:
        for label in unread:
            stderr.print(f"[red]could not read[/red] {escape(label)}: see the rejects table (`newsflow sql --query rejects_by_reason`)",
                         highlight=False, soft_wrap=True)
        raise typer.Exit(code)


@contextmanager
def run_guard() -> Iterator[None]:
    """Around a flow run: stdout kept for data (library prints go to stderr); Ctrl-C exits 130."""
    try:
        with stdout_to_stderr():
            yield
    except KeyboardInterrupt:
        stderr.print("[red]interrupted[/red]: a run whose summary was printed is committed; the one under way is not")
        raise typer.Exit(INTERRUPTED) from None


def _path_problem(path: str, glob_ok: bool = False) -> str | None:
    if glob_ok and glob.has_magic(path):
        return None if glob.glob(path) else f"no file matches {path}"
    p = Path(path)
    if not p.exists():
        return f"no such file or folder: {path}"
    if p.is_dir() and not _has_visible_file(p):
        return f"no files under {path} (hidden files and folders are skipped)"
    return None


def _has_visible_file(folder: Path) -> bool:
    blocked = []  # an unreadable subfolder may hold files: let the run record it as a reject
    for _, dirnames, filenames in os.walk(folder, onerror=blocked.append):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        if any(not f.startswith(".") for f in filenames) or blocked:
            return True
    return bool(blocked)


def _readable(location: str) -> bool:
    if glob.has_magic(location):
        return bool(glob.glob(location))
    p = Path(location)
    return p.exists() and os.access(p, os.R_OK | (os.X_OK if p.is_dir() else 0))
