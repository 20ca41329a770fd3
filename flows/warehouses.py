"""Open the warehouse a command names, with object-storage options from the environment.

The only place outside the flows that reads AWS_* variables (see warehouse/storage.py).
"""

from __future__ import annotations

import os

from warehouse.storage import storage_options
from warehouse.store import Warehouse


def open_warehouse(root: str, overrides: dict[str, str] | None = None) -> Warehouse:
    """`root` (folder or s3://) with AWS_* variables and `overrides` (e.g. --storage-option) applied."""
    return Warehouse(root, storage_options(root, os.environ, overrides))
