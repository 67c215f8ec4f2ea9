"""Tiny generated data and recipes for the training tests (no shared data, seconds per test)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


def _smooth_image(rng: np.random.Generator, h: int, w: int, channels: int) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    out = []
    for _ in range(channels):
        fx, fy, ph = rng.uniform(0.1, 0.4), rng.uniform(0.1, 0.4), rng.uniform(0, 6)
        out.append(0.5 + 0.3 * np.sin(fx * x + ph) * np.cos(fy * y))
    return np.clip(np.rint(np.stack(out, -1) * 255), 0, 255).astype(np.uint8)


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    """Eight small PNGs (gray and color mixed, one in a sub-folder: listing is recursive)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    root = tmp_path / "images"
    (root / "sub").mkdir(parents=True)
    for i in range(8):
        img = _smooth_image(rng, 24 + i, 28, 3 if i % 2 else 1)
        target = root / ("sub" if i == 7 else "") / f"img{i}.png"
        Image.fromarray(img[..., 0] if img.shape[2] == 1 else img).save(target)
    return root


@pytest.fixture(autouse=True)
def _user_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("DENOISE_DESKTOP_HOME", str(home))
    return home


def tiny_recipe(tmp_path: Path, images: Path, **sections: dict) -> Path:
    """A recipe for a 3-layer, 8-feature DnCNN on 16×16 patches (override any key)."""
    from training.config import dump_toml, recipe_from_dict

    doc = {
        "name": "tiny",
        "model": {"arch": "dncnn", "hparams": {"depth": 3, "features": 8}},
        "data": {"train": str(images), "val_fraction": 0.25, "patch_size": 16, "patches_per_image": 4,
                 "batch_size": 4, "channels": 1},
        "noise": {"kind": "gaussian", "sigma": [10, 40]},
        "optim": {"lr": 3e-3},
        "train": {"epochs": 2, "threads": 1, "log_every": 1, "checkpoint_every": 0, "seed": 3},
        "eval": {"sigma": 25},
    }
    for section, values in sections.items():
        doc.setdefault(section, {}).update(values)
    path = tmp_path / "tiny.toml"
    path.write_text(dump_toml(recipe_from_dict(doc)), encoding="utf-8")
    return path


def read_events(path: Path) -> list:
    from training.events import parse_line

    return [e for e in (parse_line(line) for line in path.read_text(encoding="utf-8").splitlines()) if e]


@pytest.fixture
def make_recipe(tmp_path: Path):
    """``make_recipe(images, **sections) -> Path`` of a tiny recipe."""
    return lambda images, **sections: tiny_recipe(tmp_path, images, **sections)


@pytest.fixture
def events_of():
    return read_events
