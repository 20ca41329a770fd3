"""fingerprints.minhash stored as one BLOB a row (warehouse/signatures.py), and lakes that held lists."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from tasks.dedup.fingerprint import NUM_PERM, fingerprint_articles
from tasks.normalize.documents import article_id
from tests.warehouse.test_keys import as_an_older_newsflow, store_fingerprints
from warehouse.lake import Warehouse
from warehouse.lookups import load_dedup_context
from warehouse.signatures import PACK_LIST_SQL, UNPACK_SQL, pack_signatures, signature_rows, unpack_signatures


def _signatures(n: int, seed: int = 1) -> np.ndarray:
    values = np.random.default_rng(seed).integers(0, 2**32, (n, NUM_PERM), dtype=np.uint64).astype(np.uint32)
    values[0, :3] = [0, 1, 2**32 - 1]
    return values


def test_packed_signatures_read_back_as_they_were_in_python_and_in_sql():
    signatures = _signatures(5)
    packed = pack_signatures(signatures)
    assert packed.type == pa.binary() and all(len(b) == 4 * NUM_PERM for b in packed.to_pylist())
    assert np.array_equal(unpack_signatures(packed), signatures)
    chunked = pa.chunked_array([packed.slice(0, 2), packed.slice(2)])
    assert np.array_equal(unpack_signatures(chunked), signatures)
    con = duckdb.connect()
    con.register("t", pa.table({"minhash": packed, "as_list": pa.array(signatures.astype(np.int64).tolist())}))
    listed = con.execute(f"SELECT {UNPACK_SQL} FROM t").fetchall()
    assert [row[0] for row in listed] == signatures.tolist()
    repacked = con.execute(f"SELECT {PACK_LIST_SQL.replace('minhash', 'as_list')} FROM t").fetchall()
    assert [row[0] for row in repacked] == packed.to_pylist()


def test_signatures_of_unequal_sizes_or_missing_are_refused():
    with pytest.raises(ValueError, match="unequal"):
        signature_rows(pa.array([b"\0" * 8, b"\0" * 4], pa.binary()))
    with pytest.raises(ValueError, match="null"):
        signature_rows(pa.array([b"\0" * 8, None], pa.binary()))


def test_a_lake_that_stored_lists_gets_blobs_once_and_dedup_still_compares_them(tmp_path):
    wh = Warehouse(tmp_path)
    words = [f"word{i}" for i in range(120)]
    story = " ".join(words)
    near_copy = " ".join(words[:-4] + ["and", "a", "new", "ending"])  # not the same hash: a MinHash match
    stored = fingerprint_articles(pa.table({"article_id": [article_id("d1"), article_id("d2")], "body": [story, "other text " * 30],
                                            "canonical_url": [None, None]}), "L1", workers=1)
    store_fingerprints(wh, "L1", stored)
    with as_an_older_newsflow(wh) as con:  # list<int64>; the next writer rewrites the column
        con.execute("ALTER TABLE lake.fingerprints ADD COLUMN listed BIGINT[]")
        con.execute(f"UPDATE lake.fingerprints SET listed = {UNPACK_SQL}")
        con.execute("ALTER TABLE lake.fingerprints DROP COLUMN minhash")
        con.execute("ALTER TABLE lake.fingerprints RENAME COLUMN listed TO minhash")
        assert con.execute("SELECT data_type FROM duckdb_columns() WHERE table_name = 'fingerprints' AND column_name = 'minhash'"
                           ).fetchone()[0] == "BIGINT[]"
    new = fingerprint_articles(pa.table({"article_id": [article_id("d9")], "body": [near_copy], "canonical_url": [None]}), "L2", workers=1)
    with wh.writing() as con:
        kind = con.execute("SELECT data_type FROM duckdb_columns() WHERE database_name = 'lake' AND table_name = 'fingerprints' "
                           "AND column_name = 'minhash'").fetchone()[0]
        rows = con.execute("SELECT article_id, minhash FROM fingerprints ORDER BY article_id").to_arrow_table()
        context = load_dedup_context(con, new)
    assert kind == "BLOB"
    stored = stored.sort_by("article_id")
    assert rows.column("article_id").to_pylist() == stored.column("article_id").to_pylist()
    assert np.array_equal(unpack_signatures(rows.column("minhash")), unpack_signatures(stored.column("minhash")))
    assert context.candidates.column("article_id").to_pylist() == [article_id("d1")]
    first = stored.column("article_id").to_pylist().index(article_id("d1"))
    assert np.array_equal(unpack_signatures(context.candidates.column("minhash")), unpack_signatures(stored.column("minhash"))[first:first + 1])
