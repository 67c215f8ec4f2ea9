"""Image folders: recursive listing of readable files, decoded once via :mod:`.cache`."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .cache import load_image

__all__ = ["list_images", "load_folder", "UnreadableImagesError", "MAX_UNREADABLE_FRACTION"]

log = logging.getLogger(__name__)
# one truncated photo among 24 aborted a whole run; a folder mostly unreadable is a wrong folder
MAX_UNREADABLE_FRACTION = 0.2


class UnreadableImagesError(ValueError):
    """Too many images of a folder could not be decoded; the message names some of them."""

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


def load_folder(files: list[Path], *, channels: int, resize: int = 0, npy_cache: bool = False,
                skip_unreadable: bool = False, skipped: list[Path] | None = None) -> list[np.ndarray]:
    """Decoded images of ``files``. With ``skip_unreadable``, a file that cannot be decoded is left
    out with a warning (and appended to ``skipped``) unless more than ``MAX_UNREADABLE_FRACTION``
    of them, or all, fail: then ``UnreadableImagesError``."""
    if not skip_unreadable:
        return [load_image(f, channels=channels, resize=resize, npy_cache=npy_cache) for f in files]
    from denoise_desktop.imageio import ImageIOError

    images, bad = [], []
    for f in files:
        try:
            images.append(load_image(f, channels=channels, resize=resize, npy_cache=npy_cache))
        except (ImageIOError, OSError, ValueError) as e:
            why = str(getattr(e, "reason", e))
            log.warning("skipping unreadable training image %s: %s", f, why)
            bad.append((Path(f), why))
    if bad and (not images or len(bad) > MAX_UNREADABLE_FRACTION * len(files)):
        shown = "; ".join(f"{p.name}: {why}" for p, why in bad[:3]) + (" …" if len(bad) > 3 else "")
        raise UnreadableImagesError(f"{len(bad)} of {len(files)} images cannot be read ({shown}); "
                                    f"at most {MAX_UNREADABLE_FRACTION:.0%} may be skipped")
    if skipped is not None:
        skipped.extend(p for p, _ in bad)
    return images
