"""What `newsflow run TARGET ...` means: a configured source name, a URL, or files and folders.

    plan_runs(["moscow-times", "https://example.com/a.html", "drop/"], config)
    → [RunPlan(source_config=<moscow-times>), RunPlan(source_config=<page example.com>),
       RunPlan(paths=["drop/"])]

Each plan is one flow run (one load). A URL's kind is guessed from its path (…/feed, .rss,
.atom, feed.xml → feed; sitemap….xml → sitemap; else a page, which is still read as a feed
when the server answers with an RSS/Atom/JSON Feed content type); `--kind` overrides the guess.
Plain paths are ingested together as the `files` source, except .warc/.warc.gz files (warc).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from flows.config import KINDS, NewsflowConfig, SourceConfig
from tasks.sources.base import is_remote

_FEED_ENDINGS = (".rss", ".atom", "/feed", "/rss", "/atom", "rss.xml", "atom.xml", "feed.xml", "feed.json", "index.xml")
_WARC_ENDINGS = (".warc", ".warc.gz")


class TargetError(ValueError):
    """A `newsflow run` argument that names nothing usable."""


@dataclass(frozen=True)
class RunPlan:
    """Keyword arguments of one `news_pipeline` run."""

    source_config: SourceConfig | None = None
    paths: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.source_config is not None:
            return f"{self.source_config.name} ({self.source_config.kind} {self.source_config.location})"
        return ", ".join(self.paths)

    def flow_kwargs(self) -> dict:
        if self.source_config is not None:
            return {"source_config": self.source_config}
        return {"paths": self.paths}


def plan_runs(targets: list[str], config: NewsflowConfig, *, kind: str | None = None) -> list[RunPlan]:
    """One plan per configured source or URL, one for all plain paths together."""
    if kind is not None and kind not in KINDS:
        raise TargetError(f"--kind {kind!r}: use one of {', '.join(KINDS)}")
    plans: list[RunPlan] = []
    paths: list[str] = []
    for target in targets:
        configured = config.source(target)
        if configured is not None and kind is None:
            plans.append(RunPlan(source_config=configured))
        elif is_remote(target):
            plans.append(RunPlan(source_config=adhoc_source(target, kind or guess_url_kind(target))))
        elif kind is not None or target.lower().endswith(_WARC_ENDINGS):
            plans.append(RunPlan(source_config=adhoc_source(target, kind or "warc")))
        elif config.sources and "/" not in target and not Path(target).exists():
            names = ", ".join(s.name for s in config.sources)
            raise TargetError(f"{target!r} is neither a configured source ({names}) nor a file, folder or URL")
        else:
            paths.append(target)
    if paths:
        plans.append(RunPlan(paths=paths))
    return plans


def guess_url_kind(url: str) -> str:
    """feed / sitemap / page from the URL's path alone."""
    path = urlsplit(url).path.lower().rstrip("/")
    name = path.rsplit("/", 1)[-1]
    if "sitemap" in name and (name.endswith((".xml", ".xml.gz", ".txt"))):
        return "sitemap"
    if path.endswith(_FEED_ENDINGS):
        return "feed"
    return "page"


def adhoc_source(location: str, kind: str) -> SourceConfig:
    """A source for a URL or path given on the command line; named after the host (or file)."""
    if is_remote(location):
        name = urlsplit(location).netloc.rpartition("@")[2]
    else:
        name = Path(location).name.split(".")[0] or kind
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._-")[:60] or kind
    return SourceConfig(name=name, kind=kind, location=location)
