"""Files and folders on disk: every regular file under a root, read as bytes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from tasks.records import RawDocument, Reject

# Past this a file is not an article; refuse it before reading it. Normalize refuses more than
# 5M characters of text, and no encoding spends more than 4 bytes on a character.
MAX_FILE_BYTES = 20 * 1024 * 1024


def iter_files(paths: list[str | Path], source: str = "files", max_bytes: int = MAX_FILE_BYTES) -> Iterator[RawDocument | Reject]:
    """Yield a RawDocument per readable file, a Reject per unreadable one, in sorted path order.

    Hidden files and folders are skipped; symbolic links that lead outside a folder are refused
    (a drop folder must not become a way to read the rest of the disk).
    """
    for path in paths:
        root = Path(path)
        if not root.exists():
            yield Reject(uri=str(path), stage="ingest", reason="not-found", detail="no such file or folder")
            continue
        if root.is_file():
            yield _read(root, source, max_bytes)
            continue
        resolved_root = root.resolve()
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                file = Path(dirpath) / name
                if file.is_symlink() and not file.resolve().is_relative_to(resolved_root):
                    yield Reject(uri=str(file), stage="ingest", reason="outside-root", detail=f"symlink to {file.resolve()}")
                    continue
                yield _read(file, source, max_bytes)


def _read(file: Path, source: str, max_bytes: int) -> RawDocument | Reject:
    uri = str(file)
    try:
        size = file.stat().st_size
        if size > max_bytes:
            return Reject(uri=uri, stage="ingest", reason="too-large", detail=f"{size} bytes > limit {max_bytes}")
        content = file.read_bytes()
    except OSError as exc:
        return Reject(uri=uri, stage="ingest", reason="unreadable", detail=str(exc))
    mtime = datetime.fromtimestamp(file.stat().st_mtime, tz=timezone.utc)
    return RawDocument(source=source, uri=uri, content=content, fetched_at=mtime)
