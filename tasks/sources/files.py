"""Files and folders on disk: every regular file under a root, read as bytes.

Compressed files and archives (.gz, .bz2, .xz, .zip, .tar, .tar.gz, ...) are read as what they
hold (tasks/sources/archives.py): a member of an archive is a document of its own, with the uri
"drop.zip!/member.html".
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from tasks.records import RawDocument, Reject, RejectError
from tasks.sources.feedkind import feed_kind, parse_opml
from tasks.sources.archives import archive_kind, iter_archive

# Past this a file is not an article; refuse it before reading it. Normalize refuses more than
# 5M characters of text, and no encoding spends more than 4 bytes on a character.
MAX_FILE_BYTES = 20 * 1024 * 1024


def iter_files(paths: list[str | Path], source: str = "files", max_bytes: int = MAX_FILE_BYTES) -> Iterator[RawDocument | Reject]:
    """Yield a RawDocument per readable file (per member of an archive), a Reject per unreadable
    file or folder, in sorted path order.

    Hidden files and folders are skipped; symbolic links that lead outside a folder are refused
    (a drop folder must not become a way to read the rest of the disk).
    """
    for path in paths:
        root = Path(path)
        if not root.exists():
            yield Reject(uri=str(path), stage="ingest", reason="not-found", detail="no such file or folder")
            continue
        if root.is_file():
            yield from _read(root, source, max_bytes)
            continue
        resolved_root = root.resolve()
        errors: list[OSError] = []  # folders os.walk could not list: each becomes a reject
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=errors.append):
            yield from _folder_rejects(errors)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                file = Path(dirpath) / name
                if file.is_symlink() and not file.resolve().is_relative_to(resolved_root):
                    yield Reject(uri=str(file), stage="ingest", reason="outside-root", detail=f"symlink to {file.resolve()}")
                    continue
                yield from _read(file, source, max_bytes)
        yield from _folder_rejects(errors)


def _folder_rejects(errors: list[OSError]) -> Iterator[Reject]:
    for exc in errors:
        yield Reject(uri=str(exc.filename), stage="ingest", reason="unreadable", detail=f"folder not listed: {exc.strerror or exc}")
    errors.clear()


def _read(file: Path, source: str, max_bytes: int) -> Iterator[RawDocument | Reject]:
    uri = str(file)
    try:
        stat = file.stat()
        mtime = datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc)
        if archive_kind(file.name) is not None:
            yield from iter_archive(file, source=source, max_bytes=max_bytes, fetched_at=mtime)
            return
        if stat.st_size > max_bytes:
            yield Reject(uri=uri, stage="ingest", reason="too-large", detail=f"{stat.st_size} bytes > limit {max_bytes}")
            return
        content = file.read_bytes()
    except OSError as exc:
        yield Reject(uri=uri, stage="ingest", reason="unreadable", detail=str(exc))
        return
    kind = feed_kind(content)
    if kind == "opml":
        yield Reject(uri=uri, stage="ingest", reason="feed-list", detail=_opml_detail(content, uri))
    elif kind is not None:  # a feed dropped into the folder: its items are the documents
        from tasks.sources.feed import iter_feed_bytes  # feed imports this module's neighbours

        yield from iter_feed_bytes(content, file.resolve().as_uri(), source=source, fetched_at=mtime)
    else:
        yield RawDocument(source=source, uri=uri, content=content, fetched_at=mtime)


def _opml_detail(content: bytes, uri: str) -> str:
    try:
        feeds = parse_opml(content, uri=uri)
    except RejectError as exc:
        return f"an OPML feed list that cannot be read: {exc.detail}"
    return f"an OPML list of {len(feeds)} feeds, not articles: add them as sources with `newsflow sources import {uri}`"
