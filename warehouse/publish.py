"""Write one run's batches in a fixed order; nothing is visible until the load commits."""

from __future__ import annotations

import pyarrow as pa

from warehouse.faults import checkpoint
from warehouse.schemas import TABLES
from warehouse.store import Warehouse

# Raw layer first, derived after: a crash part-way leaves only invisible rows, which the
# next writer removes (Warehouse.remove_uncommitted).
PUBLISH_ORDER = [
    "documents", "fetch_log", "articles", "links", "fingerprints", "story_members", "stories",
    "languages", "entities", "quotes", "keywords", "tone", "embeddings", "events", "rejects",
]


def publish_tables(warehouse: Warehouse, batches: dict[str, pa.Table], replacing: frozenset[str] = frozenset()) -> dict[str, int]:
    """Append each batch (append-only tables skip keys already stored). Returns rows written per table.

    Tables in `replacing` are being rebuilt whole (reprocess): every batch row is written, since
    the stored rows with the same keys are superseded when the load commits.
    """
    unknown = set(batches) - set(PUBLISH_ORDER)
    if unknown:
        raise ValueError(f"no publish order for tables {sorted(unknown)}")
    written: dict[str, int] = {}
    for name in PUBLISH_ORDER:
        batch = batches.get(name)
        if batch is None:
            continue
        spec = TABLES[name]
        checkpoint(f"publish:{name}")
        if spec.versioned or name in replacing:
            written[name] = warehouse.append(spec, batch)
        else:
            written[name] = warehouse.append_new(spec, batch)
    return written
