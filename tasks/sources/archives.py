"""Compressed files and archives on disk, read as what they hold.

    report.html.gz            → one document, the decompressed page (uri: the .gz file)
    drop.zip, drop.tar.gz     → one document per member (uri: "drop.zip!/2024/a.html")

The kind comes from the file name (.gz, .bz2, .xz, .zip, .tar, .tar.gz/.tgz, .tar.bz2/.tbz2,
.tar.xz/.txz); .docx, .epub and other zip-based formats are left to the renditions. Every
limit a plain file has holds for each member (size cap), and an archive has its own: its size
on disk, how many members it may hold, how much it may expand (in all, and per compressed
byte, so a zip bomb is refused before it fills memory). A member whose path climbs out of the
archive (absolute, "..") or that is a link is refused; a member that is itself an archive is
not opened. Each refusal is a Reject (stage "ingest") and reading goes on with the next member.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO

from tasks.records import RawDocument, Reject

STAGE = "ingest"
MAX_ARCHIVE_BYTES = 200 * 1024 * 1024  # an archive's size on disk
MAX_MEMBERS = 10_000  # members read from one archive; the rest are refused in one reject
MAX_EXPANDED_BYTES = 1024 * 1024 * 1024  # decompressed bytes read from one archive in all
MAX_RATIO = 100  # decompressed / compressed bytes: news text compresses 3-15×, bombs 1000×
RATIO_FLOOR = 1024 * 1024  # ... checked only past this many decompressed bytes
_CHUNK = 1024 * 1024

_TAR_ENDINGS = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
_STREAMS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
# Not ours to unpack: WARC files are a source kind of their own (`newsflow run x.warc.gz`).
_NOT_ARCHIVES = (".warc.gz", ".arc.gz", ".warc.bz2", ".warc.xz")
# What damaged archives raise while being read.
_DAMAGE = (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, OSError, ValueError, NotImplementedError)


def archive_kind(name: str) -> str | None:
    """"tar", "zip", "gz", "bz2" or "xz" from a file name; None for anything else."""
    lower = name.lower()
    if lower.endswith(_NOT_ARCHIVES):
        return None
    if lower.endswith(_TAR_ENDINGS):
        return "tar"
    if lower.endswith(".zip"):
        return "zip"
    for ending in _STREAMS:
        if lower.endswith(ending):
            return ending[1:]
    return None


def iter_archive(path: Path, *, source: str, max_bytes: int, fetched_at: datetime | None = None,
                 max_members: int = MAX_MEMBERS, max_expanded: int = MAX_EXPANDED_BYTES,
                 max_ratio: float = MAX_RATIO) -> Iterator[RawDocument | Reject]:
    """Documents in the archive or compressed file at `path` (see the module docstring);
    `max_bytes` caps each member, the other limits the archive."""
    kind = archive_kind(path.name)
    uri = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        yield Reject(uri, STAGE, "unreadable", str(exc))
        return
    if size > MAX_ARCHIVE_BYTES:
        yield Reject(uri, STAGE, "too-large", f"archive of {size} bytes > limit {MAX_ARCHIVE_BYTES}")
        return
    limits = _Limits(compressed=max(size, 1), max_bytes=max_bytes, max_members=max_members,
                     max_expanded=max_expanded, max_ratio=max_ratio)
    try:
        if kind == "zip":
            yield from _iter_zip(path, source, fetched_at, limits)
        elif kind == "tar":
            yield from _iter_tar(path, source, fetched_at, limits)
        elif kind in ("gz", "bz2", "xz"):
            yield _read_stream(path, kind, source, fetched_at, limits)
        else:
            raise ValueError(f"{path.name} is not an archive newsflow reads")
    except _DAMAGE as exc:
        yield Reject(uri, STAGE, "corrupt-archive", f"{type(exc).__name__}: {exc}")


class _Limits:
    """An archive's limits and what it has used of them so far."""

    def __init__(self, *, compressed: int, max_bytes: int, max_members: int, max_expanded: int, max_ratio: float) -> None:
        self.compressed, self.max_bytes, self.max_members = compressed, max_bytes, max_members
        self.max_expanded, self.max_ratio = max_expanded, max_ratio
        self.expanded = 0
        self.members = 0
        self.raw: IO[bytes] | None = None  # the compressed file while it is streamed: how far it was read

    def consumed(self) -> int:
        """Compressed bytes read so far (at least what was decompressed from: reads run ahead)."""
        return max(self.raw.tell() if self.raw is not None and not self.raw.closed else self.compressed, 1)

    def refusal(self, expanded: int) -> tuple[str, str] | None:
        """(reason, detail) when the archive expanding to `expanded` bytes in all is refused."""
        if expanded > self.max_expanded:
            return "archive-too-large", f"expands to more than {self.max_expanded} bytes"
        consumed = self.consumed()
        if expanded > RATIO_FLOOR and expanded > self.max_ratio * consumed:
            return "zip-bomb", f"{consumed} compressed bytes expand to more than {expanded} (ratio > {self.max_ratio:g})"
        return None


