"""MNIST / Fashion-MNIST IDX files (``.gz`` or raw), checked against their magic numbers."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

__all__ = ["IdxError", "read_idx", "read_idx_images"]

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
           0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


class IdxError(ValueError):
    pass


def read_idx(path: str | Path) -> np.ndarray:
    """The array stored in an IDX file: magic ``00 00 <type> <ndim>``, big-endian sizes, data."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise IdxError(f"{p}: cannot read: {exc.strerror or exc}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise IdxError(f"{p}: corrupt gzip data: {exc}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES or not 1 <= raw[3] <= 4:
        raise IdxError(f"{p}: not an IDX file (bad magic number {raw[:4].hex() or 'empty'})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IdxError(f"{p}: truncated IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_DTYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise IdxError(f"{p}: IDX says shape {shape} ({expected} bytes) but holds {len(raw) - header} bytes")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx_images(path: str | Path) -> np.ndarray:
    """Images as N×H×W×1 uint8 (the IDX images file has magic 0x00000803)."""
    arr = read_idx(path)
    if arr.ndim != 3 or arr.dtype != np.uint8:
        raise IdxError(f"{path}: expected an IDX image file (uint8, N×H×W), got {arr.dtype} {arr.shape}")
    return arr[..., None]
