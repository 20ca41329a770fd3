"""Numeric look-up keys for string ids, computed the same way in Python and in SQL.

An article_id is 32 hex digits (a sha256 prefix, tasks/normalize/documents.py). Its first 16 read
as an unsigned 64-bit number are its `article_key`: numbers in the same order as the ids, so a
file sorted by article_id is sorted by article_key too and its min/max statistics prune a
look-up by key. The band look-up reads keys instead of ids: at 10k articles it reads ~190k band
rows, and decoding as many 32-character strings was half of its time. An id that is not hex
(ids made by hand, in tests or imports) gets the first 16 hex digits of its MD5 instead. Two
articles sharing a key (2^-64 per pair) would both be candidates of each other's band matches
and nothing worse: dedup compares their MinHash signatures before it matches them.

The exact keys (a body hash, a URL key) are looked up in `fingerprint_bands` too, as rows of
their own kind: `exact_key` is the first 15 hex digits of the MD5 of "kind:value", a
non-negative 60-bit BIGINT. The run's probe then reads one sorted table for every kind of
match, instead of scanning the strings of every stored fingerprint (a cost that grew with the
lake). A key shared by chance with another row only makes an extra candidate, which dedup
compares like any other.
"""

from __future__ import annotations

import hashlib
import re

import pyarrow as pa

_HEX16 = re.compile(r"[0-9a-f]{16}")
EXACT_KINDS = ("body_hash", "url_key")  # fingerprints' columns whose values are exact look-up keys

# the same key in DuckDB SQL, for the rows a lake stored before the column existed
ARTICLE_KEY_SQL = (
    "CASE WHEN regexp_full_match(substr(article_id, 1, 16), '[0-9a-f]{16}') "
    "THEN ('0x' || substr(article_id, 1, 16))::UBIGINT "
    "ELSE ('0x' || substr(md5(article_id), 1, 16))::UBIGINT END"
)


def exact_key_sql(kind: str, column: str) -> str:
    """`exact_key` of a column's values in DuckDB SQL (null for null)."""
    return f"('0x' || substr(md5('{kind}:' || \"{column}\"), 1, 15))::BIGINT"


def exact_key(kind: str, value: str) -> int:
    return int(hashlib.md5(f"{kind}:{value}".encode()).hexdigest()[:15], 16)


def exact_keys(kind: str, values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The int64 `exact_key` of each value (null for a null value)."""
    return pa.array([None if v is None else exact_key(kind, v) for v in values.to_pylist()], pa.int64())


def article_key(article_id: str) -> int:
    head = article_id[:16]
    if _HEX16.fullmatch(head):
        return int(head, 16)
    return int(hashlib.md5(article_id.encode()).hexdigest()[:16], 16)


def article_keys(article_ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The uint64 `article_key` of each id (null for a null id)."""
    return pa.array([None if a is None else article_key(a) for a in article_ids.to_pylist()], pa.uint64())
