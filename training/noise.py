"""Synthetic noise, applied on the fly with a caller-supplied seeded generator.

Every function takes a clean float32 H×W×C array in [0, 1] and a ``numpy.random.Generator``
(never the global RNG, so DataLoader workers and resumed runs stay reproducible) and returns
``(noisy, level)``: ``level`` is the noise standard deviation on the [0, 1] scale — exactly σ
for Gaussian noise, the residual RMS otherwise — which σ-aware models receive in training.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

__all__ = ["NOISE", "NoiseFn", "NoiseModel", "make_noise", "draw", "quantize_8bit"]

NoiseFn = Callable[[np.ndarray, np.random.Generator], tuple[np.ndarray, float]]

from .draws import draw  # noqa: E402 - re-exported: recipes' noise modules draw alike




def _rms(noisy: np.ndarray, clean: np.ndarray) -> float:
    return float(np.sqrt(np.mean((noisy.astype(np.float64) - clean) ** 2)))


def gaussian(clean: np.ndarray, rng: np.random.Generator, *, sigma: Any = 25.0, **_: Any) -> tuple[np.ndarray, float]:
    s = draw(sigma, rng) / 255.0
    noisy = clean + rng.standard_normal(clean.shape, dtype=np.float32) * np.float32(s)
    return noisy.astype(np.float32, copy=False), s


def salt_and_pepper(clean: np.ndarray, rng: np.random.Generator, *, amount: Any = 0.05,
                    salt_ratio: float = 0.5, **_: Any) -> tuple[np.ndarray, float]:
    a = draw(amount, rng)
    noisy = clean.copy()
    # Impulses hit whole pixels (all channels), like a dead/hot photosite.
    u = rng.random(clean.shape[:2])
    salt = u < a * salt_ratio
    pepper = (u >= a * salt_ratio) & (u < a)
    noisy[salt] = 1.0
    noisy[pepper] = 0.0
    return noisy, _rms(noisy, clean)


def poisson(clean: np.ndarray, rng: np.random.Generator, *, scale: Any = 0.01, **_: Any) -> tuple[np.ndarray, float]:
    """Shot noise: ``scale · Poisson(x / scale)``, so the variance is ``scale · x``."""
    k = max(draw(scale, rng), 1e-6)
    noisy = (rng.poisson(np.clip(clean, 0, None) / k) * k).astype(np.float32)
    return noisy, float(np.sqrt(k * max(float(clean.mean()), 0.0)))


def speckle(clean: np.ndarray, rng: np.random.Generator, *, sigma: Any = 25.0, **_: Any) -> tuple[np.ndarray, float]:
    """Multiplicative: ``x + x · N(0, σ)`` (σ on the 0–255 scale, as a fraction of 255)."""
    s = draw(sigma, rng) / 255.0
    noisy = clean + clean * rng.standard_normal(clean.shape, dtype=np.float32) * np.float32(s)
    return noisy.astype(np.float32, copy=False), _rms(noisy, clean)


def camera(clean: np.ndarray, rng: np.random.Generator, *, sigma: Any = 5.0, scale: Any = 0.01,
           jpeg_quality: list[int] | None = None, **_: Any) -> tuple[np.ndarray, float]:
    """Signal-dependent Poisson–Gaussian (heteroscedastic Gaussian approximation) + optional JPEG.

    Variance ``scale · x + (σ/255)²``; then, if ``jpeg_quality`` = [lo, hi], an 8-bit JPEG
    round trip at a random quality — how phone/camera files actually look.
    """
    k = draw(scale, rng)
    s = draw(sigma, rng) / 255.0
    std = np.sqrt(np.clip(clean, 0, None) * k + s * s).astype(np.float32)
    noisy = np.clip(clean + rng.standard_normal(clean.shape, dtype=np.float32) * std, 0.0, 1.0)
    if jpeg_quality:
        noisy = _jpeg_roundtrip(noisy, int(rng.integers(jpeg_quality[0], jpeg_quality[1] + 1)))
    return noisy.astype(np.float32, copy=False), _rms(noisy, clean)


def _jpeg_roundtrip(img: np.ndarray, quality: int) -> np.ndarray:
    import cv2  # lazy: only the camera model needs it

    u8 = np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)
    bgr = u8[..., ::-1] if u8.shape[2] == 3 else u8[..., 0]
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(bgr), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    dec = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    dec = dec[..., ::-1] if dec.ndim == 3 else dec[..., None]
    return dec.astype(np.float32) / 255.0


def quantize_8bit(img: np.ndarray) -> np.ndarray:
    """Round and clip to the 256 levels an 8-bit file can hold."""
    return (np.clip(np.rint(img * 255.0), 0, 255) / 255.0).astype(np.float32)


from .bayer import bayer  # noqa: E402
from .photon import photon  # noqa: E402
from .camera import realistic  # noqa: E402 - after the helpers it imports lazily

NOISE: dict[str, Callable[..., tuple]] = {
    "gaussian": gaussian,
    "salt_and_pepper": salt_and_pepper,
    "poisson": poisson,
    "speckle": speckle,
    "camera": camera,
    "realistic": realistic,  # camera pipeline + AWGN mix; returns a target too (training.camera)
    "bayer": bayer,  # stabilised RGGB mosaic of a synthetic RAW, 1 channel (training.bayer)
    "photon": photon,  # stabilised photon-limited 8-bit gray frame (training.photon)
}


class NoiseModel:
    """A picklable ``(clean, rng) -> (noisy, level)`` callable (DataLoader workers may be spawned)."""

    def __init__(self, kind: str, params: dict[str, Any], *, quantize: bool, clip: bool) -> None:
        if kind not in NOISE:
            raise KeyError(f"unknown noise {kind!r}; known: {', '.join(NOISE)}")
        self.kind, self.params, self.quantize, self.clip = kind, params, quantize, clip

    def __call__(self, clean: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float]:
        noisy, level, _ = self.sample(clean, rng)
        return noisy, level

    def sample(self, clean: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float, np.ndarray]:
        """``(noisy, level, target)``: the target is ``clean`` unless the noise model develops
        it too (realistic noise: what the camera would have made of a noise-free exposure)."""
        out = NOISE[self.kind](clean, rng, **self.params)
        noisy, level = out[0], out[1]
        target = out[2] if len(out) > 2 else clean
        if self.quantize:
            noisy = quantize_8bit(noisy)
        elif self.clip:
            noisy = np.clip(noisy, 0.0, 1.0)
        return noisy, level, target


def make_noise(cfg: Any, *, sigma: Any = None) -> NoiseModel:
    """The noise of a :class:`~training.config.NoiseConfig`; ``sigma`` overrides the configured σ
    (validation at one fixed level)."""
    params = dict(sigma=cfg.sigma if sigma is None else sigma, amount=cfg.amount,
                  salt_ratio=cfg.salt_ratio, scale=cfg.scale, jpeg_quality=list(cfg.jpeg_quality))
    if cfg.kind in ("bayer", "photon"):
        params.update(shot=list(cfg.shot))
    if cfg.kind == "realistic":
        params.update(awgn_fraction=cfg.awgn_fraction, jpeg_fraction=cfg.jpeg_fraction, shot=list(cfg.shot),
                      nr_fraction=cfg.nr_fraction, jpeg_target=cfg.jpeg_target, coarse_fraction=cfg.coarse_fraction)
    return NoiseModel(cfg.kind, params, quantize=bool(cfg.quantize_8bit), clip=bool(cfg.clip))
