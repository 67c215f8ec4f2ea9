"""Synthetic camera RAW for the mosaic network: white Poisson–Gaussian noise on an RGGB mosaic,
presented the way the app presents a real RAW to it (variance-stabilised, ``raw_mosaic``).

A clean sRGB patch is unprocessed to a random camera's linear raw space (``training.camera``,
Brooks et al. 2019: inverse tone curve and gamma, sRGB→camera colour, white balance and
brightness undone), mosaicked RGGB and noised with shot and read levels drawn jointly as real
sensors have them across ISO, then rounded to a 14-bit ADC. The noisy mosaic goes through the
generalised Anscombe transform with the true (a, b) and is scaled to [0, 1] exactly as
``noise.stabilised.stabilise`` scales a frame; the target is the clean mosaic's *expected*
transform (``noise.vst.gat_expected``), so the exact unbiased inverse of the network's output is
the clean signal, dark regions included. The level handed to the σ-aware network is the
transformed noise, σ = 1/scale.

The sample is one channel (the mosaic, H×W×1) whatever the data's channels: a ``unet_res``
gray network unshuffles it ×2 at its head, i.e. it sees the four CFA planes packed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from denoise_desktop.noise.stabilised import MARGIN
from denoise_desktop.noise.vst import gat_expected, gat_forward

from .camera import draw_camera, mosaic, unprocess

__all__ = ["bayer", "sensor_noise", "stabilised_pair", "ADC_LEVELS"]

ADC_LEVELS = 16383  # 14-bit raw


def sensor_noise(clean_mosaic: np.ndarray, a: float, b: float, rng: np.random.Generator) -> np.ndarray:
    """Poisson counts (variance a·x) plus Gaussian read noise (variance b), on a 14-bit ADC; a
    black-subtracted raw keeps small negative values, so only the top is clipped."""
    x = np.clip(clean_mosaic, 0.0, None)
    noisy = rng.poisson(x / a) * a + rng.normal(0.0, np.sqrt(b), x.shape)
    return (np.round(np.clip(noisy, -0.02, 1.0) * ADC_LEVELS) / ADC_LEVELS).astype(np.float32)


def stabilised_pair(noisy: np.ndarray, clean: np.ndarray, a: float, b: float) -> tuple[np.ndarray, np.ndarray, float]:
    """(input u, target t, σ) on the [0, 1] scale ``stabilise`` gives a frame."""
    f = gat_forward(noisy, a, b)
    lo = float(f.min()) - MARGIN
    scale = float(f.max()) + MARGIN - lo
    u = (f - lo) / scale
    t = (gat_expected(clean, a, b) - lo) / scale
    return u.astype(np.float32), t.astype(np.float32), 1.0 / scale


def bayer(clean: np.ndarray, rng: np.random.Generator, *, shot: Any = (1e-4, 0.025), **_: Any
          ) -> tuple[np.ndarray, float, np.ndarray]:
    """clean sRGB H×W×3 (H, W even) → (stabilised noisy mosaic, σ, stabilised target), H×W×1."""
    rgb = clean if clean.shape[2] == 3 else np.repeat(clean, 3, axis=2)
    cam = draw_camera(rng, shot=(float(shot[0]), float(shot[1])), jpeg_quality=None, nr_fraction=0.0)
    m = mosaic(unprocess(rgb, cam), "RGGB")
    noisy = sensor_noise(m, cam.shot, cam.read, rng)
    u, t, level = stabilised_pair(noisy, m, cam.shot, cam.read)
    return u[:, :, None], level, t[:, :, None]
