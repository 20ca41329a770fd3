"""How `fingerprints.minhash` is stored: a MinHash signature as one BLOB, not a list of numbers.

A signature is NUM_PERM (128) uint32 values, stored as their 512 bytes, big-endian (the order
in which DuckDB's `to_hex` writes a number, so SQL can pack a list the same way). A run reads
the signatures of its dedup candidates: as `list<int64>` that read decoded every list of the
row groups the candidates' keys hit (~10k lists at 10k stored articles: ~17 ms of a ~175 ms
run); as one BLOB a row it costs ~1 ms. The values as a list in SQL (UNPACK_SQL, tested):
`list_transform(range(octet_length(minhash) // 4), i -> ('0x' || hex(minhash)[8*i+1:8*i+8])::UINTEGER)`.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

BYTES_PER_VALUE = 4
_STORED = np.dtype(">u4")

# a stored `list<int64>` signature (what a lake made before held) as the BLOB, in DuckDB SQL
PACK_LIST_SQL = "unhex(array_to_string(list_transform(minhash, x -> lpad(to_hex(x::UINTEGER), 8, '0')), ''))"
# and back: the stored BLOB as the list of its values (for a person's SQL; newsflow reads the bytes)
UNPACK_SQL = "list_transform(range(octet_length(minhash) // 4), i -> ('0x' || hex(minhash)[8*i+1:8*i+8])::UINTEGER)"


def pack_signatures(signatures: np.ndarray) -> pa.Array:
    """An (n, width) matrix of uint32 values (any integer dtype holding them) as n BLOBs."""
    signatures = np.asarray(signatures)
    n = signatures.shape[0]
    width = signatures.shape[1] if signatures.ndim == 2 else 0
    data = np.ascontiguousarray(signatures.astype(_STORED))
    offsets = np.arange(n + 1, dtype=np.int32) * (width * BYTES_PER_VALUE)
    return pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data.tobytes())])


def signature_rows(chunk: pa.Array) -> np.ndarray:
    """One chunk of packed signatures as an (n, width) big-endian uint32 view (no copy when it can).

    Every row must hold the same number of bytes (a signature's width); nulls are refused.
    """
    n = len(chunk)
    if n == 0:
        return np.zeros((0, 0), _STORED)
    if chunk.null_count:
        raise ValueError("a stored MinHash signature is null")
    if pa.types.is_large_binary(chunk.type):
        chunk = chunk.cast(pa.binary())
    offsets = np.frombuffer(chunk.buffers()[1], np.int32, n + 1, chunk.offset * 4)
    lengths = np.diff(offsets)
    size = int(lengths[0])
    if size % BYTES_PER_VALUE or (lengths != size).any():
        raise ValueError(f"stored MinHash signatures of unequal or odd sizes ({sorted(set(lengths.tolist()))[:5]} bytes)")
    data = np.frombuffer(chunk.buffers()[2], np.uint8, int(offsets[-1] - offsets[0]), int(offsets[0]))
    return data.view(_STORED).reshape(n, size // BYTES_PER_VALUE)


def unpack_signatures(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Packed signatures as one (n, width) uint32 matrix."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts = [signature_rows(c) for c in chunks if len(c)]
    if not parts:
        return np.zeros((0, 0), np.uint32)
    return np.concatenate(parts).astype(np.uint32)
