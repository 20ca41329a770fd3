"""The writer lock of an s3:// warehouse: a lease object written with conditional PUTs.

Object stores have no flock. The lock is `<root>/_writer.lock`:
- acquire: PUT If-None-Match: * (only one writer can create it), or, when the lease found there
  is expired or released, PUT If-Match: <its ETag> (only one contender can replace that version);
- hold: a heartbeat thread renews it every ttl/3 with PUT If-Match: <our ETag>;
- release: DELETE If-Match: <our ETag>.
Expiry is judged on the server's clock (the object's Last-Modified against the response's Date),
so clock skew between machines does not matter. A killed holder blocks others for at most `ttl`.
A holder that cannot renew (paused, partitioned) learns it lost the lease and refuses to commit.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

DEFAULT_TTL = 60.0
_CONFLICT_CODES = {"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey", "404", "409", "412"}


class LeaseLostError(RuntimeError):
    """This writer's lease expired or was taken over: it must not commit."""


@dataclass
class Holder:
    etag: str
    owner: str
    expired: bool


@dataclass
class S3Lease:
    client: object
    bucket: str
    key: str
    ttl: float = DEFAULT_TTL
    owner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")
    etag: str | None = None
    lost: str | None = None
    _last_renewed: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    # -- taking it -------------------------------------------------------------------------
    def try_acquire(self) -> Holder | None:
        """Take the lease if it is free, expired or released; else return who holds it."""
        try:
            self._took(self.client.put_object(Bucket=self.bucket, Key=self.key, Body=self._body(), IfNoneMatch="*"))
            return None
        except Exception as exc:
            if not _is_conflict(exc):
                raise
        holder = self.current()
        if holder is None:  # released between our two requests: try again at once
            return Holder(etag="", owner="", expired=False)
        if not holder.expired:
            return holder
        try:
            self._took(self.client.put_object(Bucket=self.bucket, Key=self.key, Body=self._body(), IfMatch=holder.etag))
            return None
        except Exception as exc:
            if not _is_conflict(exc):
                raise
            return Holder(etag="", owner=holder.owner, expired=False)  # another contender won

    def current(self) -> Holder | None:
        """The lease object as stored, or None when there is none."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key)
        except Exception as exc:
            if _error_code(exc) in {"NoSuchKey", "404"}:
                return None
            raise
        body = response["Body"].read()
        try:
            content = json.loads(body)
        except ValueError:
            content = {}
        ttl = float(content.get("ttl", self.ttl))
        now = _server_time(response)
        expired = bool(content.get("released")) or now > response["LastModified"] + timedelta(seconds=ttl)
        return Holder(etag=response["ETag"], owner=str(content.get("owner", "?")), expired=expired)

    def acquire(self, timeout: float | None = None, on_wait=None, poll: float = 0.5) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        told = False
        while True:
            holder = self.try_acquire()
            if holder is None:
                break
            if not told and holder.owner and on_wait is not None:
                on_wait(holder.owner)
                told = True
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"lease s3://{self.bucket}/{self.key} is held by {holder.owner} for over {timeout:.0f} s")
            time.sleep(poll)
        self._stop.clear()
        self._thread = threading.Thread(target=self._heartbeat, name="newsflow-lease", daemon=True)
        self._thread.start()

    # -- holding it ------------------------------------------------------------------------
    def renew(self) -> None:
        try:
            self._took(self.client.put_object(Bucket=self.bucket, Key=self.key, Body=self._body(), IfMatch=self.etag))
        except Exception as exc:
            if _is_conflict(exc):
                self.lost = f"another writer took over the lease s3://{self.bucket}/{self.key}"
            raise

    def ensure_held(self) -> None:
        """Raise LeaseLostError unless the lease is ours and was renewed within its ttl."""
        if self.lost is None and time.monotonic() - self._last_renewed > self.ttl:
            self.lost = f"the lease s3://{self.bucket}/{self.key} was not renewed for over {self.ttl:.0f} s"
        if self.lost is not None:
            raise LeaseLostError(self.lost + ": not committing; the next writer removes this run's rows")

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                self.renew()
            except Exception:
                if self.lost is not None:
                    return
                # a transient error: keep trying; ensure_held() notices once the ttl has passed

    # -- giving it back --------------------------------------------------------------------
    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.ttl)
        if self.etag is None or self.lost is not None:
            return
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key, IfMatch=self.etag)
        except Exception as exc:
            if _is_conflict(exc):
                return
            # a store without conditional DELETE: mark the lease released instead
            self.client.put_object(Bucket=self.bucket, Key=self.key, Body=self._body(released=True), IfMatch=self.etag)
        finally:
            self.etag = None

    # -- helpers ---------------------------------------------------------------------------
    def _took(self, response: dict) -> None:
        self.etag = response["ETag"]
        self._last_renewed = time.monotonic()

    def _body(self, released: bool = False) -> bytes:
        return json.dumps({"owner": self.owner, "ttl": self.ttl, "released": released}).encode()


def _server_time(response: dict) -> datetime:
    date = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    if date:
        return parsedate_to_datetime(date)
    return datetime.now(response["LastModified"].tzinfo)


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _is_conflict(exc: Exception) -> bool:
    return _error_code(exc) in _CONFLICT_CODES
