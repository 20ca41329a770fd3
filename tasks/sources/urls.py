"""URL-list source: a text file of article URLs, one per line, `#` starts a comment.

Lines are read from a local file (or fetched, when the list itself lives at a URL). Each URL
is fetched as an HTML page; URLs already turned into documents are skipped unless
`refetch_seen`, in which case they are re-asked conditionally (a 304 costs nothing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from tasks.records import Reject, RejectError
from tasks.sources.base import (
    STAGE,
    Item,
    SourceState,
    fetch_document,
    fetch_resource,
    is_remote,
    read_local,
    reject_of,
)
from tasks.sources.fetch import Fetcher
from tasks.sources.netguard import redact_url

# A comment is a line starting with # or " #" after a URL (a bare # is a URL fragment).
_TRAILING_COMMENT = re.compile(r"\s+#.*$")


def parse_url_list(text: str) -> tuple[list[str], list[tuple[int, str]]]:
    """(URLs in order without duplicates, [(line number, line)] that are not http(s) URLs)."""
    urls: list[str] = []
    bad: list[tuple[int, str]] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _TRAILING_COMMENT.sub("", raw).strip()
        if not line or line.startswith("#"):
            continue
        if not is_remote(line) or any(c.isspace() for c in line):
            bad.append((number, line))
        elif line not in seen:
            seen.add(line)
            urls.append(line)
    return urls, bad


def iter_urls(
    location: str, *, fetcher: Fetcher | None, state: SourceState, source: str = "urls",
    refetch_seen: bool = False,
) -> Iterator[Item]:
    """Documents for the URLs listed in the file at `location`; rejects for bad lines and fetches."""
    try:
        if is_remote(location):
            if fetcher is None:
                raise RejectError("no-fetcher", "a remote URL list needs a fetcher")
            content = fetch_resource(
                location, fetcher=fetcher, state=state, source=source, accept=("text/plain",),
                conditional=False,  # the list is small and its URLs may need refetching
            ).content
        else:
            content = read_local(Path(location.removeprefix("file://")))
    except RejectError as exc:
        yield reject_of(location, exc)
        return
    urls, bad = parse_url_list(content.decode("utf-8-sig", errors="replace"))
    for number, line in bad:
        yield Reject(redact_url(location), STAGE, "bad-url", f"line {number}: {redact_url(line)!r}")
    for url in urls:
        if url in state.seen_urls and not refetch_seen:
            state.skipped["seen"] += 1
        elif fetcher is None:
            yield Reject(redact_url(url), STAGE, "no-fetcher", "listed page needs a fetcher")
        else:
            result = fetch_document(url, fetcher=fetcher, state=state, source=source)
            if result is not None:
                yield result
