"""Flow runs a command makes in its own process go without Prefect's heartbeat thread, whose
one-second sleeps held up the end of every run (flows/heartbeats.py)."""

from __future__ import annotations

import threading

from prefect import flow

from flows.heartbeats import without_heartbeats


def _heartbeat_threads() -> int:
    # Prefect runs `heartbeat_loop` in a plain thread, through a copied context's run()
    return sum(1 for t in threading.enumerate()
               if any(getattr(a, "__name__", "") == "heartbeat_loop" for a in getattr(t, "_args", ()) or ()))


@flow
def _seen_from_a_run() -> tuple[int | None, int]:
    from prefect.settings import get_current_settings

    return get_current_settings().flows.heartbeat_frequency, _heartbeat_threads()


def test_a_flow_run_under_without_heartbeats_starts_no_heartbeat_thread(prefect_harness) -> None:
    with without_heartbeats():
        assert _seen_from_a_run() == (None, 0)
    frequency, threads = _seen_from_a_run()  # Prefect's own setting outside (180 s by default)
    assert frequency is not None and threads == 1
