"""Runs the bundled learned noise-level estimator (``models/noise_level.py``) on an image.

The network sees up to 16 crops of 128² spread over the image (a fixed cost, whatever the photo's
size) and pools their confidence-weighted log-levels into one level. The weights are read once,
with safetensors (no pickle) and a strict shape check; a missing, unreadable or mismatched file
makes :func:`estimate` return None, and the caller falls back to the PCA estimate.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import numpy as np

from . import paths

__all__ = ["estimate", "available", "weights_path", "crops"]

log = logging.getLogger(__name__)
_CROP = 128
_GRID = 4  # 4×4 crops at most
_lock = threading.Lock()
_cache: dict[str, object] = {}


def weights_path() -> Path:
    return paths.resources_dir() / "estimators" / "noise_level.safetensors"


def _load():
    with _lock:
        if "net" in _cache:
            return _cache["net"]
        net = None
        path = weights_path()
        if path.is_file():
            try:
                import torch
                from safetensors import safe_open
                from safetensors.torch import load_file

                from .models.noise_level import NoiseLevelNet

                with safe_open(str(path), framework="pt") as f:
                    meta = f.metadata() or {}
                hparams = json.loads(meta.get("hparams", "{}"))
                if not isinstance(hparams, dict) or set(hparams) - {"features", "layers"}:
                    raise ValueError(f"unexpected hparams {hparams!r}")
                net = NoiseLevelNet(**{k: int(v) for k, v in hparams.items()})
                net.load_state_dict(load_file(str(path)), strict=True)
                net.eval()
            except Exception as e:  # noqa: BLE001 - any bad file means "fall back", said once
                log.warning("noise-level estimator %s unusable (%s); using the PCA estimate", path, e)
                net = None
        _cache["net"] = net
        return net


def available() -> bool:
    return _load() is not None


def crops(h: int, w: int, size: int = _CROP, grid: int = _GRID) -> list[tuple[int, int, int, int]]:
    """(y, x, ch, cw) of up to ``grid``² even-sized crops spread evenly over an h×w image."""
    ch, cw = min(size, h - h % 2), min(size, w - w % 2)
    ny = min(grid, max(1, h // max(ch, 1)))
    nx = min(grid, max(1, w // max(cw, 1)))
    ys = np.linspace(0, h - ch, ny).astype(int) if ny > 1 else [(h - ch) // 2]
    xs = np.linspace(0, w - cw, nx).astype(int) if nx > 1 else [(w - cw) // 2]
    return [(int(y), int(x), ch, cw) for y in ys for x in xs]


def estimate(img: np.ndarray, scale: int = 1) -> float | None:
    """Level (0–255) of ``img`` (float H×W or H×W×C in [0, 1]), or None without the estimator.

    ``scale`` 2 reads the image averaged over 2×2 blocks and doubles the result: white noise
    reads the same at both scales, while noise that spreads over neighbouring pixels (in-camera
    noise reduction, demosaicing, 4:2:0 chroma) survives the averaging and reads higher.
    """
    x = np.asarray(img)
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3 or x.shape[2] not in (1, 3):
        raise ValueError(f"expected an H×W or H×W×C image with 1 or 3 channels, got shape {x.shape}")
    if scale not in (1, 2):
        raise ValueError(f"scale must be 1 or 2, got {scale}")
    h, w = x.shape[0] // scale, x.shape[1] // scale
    if h < 8 or w < 8:
        raise ValueError(f"image too small to estimate noise ({x.shape[0]}×{x.shape[1]}, need {8 * scale}×{8 * scale})")
    net = _load()
    if net is None:
        return None
    import torch

    def crop(y: int, x0: int, ch: int, cw: int) -> np.ndarray:
        if scale == 1:
            return x[y:y + ch, x0:x0 + cw]
        block = x[2 * y:2 * (y + ch), 2 * x0:2 * (x0 + cw)].astype(np.float32)  # only the crops are averaged
        return block.reshape(ch, 2, cw, 2, -1).mean(axis=(1, 3))

    batch = np.stack([crop(*c) for c in crops(h, w)]).astype(np.float32)
    if batch.shape[3] == 1:
        batch = np.repeat(batch, 3, axis=3)
    with torch.no_grad():
        level = net.pooled(torch.from_numpy(np.ascontiguousarray(batch.transpose(0, 3, 1, 2))))
    return max(0.0, float(level)) * scale
