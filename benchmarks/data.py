"""The benchmark images and the cases made from them, by the evaluation protocol
(``denoise_desktop/protocol.py``: the noise draw, channels, scoring).

The data sets live in ``../shared/data`` beside the repository (``BENCHMARK_DATA`` overrides it):
Set12 (gray), the BSDS500 colour images the colour recipes hold out, PolyU real camera pairs,
FMDD microscopy pairs. None of them is copied into the repository.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np

from denoise_desktop import imageio, protocol

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BENCHMARK_DATA", ROOT.parent / "shared" / "data"))

Case = tuple[np.ndarray, np.ndarray, "float | None"]  # (noisy, clean reference, σ added or None for real noise)


def set12(folder: Path | None = None) -> list[Path]:
    return sorted((folder or DATA / "set12_gray").glob("*.png"))


def validation_names() -> set[str]:
    """File names the bundled models' recipes (``default_*``) validate on (select checkpoints by)."""
    from training.config import load_recipe, recipes_dir
    from training.data import split_files

    names: set[str] = set()
    for path in sorted(recipes_dir().glob("default_*.toml")):
        recipe = load_recipe(path)
        names |= {f.name for f in split_files(recipe.data, recipe.train.seed)[1]}
    return names


def color_holdout(folder: Path | None = None) -> list[Path]:
    """The BSDS500 ``val`` images the colour recipes hold out, less those any default recipe
    validates on: no image here influenced a bundled model."""
    folder = folder or DATA / "bsds500_color_train"
    with open(folder / "manifest.csv", newline="") as f:
        ids = [row["bsds_id"] for row in csv.DictReader(f) if row["bsds500_split"] == "val"]
    seen = validation_names()
    return [folder / f"{i}.jpg" for i in sorted(ids) if f"{i}.jpg" not in seen]


def load_cleans(files: list[Path], channels: int) -> list[np.ndarray]:
    """Float H×W×C images on [0, 1] in ``channels`` (gray: the 8-bit BT.601 luma)."""
    return [protocol.as_channels(imageio.read_image(p).to_float(), channels) for p in files]


def gray8(img: np.ndarray) -> np.ndarray:
    """An image as an 8-bit gray file holds it (H×W×1)."""
    return protocol.as_channels(img, 1)


def real_pairs(folder: Path | None = None, limit: int = 0, channels: int | None = None) -> list[Case]:
    """(noisy, reference, None) of a folder of real pairs (``denoise_desktop.pairs`` layouts)."""
    from denoise_desktop.pairs import find_pairs, read_pair

    out = []
    for n, r in find_pairs(folder or DATA / "polyu_canon_dev")[: limit or None]:
        x, c = read_pair(n, r)
        if channels:
            x, c = protocol.as_channels(x, channels), protocol.as_channels(c, channels)
        out.append((x, c, None))
    return out


def jpeg420(img: np.ndarray, quality: int = 90) -> np.ndarray:
    """``img`` saved as a JPEG of ``quality`` with 4:2:0 chroma (what cameras and phones write) and read back."""
    from PIL import Image

    buf = io.BytesIO()
    a = np.uint8(np.rint(np.clip(img, 0, 1) * 255))
    Image.fromarray(a[..., 0] if a.shape[2] == 1 else a).save(buf, "JPEG", quality=quality, subsampling=2)
    buf.seek(0)
    with Image.open(buf) as im:
        out = np.asarray(im, np.float32) / 255.0
    return out[..., None] if out.ndim == 2 else out


def noisy_cases(cleans: list[np.ndarray], sigma: float, *, jpeg: bool = False, seed: int = protocol.SEED) -> list[Case]:
    """The protocol's noisy images of a set at ``sigma`` (then saved as JPEG q90 4:2:0 if ``jpeg``)."""
    out = []
    for i, c in enumerate(cleans):
        x = protocol.noisy(c, sigma, i, seed)
        out.append((jpeg420(x) if jpeg else x, c, float(sigma)))
    return out
