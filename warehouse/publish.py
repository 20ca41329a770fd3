"""Write one run's batches inside its transaction (see `Warehouse.writing`)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.faults import checkpoint
from warehouse.keys import EXACT_KINDS, article_keys, exact_keys
from warehouse.rows import delete_keys, insert, upsert
from warehouse.schemas import EVENTS, FINGERPRINT_BANDS, LOADS, STORIES, STORY_MERGES, STORY_VECTORS, TABLES

PUBLISH_ORDER = [
    "documents", "sightings", "fetch_log", "articles", "links", "fingerprints", "fingerprint_bands", "story_members", "stories",
    "story_merges", "languages", "entities", "entity_names", "quotes", "keywords", "tone", "embeddings", "events", "story_vectors",
    "rejects", "items", "source_polls", "url_validators", "loads",
]


def publish_tables(con: duckdb.DuckDBPyConnection, batches: dict[str, pa.Table], may_be_stored: frozenset[str] | None = None,
                   stored_keys: dict[str, pa.Table] | None = None) -> dict[str, int]:
    """Write each batch; returns rows written per table.

    Append-only tables skip keys already stored (a re-run adds nothing); current-state tables
    replace the rows of the keys they carry. `may_be_stored` names the append-only tables whose
    keys need that check (default: all); a run that already dropped its stored documents knows
    its articles and their rows are new, and spares a lookup per table (each costs a statement).
    `stored_keys` does the same for current-state tables: per table, the keys of its batch that
    may be stored (dedup knows which stories and members it read); the others need no DELETE. `stories` may be dedup's rows: absorbed ones (merged_into set) leave
    `stories` for `story_merges`. `fingerprints` brings its `fingerprint_bands` rows along.
    """
    batches = dict(batches)
    if "stories" in batches and "merged_into" in batches["stories"].column_names:
        batches["stories"], merges = split_story_rows(batches["stories"])
        if merges.num_rows:
            batches["story_merges"] = merges
    if "fingerprints" in batches:
        batches["fingerprints"] = with_article_keys(batches["fingerprints"])
        if "fingerprint_bands" not in batches:
            batches["fingerprint_bands"] = band_rows(batches["fingerprints"])
    unknown = set(batches) - set(PUBLISH_ORDER)
    if unknown:
        raise ValueError(f"no publish order for tables {sorted(unknown)}")
    written: dict[str, int] = {}
    for name in PUBLISH_ORDER:
        checkpoint(f"publish:{name}")  # every table's turn, written or not: the crash tests kill here
        batch = batches.get(name)
        if batch is None:
            continue
        spec = TABLES[name]
        if name == "story_merges" and batch.num_rows:
            # an absorbed story is no longer a live one, nor in an event or story_vectors (its members
            # now belong to the story it joined, which this run places in an event of its own)
            delete_keys(con, STORIES, batch)
            delete_keys(con, EVENTS, batch)
            delete_keys(con, STORY_VECTORS, batch)
        if spec.current_state:
            written[name] = upsert(con, spec, batch, (stored_keys or {}).get(name))
        else:
            written[name] = insert(con, spec, batch, only_new=may_be_stored is None or name in may_be_stored)
    return written


def split_story_rows(stories: pa.Table) -> tuple[pa.Table, pa.Table]:
    """dedup's story rows -> (live `stories` rows, `story_merges` rows of the absorbed ones)."""
    merged = pc.is_valid(stories.column("merged_into"))
    live = stories.filter(pc.invert(merged)).drop_columns(["merged_into"])
    absorbed = stories.filter(merged)
    merges = pa.table(
        {
            "story_id": absorbed.column("story_id"),
            "merged_into": absorbed.column("merged_into"),
            "merged_at": absorbed.column("updated_at"),
            "load_id": absorbed.column("load_id"),
        }
    )
    return live, merges.cast(pa.schema([STORY_MERGES.schema.field(n) for n in merges.column_names]))


def with_article_keys(fingerprints: pa.Table) -> pa.Table:
    """`fingerprints` with its `article_key` column computed from its ids, whatever the batch
    carried: a stale key would hide the row from every look-up (~1 s for 1M ids)."""
    keys = article_keys(fingerprints.column("article_id"))
    if "article_key" in fingerprints.column_names:
        return fingerprints.set_column(fingerprints.schema.get_field_index("article_key"), "article_key", keys)
    return fingerprints.append_column("article_key", keys)


def band_rows(fingerprints: pa.Table) -> pa.Table:
    """The `fingerprint_bands` rows of fingerprints that carry their `article_key` (as
    `with_article_keys` makes it): one per LSH band (kind 'band') and one per exact key it has
    (kinds 'body_hash', 'url_key'), each with the article's id, load and key."""
    bands = fingerprints.column("bands").combine_chunks()
    parts = [_key_rows(fingerprints, pc.list_parent_indices(bands), pc.list_flatten(bands).cast(pa.int64()), "band")]
    for kind in EXACT_KINDS:
        keys = exact_keys(kind, fingerprints.column(kind))
        present = pc.indices_nonzero(pc.is_valid(keys))
        parts.append(_key_rows(fingerprints, present, keys.take(present), kind))
    return pa.concat_tables(parts)


def _key_rows(fingerprints: pa.Table, rows: pa.Array, keys: pa.Array, kind: str) -> pa.Table:
    return pa.table(
        {
            "band": keys,
            "article_id": fingerprints.column("article_id").take(rows),
            "load_id": fingerprints.column("load_id").take(rows),
            "article_key": fingerprints.column("article_key").take(rows),
            "kind": pa.array([kind] * len(rows), pa.string()),
        },
        schema=FINGERPRINT_BANDS.schema,
    )


def load_row(load_id: str, flow_run_id: str | None, started_at: datetime, counts: dict, source: str | None = None) -> pa.Table:
    """The run's `loads` row, written last in its transaction."""
    row = {
        "load_id": load_id,
        "flow_run_id": flow_run_id,
        "started_at": started_at,
        "finished_at": datetime.now(timezone.utc),
        "status": "committed",
        "counts": json.dumps(counts, sort_keys=True, default=str),
        "source": source,
    }
    return pa.Table.from_pylist([row], schema=LOADS.schema)


def commit_message(con: duckdb.DuckDBPyConnection, load_id: str, message: str) -> None:
    """Label the snapshot this transaction will make with its load (`newsflow history`)."""
    con.execute("CALL lake.set_commit_message('newsflow', ?, extra_info => ?)", [message, json.dumps({"load_id": load_id})])
