"""Named kill points for the crash-safety tests.

`NEWSFLOW_KILL_AT=<name>` (or `<name>#<n>` for its n-th pass) makes the process SIGKILL itself
when it reaches that point, as a power cut would: no cleanup, no exception handlers. Unset
(always, outside the crash tests) a checkpoint costs one dict lookup.

The same points tell a run's driver where the run is (`listen`): `newsflow run` shows the
dedup and publish stages and knows whether an interrupted run had committed.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

_TARGET = os.environ.get("NEWSFLOW_KILL_AT", "")
_seen: dict[str, int] = {}
_listener: Callable[[str], None] | None = None


def listen(listener: Callable[[str], None] | None) -> Callable[[str], None] | None:
    """Call `listener(name)` at every checkpoint this process passes (None: stop); returns the previous one."""
    global _listener
    previous, _listener = _listener, listener
    return previous


def checkpoint(name: str) -> None:
    if _listener is not None:
        _listener(name)
    if not _TARGET:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _TARGET in (name, f"{name}#{_seen[name]}"):
        os.kill(os.getpid(), signal.SIGKILL)
