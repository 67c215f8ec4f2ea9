"""A Gaussian denoiser made fit for signal-dependent noise by variance stabilisation.

Poisson–Gaussian noise (variance = a·signal + b, fitted per channel by ``poisson_gaussian``)
goes through the generalised Anscombe transform, which leaves Gaussian noise of σ = 1; the
transformed image is scaled into [0, 1] so the noise is σ/255 of a level a Gaussian network
knows, denoised there, and mapped back with the exact unbiased inverse (``vst``), which keeps
the mean: a network trained on clipped Gaussian noise would otherwise pull dark backgrounds down
(FMDD frames darkened by a third). Works around any ``Denoiser`` that takes σ.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..progress import NOOP, Progress
from .poisson_gaussian import PoissonGaussianFit, fit_channels
from .vst import gat_forward, gat_inverse

__all__ = ["StabilisedDenoiser", "stabilise", "unstabilise", "unit_float", "MARGIN"]

MARGIN = 4.0  # transformed units (noise σ) kept free below the darkest and above the brightest value


def unit_float(img: np.ndarray) -> np.ndarray:
    """float32 on [0, 1]: uint8/uint16 divided by their maximum, floats as they are."""
    x = np.asarray(img)
    if x.dtype in (np.uint8, np.uint16):
        return x.astype(np.float32) / np.float32(np.iinfo(x.dtype).max)
    return np.asarray(x, dtype=np.float32)


def stabilise(x: np.ndarray, fits: list[PoissonGaussianFit]) -> tuple[np.ndarray, float, list[float]]:
    """(u in [0, 1] with Gaussian noise of σ = 1/scale, scale, per-channel offsets)."""
    planes = [gat_forward(x[:, :, c], f.a, f.b) for c, f in enumerate(fits)]
    lows = [float(p.min()) - MARGIN for p in planes]
    scale = max(float(p.max()) + MARGIN - lo for p, lo in zip(planes, lows))
    u = np.stack([(p - lo) / scale for p, lo in zip(planes, lows)], axis=2).astype(np.float32)
    return u, scale, lows


def unstabilise(u: np.ndarray, fits: list[PoissonGaussianFit], scale: float, lows: list[float]) -> np.ndarray:
    planes = [gat_inverse(u[:, :, c] * np.float32(scale) + np.float32(lows[c]), f.a, f.b) for c, f in enumerate(fits)]
    return np.stack(planes, axis=2)


class StabilisedDenoiser:
    """``inner`` (a σ-taking ``Denoiser``) run between the GAT and its exact unbiased inverse."""

    takes_sigma = False  # the level comes from the fit, not from the user

    def __init__(self, inner: Any, *, id: str | None = None, name: str | None = None) -> None:  # noqa: A002
        self.inner = inner
        self.id = id or getattr(inner, "id", "stabilised")
        self.name = name or getattr(inner, "name", self.id)
        self.last_info: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"StabilisedDenoiser({self.inner!r})"

    def __getattr__(self, item: str) -> Any:  # ensemble, device, set_tile …: the inner network's
        if item == "inner":
            raise AttributeError(item)
        return getattr(self.inner, item)

    def fit(self, x: np.ndarray) -> list[PoissonGaussianFit] | None:
        fits = fit_channels(x)
        if any(f is None or f.a <= 0 for f in fits):
            return None
        return fits  # type: ignore[return-value]

    def denoise(self, img: np.ndarray, sigma: float | None = None, strength: float = 1.0,
                progress: Progress = NOOP, fits: list[PoissonGaussianFit] | None = None,
                level_scale: float = 1.0) -> np.ndarray:
        """float H×W(×C) in [0, 1] (or uint8/uint16) → float32 in [0, 1]. ``sigma`` is ignored:
        the fit sets the level (``level_scale`` × the transformed noise, higher removes more);
        ``fits`` skips fitting when the caller already has them."""
        x = unit_float(img)
        squeeze = x.ndim == 2
        if squeeze:
            x = x[:, :, None]
        fits = fits or self.fit(x)
        if fits is None:
            raise ValueError("no signal-dependent noise found to stabilise (the Poisson–Gaussian fit failed)")
        u, scale, lows = stabilise(x, fits)
        level = 255.0 / scale * level_scale  # the transformed noise (σ = 1) on the 0–255 scale of u
        out_u = self.inner.denoise(u, sigma=level, strength=1.0, progress=progress)
        if out_u.ndim == 2:
            out_u = out_u[:, :, None]
        out = unstabilise(out_u, fits, scale, lows)
        if strength != 1.0:
            out = strength * out + (1.0 - strength) * x
        out = np.clip(out, 0.0, 1.0).astype(np.float32)
        info = dict(getattr(self.inner, "last_info", {}) or {})
        top = 65535.0 if np.asarray(img).dtype == np.uint16 else 255.0
        info.update(sigma_used=None, sigma_estimated=None, stabilised_level=level, noise_kind="photon noise",
                    noise_fit=[f.to_dict(top) for f in fits], model_used=getattr(self.inner, "id", None))
        info.pop("sigma_note", None)
        self.last_info = info
        return out[:, :, 0] if squeeze else out
