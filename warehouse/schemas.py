"""Every table's pyarrow schema, declared once.

Each table also names its key: the columns that identify a row. Append-only tables never
store two rows with one key (a re-run adds nothing); current-state tables (stories,
story_members, events) are updated in place by the run that changes them, and their
history lives in the lake's snapshots. Every row carries the `load_id` of the run that
wrote it last. `sorted_by` is the table's DuckLake sort order: files written on flush and
compaction are sorted by it, so key lookups prune files by their min/max statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")
EMBEDDING_DIM = 384


@dataclass(frozen=True)
class TableSpec:
    name: str
    schema: pa.Schema
    key: tuple[str, ...]
    current_state: bool = False
    doc: str = ""
    sorted_by: tuple[str, ...] = ()


def _spec(
    name: str,
    key: tuple[str, ...],
    fields: list[pa.Field],
    doc: str,
    current_state: bool = False,
    sorted_by: tuple[str, ...] | None = None,
) -> TableSpec:
    return TableSpec(name, pa.schema(fields), key, current_state, doc, key[:1] if sorted_by is None else sorted_by)


DOCUMENTS = _spec(
    "documents",
    ("document_id",),
    [
        pa.field("document_id", pa.string(), nullable=False),
        pa.field("source", pa.string()),
        pa.field("uri", pa.string()),
        pa.field("fetched_at", TS),
        pa.field("media_type", pa.string()),
        pa.field("sha256", pa.string()),
        pa.field("size_bytes", pa.int64()),
        pa.field("content", pa.large_binary()),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "Raw input bytes, kept forever. document_id is the sha256 of the content.",
)

SIGHTINGS = _spec(
    "sightings",
    ("document_id", "source", "uri"),
    [
        pa.field("document_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("uri", pa.string(), nullable=False),
        pa.field("first_seen_at", TS),
        pa.field("last_seen_at", TS),
        pa.field("seen_count", pa.int64()),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "Every place a document's exact bytes were seen: one row per (document, source, uri), also when "
    "identical bytes arrive from another file, URL or source; the same uri seen again later moves "
    "last_seen_at and adds to seen_count (a re-run of unchanged files changes nothing).",
    current_state=True,
)

# the publication date as the publisher wrote it, beside published_at (UTC): the local wall time
# in ISO 8601 (with its offset when one was named; a bare day when no time was), the offset in
# minutes, and the raw date text
PUBLISHED_AS_WRITTEN = [
    pa.field("published_local", pa.string()),
    pa.field("published_offset_minutes", pa.int32()),
    pa.field("published_raw", pa.string()),
]

ARTICLES = _spec(
    "articles",
    ("article_id",),
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("document_id", pa.string()),
        pa.field("source", pa.string()),
        pa.field("uri", pa.string()),
        pa.field("format", pa.string()),
        pa.field("title", pa.string()),
        pa.field("authors", pa.list_(pa.string())),  # people; a news agency credit goes to agencies
        pa.field("agencies", pa.list_(pa.string())),
        pa.field("published_at", TS),
        *PUBLISHED_AS_WRITTEN,
        pa.field("language", pa.string()),
        pa.field("canonical_url", pa.string()),
        pa.field("domain", pa.string()),
        pa.field("site_name", pa.string()),
        pa.field("captions", pa.list_(pa.string())),
        pa.field("related_titles", pa.list_(pa.string())),
        pa.field("body", pa.large_string()),
        pa.field("body_hash", pa.string()),
        pa.field("word_count", pa.int32()),
        pa.field("load_id", pa.string(), nullable=False),
        pa.field("fetched_at", TS),
    ],
    "One normalized article per document (or per record of a JSON/JSONL document). authors: the people "
    "the byline names; agencies: the news agencies it credits (AP, Reuters, dpa, ...), never among the authors. "
    "fetched_at: when its document was fetched (documents.fetched_at; null in rows stored before newsflow "
    "kept it here).",
)

FINGERPRINTS = _spec(
    "fingerprints",
    ("article_id",),
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("body_hash", pa.string()),
        pa.field("url_key", pa.string()),
        pa.field("shingle_count", pa.int32()),
        # the 128 uint32 values packed in 512 bytes (warehouse/signatures.py); uint64 band keys
        # are stored bit-for-bit as int64
        pa.field("minhash", pa.binary()),
        pa.field("bands", pa.list_(pa.int64())),
        pa.field("load_id", pa.string(), nullable=False),
        pa.field("article_key", pa.uint64()),
    ],
    "Dedup fingerprints of each article body: exact hash, URL key, MinHash signature (128 uint32, "
    "big-endian, as one 512-byte BLOB: warehouse/signatures.py UNPACK_SQL lists them), LSH bands. "
    "article_key: a 64-bit number for article_id (its first 16 hex digits, in the same order), what "
    "fingerprint_bands lists: a look-up reads numbers, not strings.",
)

FINGERPRINT_BANDS = _spec(
    "fingerprint_bands",
    ("band", "article_id"),
    [
        pa.field("band", pa.int64(), nullable=False),
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("load_id", pa.string(), nullable=False),
        pa.field("article_key", pa.uint64()),
        pa.field("kind", pa.string()),
    ],
    "The look-up keys of each article, one row each, in files sorted by band: its LSH bands "
    "(kind 'band': the fingerprints' bands, unnested) and its exact keys (kind 'body_hash' / "
    "'url_key': warehouse/keys.py exact_key of the fingerprint's value), so one probe finds every "
    "candidate. article_key: the article's key in fingerprints (the look-up reads it instead of "
    "the 32-character article_id).",
)

STORY_MEMBERS = _spec(
    "story_members",
    ("article_id",),
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("story_id", pa.string(), nullable=False),
        pa.field("method", pa.string()),
        pa.field("score", pa.float64()),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "Which story each article belongs to, and how it matched (canonical / exact / url / near).",
    current_state=True,
)

STORIES = _spec(
    "stories",
    ("story_id",),
    [
        pa.field("story_id", pa.string(), nullable=False),
        pa.field("canonical_article_id", pa.string()),
        pa.field("title", pa.string()),
        pa.field("published_at", TS),
        *PUBLISHED_AS_WRITTEN,
        pa.field("canonical_url", pa.string()),
        pa.field("title_from", pa.string()),
        pa.field("date_from", pa.string()),
        pa.field("url_from", pa.string()),
        pa.field("article_count", pa.int32()),
        pa.field("source_count", pa.int32()),
        pa.field("first_seen_at", TS),
        pa.field("updated_at", TS),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "One merged story per cluster of copies (live stories only; absorbed ones are in story_merges). "
    "title_from, date_from, url_from: the member article that gave the title, the date (the "
    "earliest credible one; published_local/_offset_minutes/_raw are its) and the canonical URL.",
    current_state=True,
)

# dedup's story rows: a stories row, or (merged_into set) a stored story a new copy absorbed
DEDUP_STORIES = STORIES.schema.insert(STORIES.schema.get_field_index("load_id"), pa.field("merged_into", pa.string()))

STORY_MERGES = _spec(
    "story_merges",
    ("story_id",),
    [
        pa.field("story_id", pa.string(), nullable=False),
        pa.field("merged_into", pa.string(), nullable=False),
        pa.field("merged_at", TS),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "Stories absorbed by another when a new copy linked them: the old id and the survivor's.",
)

LINKS = _spec(
    "links",
    ("article_id", "url", "kind"),
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=False),
        pa.field("text", pa.string()),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "Links found in an article: inline, related, source, canonical.",
)

REJECTS = _spec(
    "rejects",
    ("reject_id",),
    [
        pa.field("reject_id", pa.string(), nullable=False),
        pa.field("uri", pa.string()),
        pa.field("stage", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("detail", pa.string()),
        pa.field("load_id", pa.string(), nullable=False),
        pa.field("at", TS),
    ],
    "Inputs that could not be used, with the stage, a short reason and a detail.",
)

LOADS = _spec(
    "loads",
    ("load_id",),
    [
        pa.field("load_id", pa.string(), nullable=False),
        pa.field("flow_run_id", pa.string()),
        pa.field("started_at", TS),
        pa.field("finished_at", TS),
        pa.field("status", pa.string()),
        pa.field("counts", pa.string()),
        pa.field("source", pa.string()),
    ],
    "The run log: one row per committed run, written in the run's own transaction (a run that "
    "did not commit left nothing). counts is JSON; `newsflow history` pairs each with its snapshot.",
)

FETCH_LOG = _spec(
    "fetch_log",
    ("source", "url", "fetched_at"),
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=False),
        pa.field("etag", pa.string()),
        pa.field("last_modified", pa.string()),
        pa.field("status", pa.int32()),
        pa.field("fetched_at", TS),
        pa.field("document_id", pa.string()),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "Every fetch of a source URL: validators for conditional GET, status, resulting document.",
)

LANGUAGES = _spec(
    "languages",
    ("article_id",),
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("language", pa.string()),
        pa.field("confidence", pa.float64()),
        pa.field("enriched_with", pa.list_(pa.string())),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "Detected language of each article body, with the detector's confidence. enriched_with lists "
    "the enrichment steps run on it (English-only steps are skipped for other languages).",
)

ENTITIES = _spec(
    "entities",
    ("article_id", "start", "label"),
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("text", pa.string()),
        pa.field("label", pa.string()),
        pa.field("start", pa.int32()),
        pa.field("end", pa.int32()),
        pa.field("normalized", pa.string()),
        pa.field("ner_label", pa.string()),
        pa.field("country_code", pa.string()),
        pa.field("lat", pa.float64()),
        pa.field("lon", pa.float64()),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "Named entities (PERSON, ORG, LOC, ...) with offsets; places resolved to country and coordinates.",
)

ENTITY_NAMES = _spec(
    "entity_names",
    ("label", "name"),
    [
        pa.field("label", pa.string(), nullable=False),
        pa.field("name", pa.string(), nullable=False),
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("entity_label", pa.string()),
        pa.field("canonical_name", pa.string()),
        pa.field("articles", pa.int64()),
        pa.field("tail", pa.string()),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "One row per name `entities` carries (label, normalized): the entity it names across articles "
    "(entity_id, entity_label, canonical_name) and how many articles carry it. A one-word person name "
    "goes to the full name ending with it when that is unambiguous (\"Trump\" -> \"Donald Trump\"); "
    "differing full names are never merged; a PERSON that is a place, an organization or a name used "
    "with another label elsewhere is relabelled (entity_label). Rebuilt per run for the names sharing "
    "a `tail` (last word, casefolded) with the run's; join on (label, name = coalesce(normalized, text)).",
    current_state=True,
    sorted_by=("tail",),
)

QUOTES = _spec(
    "quotes",
    ("article_id", "start"),
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("quote", pa.string()),
        pa.field("speaker", pa.string()),
        pa.field("start", pa.int32()),
        pa.field("end", pa.int32()),
        pa.field("attribution", pa.string()),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "Quoted spans with the speaker attributed from the surrounding sentence.",
)

KEYWORDS = _spec(
    "keywords",
    ("article_id", "keyword"),
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("keyword", pa.string()),
        pa.field("score", pa.float64()),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "YAKE keywords per article (lower score = more relevant).",
)

TONE = _spec(
    "tone",
    ("article_id",),
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("tone", pa.float64()),
        pa.field("positive", pa.float64()),
        pa.field("negative", pa.float64()),
        pa.field("polarity", pa.float64()),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "Tone per article, aggregated from VADER per sentence like GDELT's V1.5TONE.",
)

EMBEDDINGS = _spec(
    "embeddings",
    ("article_id",),
    [
        pa.field("article_id", pa.string(), nullable=False),
        # a list of 384 floats (DuckLake has no fixed-size arrays): cast with vector::FLOAT[384]
        pa.field("vector", pa.list_(pa.float32())),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "all-MiniLM-L6-v2 embedding of each article body (chunk mean), 384 floats (cast to FLOAT[384] for array functions).",
)

EVENTS = _spec(
    "events",
    ("story_id",),
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("story_id", pa.string(), nullable=False),
        pa.field("score", pa.float64()),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "Stories telling the same event in different words, grouped.",
    current_state=True,
)

STORY_VECTORS = _spec(
    "story_vectors",
    ("story_id",),
    [
        pa.field("story_id", pa.string(), nullable=False),
        pa.field("dated_at", TS),  # the story's published_at, else its first_seen_at
        pa.field("canonical_article_id", pa.string(), nullable=False),
        pa.field("vector", pa.list_(pa.float32())),
        pa.field("names", pa.list_(pa.string())),  # the article's normalized PERSON/ORG/LOC names, sorted
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "The embedding and the person, organization and place names of each live story's canonical article, "
    "by the story's date (published_at, else first_seen_at): what a run reads of the stories within the "
    "event window, in files sorted by date. Kept with stories, embeddings and entities (the rows of their "
    "join), in the same transactions.",
    current_state=True,
    sorted_by=("dated_at",),
)

ITEMS = _spec(
    "items",
    ("source", "item_key"),
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("item_key", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("state", pa.string(), nullable=False),
        pa.field("attempts", pa.int32()),
        pa.field("next_try_at", TS),
        pa.field("first_seen_at", TS),
        pa.field("updated_at", TS),
        pa.field("reason", pa.string()),
        pa.field("detail", pa.string()),
        pa.field("document_id", pa.string()),
        pa.field("partial", pa.bool_()),
        pa.field("title", pa.string()),
        pa.field("feed_text", pa.large_string()),
        pa.field("published_at", TS),
        pa.field("author", pa.string()),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "Every feed item, sitemap entry and listed URL a polled source named, by source and key (guid "
    "or normalized link), with its state: pending, fetched (gave a document; partial = the feed's own "
    "text, because of reason), failed (transient: attempts, next_try_at) or rejected (reason, detail).",
    current_state=True,
)

SOURCE_POLLS = _spec(
    "source_polls",
    ("source",),
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("polled_at", TS),
        pa.field("status", pa.string()),
        pa.field("detail", pa.string()),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "When `news-poll` last read each source (what makes it due again), and how that went: "
    "changed, not-modified, failed.",
    current_state=True,
)

URL_VALIDATORS = _spec(
    "url_validators",
    ("source", "url"),
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=False),
        pa.field("etag", pa.string()),
        pa.field("last_modified", pa.string()),
        pa.field("fetched_at", TS),
        pa.field("load_id", pa.string(), nullable=False),
    ],
    "The validators (ETag, Last-Modified) of the newest answer to each feed, URL list and sitemap "
    "`news-poll` read: what its next conditional GET sends. One row per URL (item pages are not here: "
    "fetch_log keeps every fetch), so a cycle reads them whole whatever the items seen.",
    current_state=True,
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        DOCUMENTS, SIGHTINGS, ARTICLES, FINGERPRINTS, FINGERPRINT_BANDS, STORY_MEMBERS, STORIES, STORY_MERGES, LINKS, REJECTS, LOADS,
        FETCH_LOG, LANGUAGES, ENTITIES, ENTITY_NAMES, QUOTES, KEYWORDS, TONE, EMBEDDINGS, EVENTS, STORY_VECTORS, ITEMS,
        SOURCE_POLLS, URL_VALIDATORS,
    )
}


def empty(spec: TableSpec) -> pa.Table:
    """An empty table with the spec's schema."""
    return spec.schema.empty_table()


def to_table(spec: TableSpec, rows: list[dict]) -> pa.Table:
    """Build a table from row dicts, checked against the spec's schema."""
    return pa.Table.from_pylist(rows, schema=spec.schema)
