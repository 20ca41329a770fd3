"""Keeping stdout for data: while a run works, whatever anything prints goes to stderr.

Libraries print to stdout (python-yake: "Warning: reading stopword list as ISO-8859-1" for
Lithuanian or Slovak text), so `newsflow run --format json` would not be valid JSON. Both
Python's `sys.stdout` and file descriptor 1 point at stderr inside `stdout_to_stderr()`: that
also catches C extensions writing to fd 1 and the worker processes started meanwhile (they
inherit fd 1), and a Prefect server started then keeps logging to stderr.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send everything written to stdout (Python or fd 1) to stderr until the block ends."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no usable descriptors (an embedding host): Python-level redirect only
        saved = None
    previous, sys.stdout = sys.stdout, sys.stderr
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stdout = previous
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)
