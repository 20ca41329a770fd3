"""Flow runs a command makes in its own process run without Prefect's heartbeat thread.

    with without_heartbeats():
        news_poll(...)

Prefect (3.8) starts a heartbeat thread for every flow run; it sleeps in one-second steps, and the
end of the run waits for its next step: 0–1 s of every `newsflow run` and every cycle of a
`newsflow poll` loop (a quarter of a 1.1 s cycle's wall time, profiled with py-spy). Heartbeats
feed Prefect's detection of crashed runs of deployments; runs started by hand or by the poll loop
are watched by the command that started them (a crash is its exit code), so they go without.
Runs of `newsflow serve`'s deployments keep Prefect's setting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_heartbeats() -> Iterator[None]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
