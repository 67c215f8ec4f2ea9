"""CIFAR-10 "python version" batches, read with a restricted unpickler.

The batches are pickles and pickles can run code, so only the few globals numpy needs to
rebuild arrays are allowed; anything else raises a clear error.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CifarError", "read_cifar_batch", "read_cifar_folder"]

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"),  # protocol-2 pickles of bytes made on Python 3
}


class CifarError(ValueError):
    pass


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
