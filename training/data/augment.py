"""Patch augmentation: the 8 dihedral transforms, random crops, optional rescaling."""

from __future__ import annotations

import numpy as np

__all__ = ["dihedral", "random_crop", "center_crop", "rescaled_crop"]


def dihedral(img: np.ndarray, k: int) -> np.ndarray:
    """Transform ``k`` in 0..7 of an H×W×C array: rotate by 90°·(k mod 4), flip if k ≥ 4."""
    out = np.rot90(img, k % 4, axes=(0, 1))
    if k >= 4:
        out = out[:, ::-1]
    return out


def _pad_to(img: np.ndarray, h: int, w: int) -> np.ndarray:
    ph, pw = max(0, h - img.shape[0]), max(0, w - img.shape[1])
    if ph or pw:
        mode = "reflect" if ph < img.shape[0] and pw < img.shape[1] else "edge"
        img = np.pad(img, ((0, ph), (0, pw), (0, 0)), mode=mode)
    return img


def random_crop(img: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    img = _pad_to(img, size, size)
    y = int(rng.integers(0, img.shape[0] - size + 1))
    x = int(rng.integers(0, img.shape[1] - size + 1))
    return img[y:y + size, x:x + size]


def center_crop(img: np.ndarray, size: int) -> np.ndarray:
    if size <= 0:
        return img
    img = _pad_to(img, size, size)
    y, x = (img.shape[0] - size) // 2, (img.shape[1] - size) // 2
    return img[y:y + size, x:x + size]


def rescaled_crop(img: np.ndarray, size: int, scale: float, rng: np.random.Generator) -> np.ndarray:
    """Crop ``size/scale`` pixels and resize to ``size`` (scale < 1 zooms out, > 1 zooms in)."""
    import cv2

    src = max(1, int(round(size / scale)))
    crop = random_crop(img, src, rng)
    if src == size:
        return crop
    interp = cv2.INTER_AREA if src > size else cv2.INTER_CUBIC
    out = cv2.resize(np.ascontiguousarray(crop), (size, size), interpolation=interp)
    if out.ndim == 2:
        out = out[..., None]
    return np.clip(out, 0.0, 1.0) if out.dtype.kind == "f" else out
