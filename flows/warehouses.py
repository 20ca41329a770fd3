"""Open the warehouse a command names, with object-storage options from the environment.

The only place outside the flows that reads AWS_* and NEWSFLOW_CATALOG variables (see
warehouse/storage.py).
"""

from __future__ import annotations

import os
from datetime import timedelta
from urllib.parse import urlparse

from warehouse.lake import Warehouse
from warehouse.storage import storage_options


def open_warehouse(root: str, overrides: dict[str, str] | None = None, catalog: str | None = None) -> Warehouse:
    """`root` (folder or s3://) with AWS_* variables and `overrides` (e.g. --storage-option) applied;
    `catalog` (else NEWSFLOW_CATALOG, else `<root>/catalog.sqlite`)."""
    catalog = catalog or os.environ.get("NEWSFLOW_CATALOG") or None
    if catalog:
        refuse_password(catalog)
    hours = os.environ.get("NEWSFLOW_SNAPSHOT_RETENTION_HOURS")
    retention = timedelta(hours=float(hours)) if hours else None
    return Warehouse(root, storage_options(root, os.environ, overrides), catalog=catalog, retention=retention)


def refuse_password(catalog: str) -> None:
    """A catalog URL travels as a flow parameter, which Prefect stores: no password in it."""
    if catalog.startswith(("postgres://", "postgresql://")) and urlparse(catalog).password:
        raise ValueError(
            "the catalog URL holds a password: set it in PGPASSWORD or ~/.pgpass instead "
            "(catalog URLs are flow parameters, which Prefect records)"
        )