def _read_stream(path: Path, kind: str, source: str, fetched_at: datetime | None, limits: _Limits) -> RawDocument | Reject:
    """One compressed file (.gz/.bz2/.xz): the document is its decompressed bytes."""
    uri = str(path)
    if archive_kind(path.name[: -len(kind) - 1]) is not None:
        return Reject(uri, STAGE, "nested-archive", "an archive inside a compressed file is not opened: unpack it first")
    with path.open("rb") as raw, _STREAMS["." + kind](raw, "rb") as stream:
        limits.raw = raw  # a bomb is refused after ~RATIO_FLOOR bytes, not at the size cap
        content, refused = _read_capped(stream, limits.max_bytes, limits)
    if refused:
        return Reject(uri, STAGE, *refused)
    return RawDocument(source=source, uri=uri, content=content, fetched_at=fetched_at)


def _read_capped(stream: IO[bytes], cap: int, limits: _Limits) -> tuple[bytes, tuple[str, str] | None]:
    """Up to `cap` bytes of `stream`, in chunks, stopping as soon as a limit is passed."""
    parts: list[bytes] = []
    read = 0
    while True:
        chunk = stream.read(min(_CHUNK, cap + 1 - read))
        if not chunk:
            break
        read += len(chunk)
        parts.append(chunk)
        refused = limits.refusal(limits.expanded + read)
        if refused:
            limits.expanded += read
            return b"", refused
        if read > cap:
            limits.expanded += read
            return b"", ("too-large", f"more than {cap} bytes decompressed > limit {cap}")
    limits.expanded += read
    return b"".join(parts), None


def _member_problem(name: str) -> tuple[str, str] | None:
    """Why a member name is refused, or None. Hidden members are skipped, not refused."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "unsafe-path", f"absolute member path {name!r}"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "unsafe-path", f"member path {name!r} climbs out of the archive"
    if archive_kind(name) is not None:
        return "nested-archive", "an archive inside an archive is not opened: unpack it first"
    return None


def _hidden(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return any((part.startswith(".") and part not in (".", "..")) or part == "__MACOSX" for part in parts)


def _too_many(uri: str, limits: _Limits) -> Reject | None:
    limits.members += 1
    if limits.members > limits.max_members:
        return Reject(uri, STAGE, "too-many-members", f"more than {limits.max_members} members: the rest are not read")
    return None


def _iter_zip(path: Path, source: str, fetched_at: datetime | None, limits: _Limits) -> Iterator[RawDocument | Reject]:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or _hidden(name):
                continue
            uri = f"{path}!/{name}"
            if (stop := _too_many(str(path), limits)) is not None:
                yield stop
                return
            problem = _member_problem(name)
            if problem is None and info.flag_bits & 0x1:
                problem = "encrypted", "the member is password-protected"
            if problem is None and info.file_size > limits.max_bytes:
                problem = "too-large", f"{info.file_size} bytes > limit {limits.max_bytes}"
            if problem is None and info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                yield Reject(str(path), STAGE, "zip-bomb", f"member {name!r}: {info.compress_size} bytes expand to {info.file_size}")
                return
            if problem is not None:
                yield Reject(uri, STAGE, *problem)
                continue
            # The sizes in the header may lie: the read itself is capped too.
            refused = limits.refusal(limits.expanded + info.file_size)
            if refused:
                yield Reject(str(path), STAGE, *refused)
                return
            with archive.open(info) as stream:
                content, refused = _read_capped(stream, limits.max_bytes, limits)
            if refused and refused[0] == "too-large":
                yield Reject(uri, STAGE, *refused)
                continue
            if refused:
                yield Reject(str(path), STAGE, *refused)
                return
            yield RawDocument(source=source, uri=uri, content=content, fetched_at=fetched_at)


def _iter_tar(path: Path, source: str, fetched_at: datetime | None, limits: _Limits) -> Iterator[RawDocument | Reject]:
    # Stream mode ("r|*"): one pass, nothing seeks back, memory stays at one member.
    with path.open("rb") as raw, tarfile.open(fileobj=raw, mode="r|*") as archive:
        limits.raw = raw
        for member in archive:
            name = member.name
            if member.isdir() or _hidden(name):
                continue
            uri = f"{path}!/{name}"
            if (stop := _too_many(str(path), limits)) is not None:
                yield stop
                return
            problem = _member_problem(name)
            if problem is None and (member.issym() or member.islnk()):
                problem = "link-member", f"link to {member.linkname!r} refused"
            elif problem is None and not member.isfile():
                problem = "not-a-file", "a device, fifo or other special member"
            elif problem is None and member.size > limits.max_bytes:
                problem = "too-large", f"{member.size} bytes > limit {limits.max_bytes}"
            if problem is not None:
                # skipping a member still decompresses it: count it against the archive's limits
                refused = limits.refusal(limits.expanded + max(member.size, 0))
                if refused:
                    yield Reject(str(path), STAGE, *refused)
                    return
                limits.expanded += max(member.size, 0)
                yield Reject(uri, STAGE, *problem)
                continue
            refused = limits.refusal(limits.expanded + member.size)
            if refused:
                yield Reject(str(path), STAGE, *refused)
                return
            stream = archive.extractfile(member)
            content, refused = _read_capped(stream, limits.max_bytes, limits) if stream else (b"", None)
            if refused:
                yield Reject(uri if refused[0] == "too-large" else str(path), STAGE, *refused)
                if refused[0] != "too-large":
                    return
                continue
            yield RawDocument(source=source, uri=uri, content=content, fetched_at=fetched_at)
