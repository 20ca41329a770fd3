"""One writer at a time per warehouse: flock beside a SQLite catalog, an advisory lock in a
PostgreSQL catalog.

DuckLake's transactions make each run atomic; the lock is for the logical race: two runs
that each decide "this article is new" would both store it. Runs compute outside the lock
(ingest, normalize, enrich) and hold it only while they match against stored articles and
write. Both locks die with their holder: the kernel drops a killed process's flock, and
PostgreSQL drops the advisory lock of a closed session.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from warehouse.lake import Warehouse


class LockTimeoutError(TimeoutError):
    pass


@contextmanager
def warehouse_lock(warehouse: "Warehouse", timeout: float | None = None) -> Iterator[None]:
    if warehouse.catalog_kind == "postgres":
        with _advisory_lock(warehouse, timeout):
            yield
        return
    with _flock(warehouse.catalog + ".lock", warehouse.root, timeout):
        yield


def _waiting(where: str) -> None:
    print(f"waiting for another run to finish writing to {where} ...", file=sys.stderr)


@contextmanager
def _flock(path: str, where: str, timeout: float | None) -> Iterator[None]:
    """An exclusive advisory lock (flock) released by the kernel even when the holder is killed."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    deadline = None if timeout is None else time.monotonic() + timeout
    with open(path, "a+") as handle:
        told = False
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told:
                    _waiting(where)
                    told = True
                if deadline is not None and time.monotonic() > deadline:
                    raise LockTimeoutError(f"another run has held the write lock on {where} for over {timeout:.0f} s") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def advisory_key(warehouse: "Warehouse") -> int:
    """A stable signed 64-bit key per data path: lakes sharing one PostgreSQL database do not collide."""
    digest = hashlib.sha256(f"newsflow-writer:{warehouse.data_path}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def _advisory_lock(warehouse: "Warehouse", timeout: float | None) -> Iterator[None]:
    import psycopg

    key = advisory_key(warehouse)
    deadline = None if timeout is None else time.monotonic() + timeout
    with psycopg.connect(warehouse.catalog, autocommit=True, connect_timeout=10) as session:
        told = False
        while not session.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]:
            if not told:
                _waiting(warehouse.root)
                told = True
            if deadline is not None and time.monotonic() > deadline:
                raise LockTimeoutError(f"another run has held the write lock on {warehouse.root} for over {timeout:.0f} s")
            time.sleep(0.1)
        try:
            yield
        finally:
            session.execute("SELECT pg_advisory_unlock(%s)", [key])
