"""Shared test setup: deterministic seeds, an isolated user folder, few threads, image factories."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

# "auto" precision means bf16 on CPUs with native bf16: pin fp32 so the suite's reference numbers
# hold on any CI machine (subprocesses inherit it); tests of the bf16 path ask for it explicitly.
os.environ.setdefault("DENOISE_DESKTOP_CPU_BF16", "0")


@pytest.fixture(autouse=True)
def _isolated_and_deterministic(monkeypatch, tmp_path_factory):
    """Every test: fixed seeds, ``DENOISE_DESKTOP_HOME`` in a fresh tmp folder, ≤2 torch threads
    (the test machine is shared and has few cores)."""
    monkeypatch.setenv("DENOISE_DESKTOP_HOME", str(tmp_path_factory.mktemp("home")))
    random.seed(0)
    np.random.seed(0)
    torch = _torch()
    if torch is not None:
        torch.manual_seed(0)
        if torch.get_num_threads() > 2:
            torch.set_num_threads(2)
    yield


def _torch():
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a hard dependency, but keep tests importable
        return None
    return torch


def synthetic_image(h: int = 64, w: int = 64, c: int = 3, dtype=np.float32, seed: int = 0) -> np.ndarray:
    """A smooth + textured test image (gradients, soft blob, sinusoid texture, a sharp edge)
    with values kept inside about [0.1, 0.9] so added noise rarely clips.

    dtype float32/float64 → [0, 1]; uint8 / uint16 → full-range integers."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    yn, xn_ = yy / max(h - 1, 1), xx / max(w - 1, 1)
    out = np.empty((h, w, c))
    for ch in range(c):
        fy, fx = rng.uniform(0.15, 0.45, size=2)
        phase = rng.uniform(0, 2 * np.pi)
        grad = 0.3 * (0.6 * xn_ + 0.4 * yn) if ch % 2 == 0 else 0.3 * (1 - 0.5 * xn_ - 0.5 * yn)
        blob = 0.2 * np.exp(-(((xn_ - 0.35) ** 2 + (yn - 0.6) ** 2) / 0.05))
        texture = 0.08 * np.sin(fx * xx + phase) * np.cos(fy * yy)
        edge = 0.12 * (xn_ + 0.3 * yn > 0.7)
        out[:, :, ch] = 0.2 + grad + blob + texture + edge
    out = np.clip(out, 0.1, 0.9)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return out.astype(dt)
    top = np.iinfo(dt).max
    return np.rint(out * top).astype(dt)


@pytest.fixture
def make_image():
    """Factory fixture: ``make_image(h=64, w=64, c=3, dtype=np.float32, seed=0)``."""
    return synthetic_image


@pytest.fixture
def make_noisy():
    """Factory fixture: ``make_noisy(clean_float, sigma_255, seed=0)`` → (noisy, clean) with
    additive white Gaussian noise of σ on the 0–255 scale, clipped to [0, 1], float32."""

    def _make(clean: np.ndarray, sigma: float, seed: int = 0):
        rng = np.random.default_rng(seed)
        noisy = clean + rng.normal(0.0, sigma / 255.0, clean.shape)
        return np.clip(noisy, 0.0, 1.0).astype(np.float32), clean

    return _make

