import pickle

import pyarrow as pa

from tasks.arrow_slices import compact_slice


def test_compact_slice_holds_its_rows_and_pickles_to_their_size():
    table = pa.table({"id": list(range(10_000)), "content": [f"document {i} " * 20 for i in range(10_000)]})
    part = compact_slice(table, 2_000, 100)
    assert part.equals(table.slice(2_000, 100))
    whole = len(pickle.dumps(table))
    assert len(pickle.dumps(table.slice(2_000, 100))) > whole // 2  # why compact_slice exists
    assert len(pickle.dumps(part)) < whole // 50


def test_compact_slice_at_the_end_is_short():
    table = pa.table({"id": list(range(10))})
    assert compact_slice(table, 8, 5).column("id").to_pylist() == [8, 9]
