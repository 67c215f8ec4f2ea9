"""The evaluation protocol: one definition for ``denoise-desktop eval``, ``python -m training.evaluate``
and every benchmark, so the same model on the same images gives the same number from each.

* **Images** are 8-bit files read as float32 on [0, 1], shown to a model in channels it takes
  (:func:`as_channels`: gray is the BT.601 luma rounded to 8 bits, as the DnCNN/BSD gray sets are
  made; gray for a colour-only model is repeated).
* **Synthetic noise** (:func:`noisy`): N(0, σ/255) added on [0, 1], rounded and clipped to 8 bits
  (what a user's noisy file holds), drawn from a generator seeded ``[seed, image index,
  round(100·σ)]``: every model sees the same draw, and a subset (``--limit``) keeps each image's.
* **The level** (:func:`sigma_given`): ``level="app"`` runs a model as the app runs it with σ on
  Auto — a blind model (card ``"blind": true``: the defaults) estimates its own level, a
  non-blind σ-aware one (FFDNet, BM3D, NLM) is given the σ that was added, as such methods are
  reported; ``level="true"`` gives every σ-aware model that σ. Real noisy/reference pairs have no
  σ: every model runs blind.
* **Scores** (:func:`score`) are of the output as saved: clipped to [0, 1] and rounded to 8 bits
  (what a PNG holds, and what published tables score), PSNR / SSIM / MSE / MAE as
  :mod:`denoise_desktop.metrics` defines them on the [0, 1] scale; a set's score is the mean over
  its images.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .metrics import mae, mse, psnr, ssim

__all__ = ["SEED", "LEVELS", "noisy", "as_saved", "as_channels", "sigma_given", "score", "denoise_scored"]

SEED = 0
LEVELS = ("app", "true")
_LUMA_601 = np.array([0.299, 0.587, 0.114], np.float32)


def noisy(clean: np.ndarray, sigma: float, index: int, seed: int = SEED) -> np.ndarray:
    """Image ``index`` of a set with Gaussian noise of ``sigma`` (0–255 scale), as an 8-bit file holds it."""
    rng = np.random.default_rng([seed, index, int(round(sigma * 100))])
    x = clean + rng.standard_normal(clean.shape, dtype=np.float32) * np.float32(sigma / 255.0)
    return (np.clip(np.round(x * 255.0), 0, 255) / 255.0).astype(np.float32)


def as_saved(out: np.ndarray) -> np.ndarray:
    """An output as an 8-bit file holds it, on [0, 1]."""
    return (np.round(np.clip(out, 0.0, 1.0) * 255.0) / 255.0).astype(np.float32)


def as_channels(img: np.ndarray, channels: tuple[int, ...] | int) -> np.ndarray:
    """``img`` (float H×W×C on [0, 1]) in the first of ``channels`` it is not already in."""
    supported = (channels,) if isinstance(channels, int) else tuple(channels)
    img = img[..., None] if img.ndim == 2 else img[..., : 3 if img.shape[2] >= 3 else 1]
    if img.shape[2] in supported:
        return img
    if supported[0] == 1:
        return as_saved((img @ _LUMA_601)[..., None])
    return np.repeat(img, 3, axis=2)


def sigma_given(card: dict[str, Any] | None, sigma: float, level: str = "app") -> float | None:
    """The σ a model is given for noise of ``sigma``: None (it estimates its own) for a blind model
    (``card["blind"]``) under ``level="app"``, else ``sigma`` (a model without a σ input ignores it)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    return None if level == "app" and bool((card or {}).get("blind")) else float(sigma)


def score(clean: np.ndarray, out: np.ndarray) -> dict[str, float]:
    """PSNR (dB), SSIM, MSE and MAE of ``out`` as saved against ``clean`` (both on [0, 1])."""
    y = as_saved(np.asarray(out, np.float32).reshape(clean.shape))
    return {"psnr": psnr(clean, y, 1.0), "ssim": ssim(clean, y, 1.0), "mse": mse(clean, y), "mae": mae(clean, y)}


def denoise_scored(denoiser, clean: np.ndarray, sigma: float, index: int, *, card: dict | None = None,
                   level: str = "app", seed: int = SEED, **kw) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """(noisy input, output, scores) of ``denoiser`` on image ``index`` of a set with noise of ``sigma``:
    the whole protocol for one synthetic-noise image. ``clean`` must already be in the model's channels."""
    x = noisy(clean, sigma, index, seed)
    out = np.asarray(denoiser.denoise(x, sigma=sigma_given(card, sigma, level), **kw), np.float32).reshape(clean.shape)
    return x, out, score(clean, out)
