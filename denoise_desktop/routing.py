"""The default color model as one ``Denoiser`` with two networks behind it.

White noise (a PNG with Gaussian noise, a scan) goes to the network trained on Gaussian noise;
camera noise and noisy JPEGs — correlated between neighbours, which the PCA estimate hardly
sees — go to the network trained on realistic camera noise (``training/camera.py``). Fine-tuned
on the camera mix alone, the second network lost 0.7 dB on plain Gaussian noise at σ = 15
(``benchmarks/quality.py``), so neither network is best at both; the one estimate Auto makes
anyway (``noise_estimate.estimate_noise``) decides which runs, per image. A σ set by hand keeps
that choice: it says how strong the noise is, not what kind.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .progress import NOOP, Progress

__all__ = ["NoiseRoutedDenoiser"]


class NoiseRoutedDenoiser:
    takes_sigma = True

    def __init__(self, white: Any, real: Any, *, id: str, name: str = "") -> None:  # noqa: A002 - the registry id
        self.white, self.real = white, real
        self.id, self.name = id, name or id
        self.last_info: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"NoiseRoutedDenoiser({self.id!r}, white={self.white!r}, real={self.real!r})"

    # Settings apply to both networks, so a switch between images never changes them.
    def set_ensemble(self, n: int) -> None:
        for d in (self.white, self.real):
            d.set_ensemble(n)

    def set_tile(self, tile: int | None) -> None:
        for d in (self.white, self.real):
            d.set_tile(tile)

    @property
    def ensemble(self) -> int:
        return self.white.ensemble

    @property
    def device(self):
        return self.white.device

    def sigma_note(self, sigma: float | None) -> str | None:
        return self.white.sigma_note(sigma)

    def choose(self, img: np.ndarray):
        """``(network, NoiseEstimate)`` for an image (float, uint8 or uint16; H×W or H×W×C)."""
        from .noise_estimate import estimate_noise

        x = np.asarray(img)
        if x.dtype in (np.uint8, np.uint16):
            x = x.astype(np.float32) / np.float32(np.iinfo(x.dtype).max)
        est = estimate_noise(x)
        return (self.real if est.correlated else self.white), est

    def denoise(self, img: np.ndarray, sigma: float | None = None, strength: float = 1.0,
                progress: Progress = NOOP) -> np.ndarray:
        net, est = self.choose(img)
        out = net.denoise(img, sigma=est.level if sigma is None else sigma, strength=strength, progress=progress)
        info = dict(getattr(net, "last_info", {}) or {})
        info.update(sigma_estimated=est.level if sigma is None else None, model_used=net.id,
                    noise_kind=est.kind)
        self.last_info = info
        return out
