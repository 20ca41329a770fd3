"""Reads the pipeline makes from committed warehouse state (a connection on the lake)."""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from tasks.dedup.batch import StoredContext
from warehouse.keys import EXACT_KINDS, article_keys, exact_keys
from warehouse.rows import KEY_CONSTANTS, LITERAL_KEYS, in_list
from warehouse.schemas import FINGERPRINTS
from warehouse.sql import quote_ident

# what dedup reads of each member of a touched story (tasks/dedup/batch.py META_COLUMNS)
MEMBER_FIELDS = ("article_id", "title", "published_at", "published_local", "published_offset_minutes", "published_raw",
                 "canonical_url", "word_count", "source", "fetched_at", "document_id")


def stored_keys(con: duckdb.DuckDBPyConnection, table: str, column: str, values: list[str]) -> set[str]:
    """Which of `values` the table already holds in `column` (as constants up to KEY_CONSTANTS
    values: a table sorted by `column` is then read only where they may be, see `_rows_by_key`)."""
    if not values:
        return set()
    if len(set(values)) <= KEY_CONSTANTS:
        rows = con.execute(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE {in_list(column, values)}').fetchall()
        return {r[0] for r in rows}
    con.register("_probe", pa.table({"v": pa.array(values, pa.string())}))
    try:
        rows = con.execute(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IN (SELECT v FROM _probe)').fetchall()
    finally:
        con.unregister("_probe")
    return {r[0] for r in rows}


def stored_sightings(con: duckdb.DuckDBPyConnection, sightings: pa.Table) -> pa.Table:
    """The stored sightings with the keys of `sightings`."""
    if sightings.num_rows == 0:
        return sightings
    con.register("_seen", sightings.select(["document_id", "source", "uri"]))
    try:
        return con.execute(
            "SELECT s.* FROM sightings s JOIN _seen n USING (document_id, source, uri) "
            "WHERE s.document_id IN (SELECT document_id FROM _seen)"
        ).to_arrow_table()
    finally:
        con.unregister("_seen")


def load_dedup_context(con: duckdb.DuckDBPyConnection, new_fps: pa.Table) -> StoredContext:
    """Stored articles that share an exact hash, a URL key or an LSH band with a new article,
    plus the stories they belong to and every member of those stories.

    Five statements whatever the lake's size: (1) the matching articles' keys (one probe of
    `fingerprint_bands`, which holds the exact keys beside the LSH bands), (2) their
    fingerprints, (3) the members of their stories, (4) those stories, (5) the members' fields.
    Keys go in as constants where a table is probed for a few of them: the scan then reads only
    the row groups whose min/max may hold one (the look-up tables are sorted by key in small
    row groups, warehouse/evolve.py TABLE_OPTIONS), where a join would read every row: at 1M
    stored articles, 32M band rows. The band rows name articles by `article_key` (a number,
    warehouse/keys.py): the probe reads a row group's numbers, not its 32-character ids.
    """
    if new_fps.num_rows == 0:  # a run with nothing new: skip scanning every stored band
        return StoredContext(candidates=FINGERPRINTS.schema.empty_table())
    new_keys = set(article_keys(new_fps.column("article_id")).to_pylist())  # from the ids: a batch's own keys may be stale
    keys = [k for k in _keyed_articles(con, probe_keys(new_fps)) if k not in new_keys]
    if not keys:
        return StoredContext(candidates=FINGERPRINTS.schema.empty_table())
    # not the bands: dedup computes them from the signature (tasks/dedup/fingerprint.py with_bands)
    columns = [c for c in new_fps.column_names if c not in ("article_key", "bands") and c in FINGERPRINTS.schema.names]
    candidates = _rows_by_key(con, "fingerprints", "article_key", keys, ", ".join(quote_ident(c) for c in columns)).sort_by("article_id")
    context = StoredContext(candidates=candidates.cast(pa.schema([FINGERPRINTS.schema.field(c) for c in candidates.column_names])))
    found = candidates.column("article_id").to_pylist()
    for row in _members_of_stories_of(con, found):
        article_id, story_id, method, score = row.values() if isinstance(row, dict) else row
        context.members[article_id] = story_id
        context.member_rows[article_id] = {"method": method, "score": score}
        context.story_articles.setdefault(story_id, []).append(article_id)
    for members in context.story_articles.values():
        members.sort()
    stories = _rows_by_key(con, "stories", "story_id", sorted(context.story_articles), "* EXCLUDE (load_id)")
    context.stories = {row["story_id"]: {**row, "merged_into": None} for row in stories.to_pylist()}
    metas = _rows_by_key(con, "articles", "article_id", sorted(context.members), ", ".join(MEMBER_FIELDS))
    metas = _fill_fetched_at(con, metas)
    context.articles = {row["article_id"]: row for row in metas.to_pylist()}
    return context


def probe_keys(new_fps: pa.Table) -> pa.Array:
    """Every `fingerprint_bands` key of new fingerprints, distinct and sorted: their LSH bands and exact keys."""
    parts = [pc.list_flatten(new_fps.column("bands")).cast(pa.int64())]
    parts += [pa.chunked_array([exact_keys(kind, new_fps.column(kind))]) for kind in EXACT_KINDS]
    keys = pc.unique(pa.chunked_array([c for part in parts for c in part.chunks], pa.int64()).drop_null())
    return keys.take(pc.sort_indices(keys))


def _keyed_articles(con: duckdb.DuckDBPyConnection, probe: pa.Array) -> list[int]:
    """The `article_key`s (sorted) of the stored articles with one of these `fingerprint_bands` keys:
    one probe of the table sorted by key (up to LITERAL_KEYS keys as constants, more by a join)."""
    probe = probe.drop_null()
    if len(probe) == 0:
        return []
    if len(probe) <= LITERAL_KEYS:
        (keys,) = con.execute(f"SELECT list(DISTINCT article_key) FROM fingerprint_bands WHERE {in_list('band', probe.to_pylist())}").fetchone()
    else:
        con.register("_probe", pa.table({"band": probe.cast(pa.int64())}))
        try:
            (keys,) = con.execute("SELECT list(DISTINCT article_key) FROM fingerprint_bands WHERE band IN (SELECT band FROM _probe)").fetchone()
        finally:
            con.unregister("_probe")
    return sorted(keys or ())


def _fill_fetched_at(con: duckdb.DuckDBPyConnection, metas: pa.Table) -> pa.Table:
    """Members' rows with the fetch time of their documents where the article row has none (rows
    an older newsflow stored: it kept the time in `documents` only); without the document_id."""
    missing = pc.and_(pc.is_null(metas.column("fetched_at")), pc.is_valid(metas.column("document_id")))
    if pc.any(missing).as_py():
        documents = sorted(set(metas.filter(missing).column("document_id").to_pylist()))
        stored = _rows_by_key(con, "documents", "document_id", documents, "document_id, fetched_at")
        fetched = dict(zip(stored.column("document_id").to_pylist(), stored.column("fetched_at").to_pylist()))
        times = [t if t is not None else fetched.get(d) for t, d in
                 zip(metas.column("fetched_at").to_pylist(), metas.column("document_id").to_pylist())]
        metas = metas.set_column(metas.schema.get_field_index("fetched_at"), "fetched_at", pa.array(times, metas.schema.field("fetched_at").type))
    return metas.drop_columns(["document_id"])


def _members_of_stories_of(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> list:
    """(article_id, story_id, method, score) of every member of the stories these articles are in."""
    if not article_ids:
        return []
    if len(article_ids) <= KEY_CONSTANTS:
        their_stories = f"SELECT story_id FROM story_members WHERE {in_list('article_id', article_ids)}"
    else:
        con.register("_found", pa.table({"article_id": pa.array(article_ids, pa.string())}))
        their_stories = "SELECT story_id FROM story_members WHERE article_id IN (SELECT article_id FROM _found)"
    try:
        (rows,) = con.execute(
            f"SELECT list((m.article_id, m.story_id, m.method, m.score)) FROM story_members m WHERE m.story_id IN ({their_stories})"
        ).fetchone()
    finally:
        if len(article_ids) > KEY_CONSTANTS:
            con.unregister("_found")
    return rows or []


def _rows_by_key(con: duckdb.DuckDBPyConnection, table: str, key: str, values: list, columns: str) -> pa.Table:
    """The rows of `table` whose `key` is one of `values` (ordered by it): as constants (up to
    KEY_CONSTANTS strings, LITERAL_KEYS numbers), so a table sorted by `key` is read only where
    they are, else by a join."""
    numbers = bool(values) and isinstance(values[0], int)
    if len(values) <= (LITERAL_KEYS if numbers else KEY_CONSTANTS):
        return con.execute(f'SELECT {columns} FROM "{table}" WHERE {in_list(key, values)} ORDER BY "{key}"').to_arrow_table()
    con.register("_keys", pa.table({"v": pa.array(values, pa.uint64() if numbers else pa.string())}))
    try:
        return con.execute(f'SELECT {columns} FROM "{table}" WHERE "{key}" IN (SELECT v FROM _keys) ORDER BY "{key}"').to_arrow_table()
    finally:
        con.unregister("_keys")


def source_activity(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Per source: its last committed run (finished_at, counts), documents stored, last fetch time."""
    last = con.execute(
        """
        SELECT coalesce(source, json_extract_string(counts, '$.source')) AS source, load_id, finished_at, status, counts
        FROM loads WHERE coalesce(source, json_extract_string(counts, '$.source')) IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY source ORDER BY finished_at DESC) = 1
        """
    ).fetchall()
    activity: dict[str, dict] = {
        source: {"load_id": load_id, "finished_at": finished, "status": status, "counts": json.loads(counts or "{}")}
        for source, load_id, finished, status, counts in last
    }
    for source, documents in con.execute("SELECT source, count(*) FROM documents GROUP BY source").fetchall():
        activity.setdefault(source, {})["documents"] = documents
    for source, fetched in con.execute("SELECT source, max(fetched_at) FROM fetch_log GROUP BY source").fetchall():
        activity.setdefault(source, {})["last_fetch"] = fetched
    return activity


def load_enrichment(con: duckdb.DuckDBPyConnection, article_ids: list[str], tables: tuple[str, ...]) -> dict[str, pa.Table]:
    """Stored enrichment rows of these articles, per table (as stored: no view casts). Every
    enrichment table is sorted by article_id: a few ids are read where they may be (`_rows_by_key`)."""
    if not article_ids:
        return {}
    ids = sorted(set(article_ids))
    return {name: _rows_by_key(con, name, "article_id", ids, "*") for name in tables}


def stored_copies(con: duckdb.DuckDBPyConnection, articles: pa.Table) -> dict[str, str]:
    """new article_id -> the smallest stored article_id with the same body hash (an exact copy).

    The stored articles with a new body hash are found by its exact key in `fingerprint_bands`
    (kind 'body_hash', as dedup's candidates are), then their hashes are read by key from
    `fingerprints` and compared (a key holds 60 bits of the hash): two probes of sorted tables,
    where a join on `body_hash` read every stored fingerprint's hash."""
    hashes = articles.select(["article_id", "body_hash"]).filter(pc.is_valid(articles.column("body_hash")))
    if hashes.num_rows == 0:
        return {}
    found = _keyed_articles(con, pc.unique(exact_keys("body_hash", hashes.column("body_hash"))))
    if not found:
        return {}
    stored = _rows_by_key(con, "fingerprints", "article_key", found, "article_id, body_hash")
    with_hash: dict[str, list[str]] = {}
    for article_id, body_hash in sorted(zip(stored.column("article_id").to_pylist(), stored.column("body_hash").to_pylist())):
        with_hash.setdefault(body_hash, []).append(article_id)
    copies = {}
    for article_id, body_hash in zip(hashes.column("article_id").to_pylist(), hashes.column("body_hash").to_pylist()):
        other = next((a for a in with_hash.get(body_hash, ()) if a != article_id), None)
        if other is not None:
            copies[article_id] = other
    return copies


def neighbour_story_vectors(con: duckdb.DuckDBPyConnection, ranges: list[tuple], exclude: set[str]):
    """StoryVectors (canonical article's vector and names) of the stored live stories dated within
    one of `ranges` (since, until), but those in `exclude`.

    One read of `story_vectors`, whose files are sorted by date: the row groups outside the
    ranges are skipped, so the read grows with the window's stories, not with the history (the
    joins of `stories`, `embeddings` and `entities` it replaces read every stored story's date and
    every embedding's and entity's article id: ~80 ms a run at 2,000 runs, scans of three tables at 1M)."""
    from tasks.enrich.events import StoryVector

    if not ranges:
        return []
    within = " OR ".join(["dated_at BETWEEN ? AND ?"] * len(ranges))
    rows = con.execute(
        f"SELECT story_id, dated_at, vector, names FROM story_vectors WHERE {within} ORDER BY story_id",
        [day for since_until in ranges for day in since_until],
    ).to_arrow_table()
    if exclude:
        rows = rows.filter(pc.invert(pc.is_in(rows.column("story_id"), pa.array(sorted(exclude), pa.string()))))
    return [StoryVector(story, at, vector, frozenset(names or ())) for story, at, vector, names in
            zip(rows.column("story_id").to_pylist(), rows.column("dated_at").to_pylist(), _vector_rows(rows.column("vector")),
                rows.column("names").to_pylist())]


def _vector_rows(vectors: pa.ChunkedArray) -> list:
    """Each stored vector as a numpy row (one copy of the column), None where there is none: a
    window's thousands of vectors as Python lists of floats cost ~150 ms a run."""
    import numpy as np

    column = vectors.combine_chunks()
    lengths = pc.min_max(pc.list_value_length(column)) if len(column) else None
    if column.null_count == 0 and lengths is not None and lengths["min"] == lengths["max"]:
        return list(column.flatten().to_numpy(zero_copy_only=False).reshape(len(column), -1))
    return [None if v is None else np.asarray(v, dtype=np.float32) for v in column.to_pylist()]


def stored_events(con: duckdb.DuckDBPyConnection, story_ids: list[str]) -> dict[str, tuple[str, float | None]]:
    """story_id -> (event_id, score) of those of these stories that are in an event."""
    if not story_ids:
        return {}
    rows = _rows_by_key(con, "events", "story_id", sorted(set(story_ids)), "story_id, event_id, score")
    return {s: (e, score) for s, e, score in zip(*(rows.column(c).to_pylist() for c in ("story_id", "event_id", "score")))}


def event_members(con: duckdb.DuckDBPyConnection, event_ids: set[str]) -> dict[str, list[tuple[str, float | None]]]:
    """event_id -> its stored members (story_id, score), for events that merge (rare: one scan of `events`)."""
    if not event_ids:
        return {}
    members: dict[str, list[tuple[str, float | None]]] = {e: [] for e in event_ids}
    for event, story, score in con.execute(f"SELECT event_id, story_id, score FROM events WHERE {in_list('event_id', sorted(event_ids))}").fetchall():
        members[event].append((story, score))
    return members
