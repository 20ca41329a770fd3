"""Preloaded in each worker process of the local Dask cluster (`newsflow run --executor dask`).

The workers share the terminal's process group, so a Ctrl-C reached them too and each printed a
KeyboardInterrupt traceback: `newsflow run` stops them itself (flows/interrupts.py), so they
ignore it. Their start, stop and cancelled-task messages stay off the terminal too (errors
still show), as Prefect's own lines do.
"""

from __future__ import annotations

import logging
import signal


def dask_setup(worker) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("distributed").setLevel(logging.ERROR)
