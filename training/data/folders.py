"""Image folders: recursive listing of readable files, decoded once via :mod:`.cache`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .cache import load_image

__all__ = ["list_images", "load_folder"]

_FALLBACK_EXTS = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"})


def _extensions() -> frozenset[str]:
    try:
        from denoise_desktop.imageio import SUPPORTED_EXTENSIONS
    except ImportError:
        return _FALLBACK_EXTS
    return frozenset(SUPPORTED_EXTENSIONS)


def list_images(folder: str | Path) -> list[Path]:
    """Image files under ``folder`` (recursive, sorted so splits are stable across machines)."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"image folder {root} does not exist")
    exts = _extensions()
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in exts)
    if not files:
        raise FileNotFoundError(f"image folder {root} holds no images ({', '.join(sorted(exts))})")
    return files


def load_folder(files: list[Path], *, channels: int, resize: int = 0, npy_cache: bool = False) -> list[np.ndarray]:
    return [load_image(f, channels=channels, resize=resize, npy_cache=npy_cache) for f in files]
