"""The folder source reads every file under its root and nothing outside it."""

from __future__ import annotations

from tasks.records import RawDocument, Reject
from tasks.sources.files import iter_files


def test_symlink_out_of_the_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not news")
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "story.txt").write_text("A story.")
    (drop / "inside.txt").symlink_to(drop / "story.txt")
    (drop / "escape.txt").symlink_to(secret)
    items = list(iter_files([drop]))
    docs = sorted(i.uri.rsplit("/", 1)[1] for i in items if isinstance(i, RawDocument))
    rejects = {i.uri.rsplit("/", 1)[1]: i.reason for i in items if isinstance(i, Reject)}
    assert docs == ["inside.txt", "story.txt"]
    assert rejects == {"escape.txt": "outside-root"}


def test_hidden_files_skipped_and_order_is_stable(tmp_path):
    for name in ("b.txt", "a.txt", ".hidden.txt"):
        (tmp_path / name).write_text(name)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("x")
    assert [i.uri.rsplit("/", 1)[1] for i in iter_files([tmp_path])] == ["a.txt", "b.txt"]


def test_missing_path_is_a_reject(tmp_path):
    (item,) = list(iter_files([tmp_path / "nope"]))
    assert isinstance(item, Reject) and item.reason == "not-found"
