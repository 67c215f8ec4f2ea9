"""Helpers shared by the batch tests (tests/core, tests/reliability): a tiny real network, inputs, digests."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import tifffile
import torch
from PIL import Image

from denoise_desktop import models
from denoise_desktop.engine import NetworkDenoiser


def tiny_denoiser(tile=None):
    torch.manual_seed(0)
    model = models.build("dncnn", in_channels=3, depth=3, features=8).eval()
    spec = dataclasses.replace(models.get_spec("dncnn"), receptive_field=3)
    return NetworkDenoiser(model, spec, device="cpu", tile=tile)


def make_inputs(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    paths = {}
    rgb = rng.integers(0, 256, (24, 30, 3), dtype=np.uint8)
    paths["png"] = folder / "a_rgb.png"
    Image.fromarray(rgb).save(paths["png"])
    paths["jpg"] = folder / "b_photo.jpg"
    Image.fromarray(rgb).save(paths["jpg"], quality=90)
    paths["tif"] = folder / "c_16bit.tif"
    tifffile.imwrite(paths["tif"], rng.integers(0, 65536, (20, 26, 3), dtype=np.uint16), photometric="rgb")
    paths["rgba"] = folder / "d_alpha.png"
    rgba = rng.integers(0, 256, (22, 18, 4), dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(paths["rgba"])
    return paths


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}
