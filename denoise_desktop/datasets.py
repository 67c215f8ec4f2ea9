"""The classic data sets' own files: MNIST / Fashion-MNIST IDX and CIFAR-10 "python version" batches.

They live in the core (not in ``training``, which imports the core, never the reverse) so that
``eval --data`` scores a model on the very test files its card names; ``training.data`` re-exports
the readers. ``read_image_set`` tells these files from an image folder.
"""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["IdxError", "CifarError", "read_idx", "read_idx_images", "read_cifar_batch", "read_cifar_folder",
           "read_image_set"]

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
           0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


class IdxError(ValueError):
    pass


class CifarError(ValueError):
    pass


# -- IDX -----------------------------------------------------------------------------------------

def _idx_magic_ok(head: bytes) -> bool:
    return len(head) >= 4 and head[0] == 0 and head[1] == 0 and head[2] in _DTYPES and 1 <= head[3] <= 4


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
    if not _idx_magic_ok(raw):
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


# -- CIFAR-10 ------------------------------------------------------------------------------------
# The batches are pickles and pickles can run code, so only the few globals numpy needs to
# rebuild arrays are allowed; anything else raises a clear error.
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"),  # protocol-2 pickles of bytes made on Python 3
}


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR batch")


def read_cifar_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(images N×32×32×3 uint8, labels N int64) from one ``data_batch_*`` / ``test_batch`` file."""
    p = Path(path)
    try:
        with open(p, "rb") as f:
            obj = _RestrictedUnpickler(f, encoding="bytes").load()
    except OSError as exc:
        raise CifarError(f"{p}: cannot read: {exc.strerror or exc}") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise CifarError(f"{p}: not a CIFAR-10 python batch: {exc}") from None
    if not isinstance(obj, dict):
        raise CifarError(f"{p}: not a CIFAR-10 python batch (top level is {type(obj).__name__})")
    d = {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in obj.items()}
    data, labels = d.get("data"), d.get("labels", d.get("fine_labels"))
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != 3072:
        raise CifarError(f"{p}: 'data' must be an N×3072 uint8 array")
    images = data.astype(np.uint8, copy=False).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    lab = np.asarray(labels if labels is not None else np.zeros(len(images)), dtype=np.int64)
    return np.ascontiguousarray(images), lab


def read_cifar_folder(folder: str | Path, *, test: bool = False) -> np.ndarray:
    """All training batches (``data_batch_*``) or the ``test_batch`` of a folder, stacked."""
    root = Path(folder)
    files = [root / "test_batch"] if test else sorted(root.glob("data_batch_*"))
    files = [f for f in files if f.is_file()]
    if not files:
        raise CifarError(f"{root}: no CIFAR-10 {'test_batch' if test else 'data_batch_*'} files")
    return np.concatenate([read_cifar_batch(f)[0] for f in files])


# -- which one -----------------------------------------------------------------------------------

def _head(path: Path) -> bytes:
    """The first bytes of a file, of its gzip content when it is gzipped (IDX ships as .gz)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as g:
                head = g.read(4)
    except (OSError, EOFError):
        return b""
    return head


def read_image_set(path: str | Path) -> tuple[np.ndarray, str] | None:
    """(N×H×W×C uint8 images, what they are) of an IDX images file (``.gz`` or raw), a CIFAR-10
    batch file, or a CIFAR-10 folder (its ``test_batch`` when it has one: evaluation is on the
    test split, else its ``data_batch_*``); None when ``path`` is none of these (an image folder
    or file). Raises ``IdxError``/``CifarError`` for a file that is one but damaged."""
    p = Path(path)
    if p.is_dir():
        if (p / "test_batch").is_file():
            return read_cifar_folder(p, test=True), "CIFAR-10 test_batch"
        if any(f.is_file() for f in p.glob("data_batch_*")):
            return read_cifar_folder(p), "CIFAR-10 data_batch_*"
        return None
    if not p.is_file():
        return None
    head = _head(p)
    if _idx_magic_ok(head):
        return read_idx_images(p), "IDX images"
    # CIFAR batches are protocol-2 pickles (0x80 0x02); no image format starts with 0x80
    if head[:1] == b"\x80" or p.name == "test_batch" or p.name.startswith("data_batch_"):
        return read_cifar_batch(p)[0], "CIFAR-10 batch"
    return None
