"""A run's `entity_names` rows, resolved under the writer lock against the stored ones."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from tasks.enrich.canonical import entity_mentions, entity_name_rows, mention_tails
from warehouse import schemas
from warehouse.entity_names import stored_entity_names


def entity_names_batch(con: duckdb.DuckDBPyConnection, entities: pa.Table, load_id: str) -> tuple[pa.Table, pa.Table]:
    """(entity_names rows to upsert, the keys among them that are stored) for a run's new entity rows."""
    spec = schemas.ENTITY_NAMES
    tails = mention_tails(entities) if entities.num_rows else []
    if not tails:
        return schemas.empty(spec), schemas.empty(spec).select(list(spec.key))
    stored = stored_entity_names(con, tails)
    rows = entity_name_rows(entity_mentions(entities), stored, load_id)
    known = {(r["label"], r["name"]) for r in stored}
    table = schemas.to_table(spec, rows)
    keys = [{"label": r["label"], "name": r["name"]} for r in rows if (r["label"], r["name"]) in known]
    return table, pa.Table.from_pylist(keys, schema=pa.schema([spec.schema.field(k) for k in spec.key]))
