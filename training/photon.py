"""Synthetic photon-limited frames for a network that works in the variance-stabilised domain
(the photon route of the gray default, ``routing``): what a fluorescence microscope or a dim
astronomical frame gives, presented the way the app presents it.

A clean gray patch is dimmed (photon-limited frames are mostly dark), counted as photons at a
random gain (``a`` = variance per unit of signal: 0.5–13 levels of 255 per photon, FMDD's
confocal frames read ~3.5), offset above black (microscopes keep a dark level), given Gaussian
read noise and saved as 8 bits. The frame is then stabilised as the app does after fitting — the
generalised Anscombe transform with the law the fit sees, variance = a·level + (b − a·offset) —
and the target is the clean frame's expected transform (``noise.vst.gat_expected``), so the exact
unbiased inverse of the network's output is the clean signal even at a few photons per pixel,
where the transformed noise is far from Gaussian and a Gaussian-trained network is off.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .bayer import stabilised_pair
from .camera import _gray

__all__ = ["photon"]


def _log_uniform(lo: float, hi: float, rng: np.random.Generator) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def photon(clean: np.ndarray, rng: np.random.Generator, *, shot: Any = (0.002, 0.05), sigma: Any = (0.0, 3.0),
           **_: Any) -> tuple[np.ndarray, float, np.ndarray]:
    """clean gray H×W×1 in [0, 1] → (stabilised noisy frame, σ, stabilised target), H×W×1.
    ``shot``: range of a on the 0–1 scale (log-uniform); ``sigma``: read noise, 0–255 levels."""
    x = clean if clean.shape[2] == 1 else _gray(clean)  # a colour data set: its luma
    a = _log_uniform(float(shot[0]), float(shot[1]), rng)
    read = (float(rng.uniform(float(sigma[0]), float(sigma[1]))) if isinstance(sigma, (list, tuple))
            else float(sigma)) / 255.0
    offset = float(rng.uniform(0.0, 6.0)) / 255.0
    dim = float(rng.uniform(0.1, 1.0)) ** 1.5  # mostly dark, sometimes full range
    y = np.clip(x[:, :, 0] * dim, 0.0, 1.0 - offset)
    noisy = offset + rng.poisson(y / a) * a + rng.normal(0.0, read, y.shape)
    noisy = (np.clip(np.rint(noisy * 255.0), 0, 255) / 255.0).astype(np.float32)  # an 8-bit frame
    b = read * read + 1.0 / (12 * 255.0**2) - a * offset  # the law a fit reads: dark offset → b < 0
    u, t, level = stabilised_pair(noisy, y + offset, a, b)
    return u[:, :, None], level, t[:, :, None]
