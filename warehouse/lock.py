"""One writer at a time per warehouse (flock for a folder, a lease object on s3://).

Runs compute outside the lock (ingest, normalize) and hold it only while they match against
stored articles and write, so two overlapping runs serialize their writes instead of
each deciding "this article is new" and storing it twice.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.lease import S3Lease
from warehouse.storage import is_s3, s3_client, split_s3

if TYPE_CHECKING:
    from warehouse.store import Warehouse


class LockTimeoutError(TimeoutError):
    pass


@contextmanager
def warehouse_lock(warehouse: "Warehouse", timeout: float | None = None) -> Iterator[object | None]:
    """The warehouse's writer lock: flock for a folder, a lease object for s3:// (warehouse/lease.py).

    Yields the lease for s3 roots (its `ensure_held()` guards the commit), else None.
    """
    if is_s3(warehouse.root):
        with _s3_lease(warehouse, timeout) as lease:
            yield lease
        return
    with _flock(warehouse, timeout):
        yield None


@contextmanager
def _s3_lease(warehouse: "Warehouse", timeout: float | None) -> Iterator[S3Lease]:
    bucket, prefix = split_s3(warehouse.root)
    key = f"{prefix}/_writer.lock" if prefix else "_writer.lock"
    lease = S3Lease(s3_client(warehouse.storage_options), bucket, key)

    def tell(owner: str) -> None:
        print(f"waiting for another run ({owner}) to finish writing to {warehouse.root} ...", file=sys.stderr)

    try:
        lease.acquire(timeout=timeout, on_wait=tell)
    except TimeoutError as exc:
        raise LockTimeoutError(str(exc)) from None
    try:
        yield lease
    finally:
        lease.release()


@contextmanager
def _flock(warehouse: "Warehouse", timeout: float | None) -> Iterator[None]:
    """An exclusive advisory lock (flock) released by the kernel even when the holder is killed."""
    path = _lock_path(warehouse)
    deadline = None if timeout is None else time.monotonic() + timeout
    with open(path, "a+") as handle:
        told = False
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told:
                    print(f"waiting for another run to finish writing to {warehouse.root} ...", file=sys.stderr)
                    told = True
                if deadline is not None and time.monotonic() > deadline:
                    raise LockTimeoutError(f"another run has held the write lock on {warehouse.root} for over {timeout:.0f} s") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _lock_path(warehouse: "Warehouse") -> str:
    if warehouse.is_local:
        return os.path.join(warehouse.root, "_writer.lock")
    # Other object stores (no lease implemented yet): writers on ONE machine share a local lock
    # file per root; writers on several machines are not serialized.
    digest = hashlib.sha256(warehouse.root.encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "newsflow-locks"
    folder.mkdir(exist_ok=True)
    return str(folder / f"{digest}.lock")
