"""Decode each image once: an in-process RAM cache, plus an optional ``.npy`` cache on disk.

JPEG decoding dominates patch sampling otherwise (every epoch would decode every photo again).
Images are kept in their file's integer dtype (uint8/uint16) to keep RAM use 4× lower than float.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

__all__ = ["decode", "load_image", "clear_ram_cache", "to_channels", "to_float"]

_RAM: dict[tuple, np.ndarray] = {}


def clear_ram_cache() -> None:
    _RAM.clear()


def decode(path: Path) -> np.ndarray:
    """H×W×C (C 1 or 3) uint8/uint16 pixels of a file, via the app's image reader."""
    from denoise_desktop.imageio import read_image

    return np.ascontiguousarray(read_image(path).pixels)


def to_channels(img: np.ndarray, channels: int) -> np.ndarray:
    if img.shape[2] == channels:
        return img
    if channels == 1:  # ITU-R BT.601 luma, as in the DnCNN/BSD gray sets
        y = img.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
        return np.rint(y).astype(img.dtype)[..., None]
    return np.repeat(img, 3, axis=2)


def to_float(img: np.ndarray) -> np.ndarray:
    """float32 in [0, 1] from uint8/uint16 (or pass floats through)."""
    if img.dtype == np.uint8:
        return img.astype(np.float32) / 255.0
    if img.dtype == np.uint16:
        return img.astype(np.float32) / 65535.0
    return img.astype(np.float32, copy=False)


def _resize_short(img: np.ndarray, short: int) -> np.ndarray:
    import cv2

    h, w = img.shape[:2]
    s = short / min(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    out = cv2.resize(img, size, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
    return out[..., None] if out.ndim == 2 else out


def load_image(path: str | Path, *, channels: int, resize: int = 0, npy_cache: bool = False) -> np.ndarray:
    p = Path(path).resolve()
    st = p.stat()
    key = (str(p), st.st_mtime_ns, st.st_size, channels, resize)
    img = _RAM.get(key)
    if img is not None:
        return img
    npy = None
    if npy_cache:
        from denoise_desktop import paths

        digest = hashlib.sha1(repr(key).encode()).hexdigest()
        npy = paths.cache_dir() / "decoded" / f"{digest}.npy"
        if npy.exists():
            try:
                img = np.load(npy, allow_pickle=False)
            except (OSError, ValueError):
                img = None  # a damaged cache file is just re-decoded
    if img is None:
        img = to_channels(decode(p), channels)
        if resize:
            img = _resize_short(img, resize)
        if npy is not None:
            npy.parent.mkdir(parents=True, exist_ok=True)
            tmp = npy.with_name(f"{npy.stem}.{os.getpid()}.tmp.npy")
            np.save(tmp, img)
            os.replace(tmp, npy)
    _RAM[key] = img
    return img
