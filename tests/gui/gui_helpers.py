"""Small helpers for the GUI tests: tiny noisy images, a fast classical model, waiting."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image


def clean_and_noisy(h: int = 48, w: int = 64, sigma: float = 25.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A smooth uint8 RGB picture and the same with Gaussian noise (σ on the 0–255 scale)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    clean = np.stack([60 + 120 * xx / w, 60 + 120 * yy / h, 120 + 40 * np.sin(xx / 6)], axis=2)
    noisy = clean + rng.normal(0, sigma, clean.shape)
    return clean.round().clip(0, 255).astype(np.uint8), noisy.round().clip(0, 255).astype(np.uint8)


def write_png(path: Path, pixels: np.ndarray) -> Path:
    Image.fromarray(pixels).save(path)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def fast_classical_id() -> str:
    """The quickest classical baseline the registry offers (gaussian/median/bilateral first)."""
    from denoise_desktop import registry

    classical = [e for e in registry.list_models() if e.kind == "classical"]
    assert classical, "the registry lists no classical denoisers"
    for word in ("gaussian", "median", "bilateral"):
        for e in classical:
            if word in e.id.lower():
                return e.id
    return classical[0].id


def classical_ids(n: int = 2) -> list[str]:
    from denoise_desktop import registry

    ids = [e.id for e in registry.list_models() if e.kind == "classical"]
    preferred = [i for i in ids if any(w in i.lower() for w in ("gaussian", "median", "bilateral"))]
    rest = [i for i in ids if i not in preferred and "bm3d" not in i.lower()]
    return (preferred + rest)[:n]
