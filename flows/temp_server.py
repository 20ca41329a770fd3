"""Prefect's temporary server for `newsflow run`, started in its own session.

With no Prefect server configured, Prefect starts a temporary one (uvicorn in a subprocess) the
first time the flow needs it. In the terminal's process group it gets the terminal's Ctrl-C too
and stops at once, while the flow's client still has states to report: the client then retried
a server that was gone for minutes. Started here first, in its own session, it hears no Ctrl-C;
`newsflow run` stops it itself after its client is done (or Prefect does at exit, as before).
"""

from __future__ import annotations

import subprocess
from typing import Any


class _OwnSessionPopen(subprocess.Popen):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["start_new_session"] = True
        super().__init__(*args, **kwargs)


def temporary_server():
    """Prefect's temporary server, to be started in its own session (`.start()`; then
    `.server_process`, `.stop()`), or None when a server is configured (PREFECT_API_URL, a test
    harness). Made before it starts, so an interrupt during the start can stop it too."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return None

    class OwnSessionServer(SubprocessASGIServer):
        def _run_uvicorn_command(self) -> subprocess.Popen:
            popen, subprocess.Popen = subprocess.Popen, _OwnSessionPopen  # only for this one start
            try:
                return super()._run_uvicorn_command()
            finally:
                subprocess.Popen = popen

    # Registered under Prefect's default key (as prefect_test_harness does), so every client
    # that asks for the temporary server gets this one.
    return OwnSessionServer()
