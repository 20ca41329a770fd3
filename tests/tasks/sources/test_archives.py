"""Compressed files and archives are read as what they hold, within limits; each refusal is a reject."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from tasks.ingest import documents_table, read_paths
from tasks.normalize.documents import normalize_serial
from tasks.records import RawDocument, Reject
from tasks.sources.archives import archive_kind, iter_archive
from tasks.sources.files import iter_files
from tests.conftest import SEEDS

PAGE = b"<html><head><title>Harbour reopens</title></head><body><p>The harbour reopened on Monday.</p></body></html>"


def split(items):
    items = list(items)
    docs = {i.uri: i.content for i in items if isinstance(i, RawDocument)}
    rejects = {i.uri: (i.stage, i.reason) for i in items if isinstance(i, Reject)}
    return docs, rejects


def test_kinds_from_names():
    assert [archive_kind(n) for n in ("a.html.gz", "a.TXT.BZ2", "a.xz", "a.zip", "a.tar", "a.tgz", "a.tar.xz", "a.tar.bz2")] == [
        "gz", "bz2", "xz", "zip", "tar", "tar", "tar", "tar"]
    assert [archive_kind(n) for n in ("a.html", "a.docx", "crawl.warc.gz", "a.epub")] == [None] * 4


@pytest.mark.parametrize("ending, opener", [(".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)])
def test_a_compressed_file_is_its_content(tmp_path: Path, ending, opener):
    path = tmp_path / f"page.html{ending}"
    with opener(path, "wb") as out:
        out.write(PAGE)
    docs, rejects = split(iter_files([tmp_path]))
    assert docs == {str(path): PAGE} and not rejects


def test_zip_and_tar_members_are_documents_with_their_uri(tmp_path: Path):
    drop = tmp_path / "drop"
    drop.mkdir()
    with zipfile.ZipFile(drop / "a.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("2024/one.html", PAGE)
        z.writestr("2024/", "")
        z.writestr(".hidden.html", PAGE)
        z.writestr("__MACOSX/._one.html", b"junk")
    with tarfile.open(drop / "b.tar.gz", "w:gz") as t:
        _add(t, "two.txt", b"Two.")
    docs, rejects = split(iter_files([drop]))
    assert docs == {f"{drop}/a.zip!/2024/one.html": PAGE, f"{drop}/b.tar.gz!/two.txt": b"Two."} and not rejects


def test_unsafe_and_odd_members_are_refused(tmp_path: Path):
    zpath = tmp_path / "evil.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        z.writestr("../../etc/cron.d/x", b"x")
        z.writestr("/abs.txt", b"x")
        z.writestr("inner.zip", b"PK")
        z.writestr("ok.txt", b"fine")
    docs, rejects = split(iter_archive(zpath, source="files", max_bytes=1000))
    assert docs == {f"{zpath}!/ok.txt": b"fine"}
    assert rejects == {f"{zpath}!/../../etc/cron.d/x": ("ingest", "unsafe-path"), f"{zpath}!//abs.txt": ("ingest", "unsafe-path"),
                       f"{zpath}!/inner.zip": ("ingest", "nested-archive")}
    tpath = tmp_path / "links.tar"
    with tarfile.open(tpath, "w") as t:
        link = tarfile.TarInfo("passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        t.addfile(link)
        _add(t, "../up.txt", b"x")
        _add(t, "big.txt", b"x" * 2000)
        _add(t, "ok.txt", b"fine")
    docs, rejects = split(iter_archive(tpath, source="files", max_bytes=1000))
    assert docs == {f"{tpath}!/ok.txt": b"fine"}
    assert {uri.rsplit("!/", 1)[1]: reason for uri, (_, reason) in rejects.items()} == {
        "passwd": "link-member", "../up.txt": "unsafe-path", "big.txt": "too-large"}


def test_bombs_and_member_counts_are_refused(tmp_path: Path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(3):
            z.writestr(f"zeros{i}.txt", b"\0" * (8 * 1024 * 1024))
    (item,) = [i for i in iter_archive(bomb, source="files", max_bytes=20 * 1024 * 1024)]
    assert isinstance(item, Reject) and (item.uri, item.reason) == (str(bomb), "zip-bomb")
    gz = tmp_path / "zeros.txt.gz"
    gz.write_bytes(gzip.compress(b"\0" * (30 * 1024 * 1024)))
    (item,) = list(iter_archive(gz, source="files", max_bytes=20 * 1024 * 1024))
    assert isinstance(item, Reject) and item.reason == "zip-bomb" and item.stage == "ingest"
    many = tmp_path / "many.tar"
    with tarfile.open(many, "w") as t:
        for i in range(5):
            _add(t, f"{i}.txt", b"x")
    items = list(iter_archive(many, source="files", max_bytes=100, max_members=3))
    assert [type(i).__name__ for i in items] == ["RawDocument"] * 3 + ["Reject"]
    assert items[-1].reason == "too-many-members" and "3" in items[-1].detail


def test_a_damaged_archive_is_a_reject_after_what_could_be_read(tmp_path: Path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    (item,) = list(iter_files([bad]))
    assert isinstance(item, Reject) and item.reason == "corrupt-archive" and "BadZipFile" in item.detail
    truncated = tmp_path / "cut.tar.gz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as t:
        _add(t, "a.txt", b"A." * 1000)
        _add(t, "b.txt", os.urandom(50_000))
    truncated.write_bytes(buffer.getvalue()[:-20_000])
    docs, rejects = split(iter_files([truncated]))
    assert list(docs) == [f"{truncated}!/a.txt"] and list(rejects.values()) == [("ingest", "corrupt-archive")]


def test_unreadable_subfolder_is_a_reject(tmp_path: Path, monkeypatch):
    (tmp_path / "ok.txt").write_text("fine")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "x.txt").write_text("hidden from us")
    real_scandir = os.scandir

    def scandir(path=".", *args):
        if Path(path) == locked:  # as root, chmod does not stop us: pretend it did
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path, *args)

    monkeypatch.setattr(os, "scandir", scandir)
    docs, rejects = split(iter_files([tmp_path]))
    assert list(docs) == [str(tmp_path / "ok.txt")]
    assert rejects == {str(locked): ("ingest", "unreadable")}


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_archived_seeds_give_the_same_articles_as_the_plain_files(tmp_path: Path, kind: str):
    seeds = sorted(SEEDS.iterdir())
    archive = tmp_path / f"seeds.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for seed in seeds:
                z.write(seed, f"seeds/{seed.name}")
    else:
        with tarfile.open(archive, "w:gz") as t:
            for seed in seeds:
                t.add(seed, f"seeds/{seed.name}")

    def articles(path: Path) -> list[tuple]:
        raws, rejects = read_paths([str(path)])
        assert not rejects and len(raws) == len(seeds)
        result = normalize_serial(documents_table(raws, "test"), "test")
        assert not result.rejects
        rows = result.articles.select(["uri", "body_hash", "title"]).to_pylist()
        return sorted((r["uri"].rsplit("/", 1)[1], r["body_hash"], r["title"]) for r in rows)

    plain, archived = articles(SEEDS), articles(archive)
    assert archived == plain and len(plain) == len(seeds)
    raws, _ = read_paths([str(archive)])
    assert sorted(r.uri for r in raws) == [f"{archive}!/seeds/{s.name}" for s in seeds]


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def test_unreadable_file_is_a_reject(tmp_path: Path, monkeypatch):
    (tmp_path / "ok.txt").write_text("fine")
    (tmp_path / "secret.txt").write_text("no")
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "secret.txt":  # as root, chmod does not stop us: pretend it did
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    docs, rejects = split(iter_files([tmp_path]))
    assert list(docs) == [str(tmp_path / "ok.txt")]
    assert rejects == {str(tmp_path / "secret.txt"): ("ingest", "unreadable")}
