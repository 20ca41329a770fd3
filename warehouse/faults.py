"""Named kill points for the crash-safety tests.

`NEWSFLOW_KILL_AT=<name>` (or `<name>#<n>` for its n-th pass) makes the process SIGKILL itself
when it reaches that point, as a power cut would: no cleanup, no exception handlers. Unset
(always, outside the crash tests) a checkpoint costs one dict lookup.
"""

from __future__ import annotations

import os
import signal

_TARGET = os.environ.get("NEWSFLOW_KILL_AT", "")
_seen: dict[str, int] = {}


def checkpoint(name: str) -> None:
    if not _TARGET:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _TARGET in (name, f"{name}#{_seen[name]}"):
        os.kill(os.getpid(), signal.SIGKILL)
