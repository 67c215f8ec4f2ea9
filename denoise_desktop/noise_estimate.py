"""Blind estimate of the noise level of an image, on the 0–255 scale.

:func:`estimate_sigma` is what "Auto" uses: the learned estimator (``models/noise_level.py``,
bundled in ``resources/estimators``) that reads real camera noise and JPEGs, and falls back to
the white-Gaussian PCA estimate :func:`estimate_sigma_awgn` where torch or the weights are
missing. Both answer the same question: the standard deviation of the noise (0–255), before
JPEG compression — exactly σ for Gaussian noise — which is what the σ-aware networks take.

The PCA estimate: Chen, Zhu & Heng, "An Efficient Statistical Method for Image Noise Level Estimation" (ICCV
2015): eigenvalues of the covariance of overlapping patches. Image structure concentrates in a
few large eigenvalues; the remaining ones are noise, whose variance is found as the largest tail
of eigenvalues whose mean equals its median. It is far less fooled by texture than Immerkaer's
Laplacian or the wavelet-MAD estimator. All channels are treated jointly (patches are
``p×p×C``), which assumes the same σ in every channel.

When torch is already loaded (the networks run in this process) the linear algebra runs in its
thread pool: numpy's OpenBLAS threads keep spinning after a call and slowed the network's next
forward pass by ~2× on a 2-core CPU (``benchmarks/speed.py``, σ-estimated rows).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

__all__ = ["estimate_sigma", "estimate_noise", "with_coarse", "NoiseEstimate", "estimate_sigma_awgn", "learned_estimator_available", "ESTIMATOR_NAME"]

_PATCH = 8
_MAX_PATCHES = 60_000  # enough for a stable 64..192-dim covariance; keeps big photos fast


@dataclass(frozen=True)
class NoiseEstimate:
    level: float  # what Auto uses (0–255)
    correlated: bool  # camera/JPEG noise (PCA sees little of it): the real-noise model's case
    pca: float
    learned: float | None  # None without the estimator's weights
    coarse: float | None = None  # the learned level read at half scale (×2), for correlated noise

    @property
    def kind(self) -> str:
        """What the status line, Batch Details and the CLI call the noise found."""
        return "camera/JPEG noise" if self.correlated else "white noise"


def estimate_sigma(img: np.ndarray) -> float:
    """Noise level of ``img`` (float H×W or H×W×C in [0, 1]) on the **0–255 scale**: the learned
    estimator where it is available, else :func:`estimate_sigma_awgn`."""
    return estimate_noise(img).level


def estimate_noise(img: np.ndarray) -> NoiseEstimate:
    """:func:`estimate_sigma`'s level, and whether the noise is correlated (see below)."""
    from . import noise_level_estimator

    level = noise_level_estimator.estimate(img)
    pca = estimate_sigma_awgn(img)
    if level is None:
        return NoiseEstimate(pca, False, pca, None)
    # White noise: the PCA estimate sees (nearly) all of it and is the more precise of the two
    # (±2 % on Set12, where the network reads up to 1.5× on texture). Correlated noise —
    # demosaiced, processed, JPEG'd with 4:2:0 chroma — hides from PCA's finest scale: it reads
    # 0.01–0.26× the network's level there (PolyU, noisy 4:2:0 JPEGs) against ≥ 0.26× (10th
    # percentile ≥ 0.53×) on white noise; then the network's level is the one to trust.
    white = pca >= WHITE_AGREEMENT * level
    big = min(np.shape(img)[:2]) >= 16
    if white:
        gray = np.ndim(img) == 2 or np.shape(img)[2] == 1
        if gray and big and pca < GRAY_PCA_AGREEMENT * level:
            # A gray photo from a camera (the luma of a demosaiced, noise-reduced JPEG) keeps more
            # of its noise at the finest scale than a colour one (no 4:2:0 chroma), so PCA reads
            # 0.2–1.4× the network's level and the first test calls it white; its half-scale
            # reading, though, is ≥ 1.5× both full-scale ones (PolyU luma: median 2.1), which
            # white noise on gray photos never showed together with a PCA this low (Set12 and
            # BSDS500 gray, σ 0–50, PNG and JPEG: ``benchmarks/experiments/gray_camera_level.py``).
            coarse = noise_level_estimator.estimate(img, scale=2)
            if coarse is not None and coarse > GRAY_COARSE_RATIO * max(pca, level):
                return NoiseEstimate(with_coarse(level, coarse), True, pca, level, coarse)
        return NoiseEstimate(pca, False, pca, level)
    coarse = noise_level_estimator.estimate(img, scale=2) if big else None
    return NoiseEstimate(with_coarse(level, coarse), True, pca, level, coarse)


def with_coarse(level: float, coarse: float | None) -> float:
    """The level for correlated noise, given its full- and half-scale readings.

    Camera JPEGs keep noise that spans several pixels (in-camera noise reduction, demosaicing,
    4:2:0 chroma): the full-scale reading sees about 0.6× of it on PolyU, and the network then
    leaves it in; the half-scale reading (×2) sees it (1.2× the RMS there, +0.6 dB one pass,
    ``benchmarks/experiments/coarse_level.py``). On Gaussian noise saved as a JPEG it over-reads (texture),
    costing 0.2–0.3 dB at σ 15–25, so it counts fully below a level of ``COARSE_FULL`` — where
    camera noise lives — and fades out by ``COARSE_NONE``, keeping strong noise as before.
    """
    if coarse is None or coarse <= level:
        return level
    weight = min(1.0, max(0.0, (COARSE_NONE - level) / (COARSE_NONE - COARSE_FULL)))
    return level + weight * (coarse - level)


def learned_estimator_available() -> bool:
    from . import noise_level_estimator

    return noise_level_estimator.available()


ESTIMATOR_NAME = "noise level (RMS, 0–255, before JPEG)"
WHITE_AGREEMENT = 0.3  # PCA ≥ this × the network's level: the noise is white, take PCA
COARSE_FULL, COARSE_NONE = 8.0, 15.0  # full-scale levels where the half-scale reading counts fully / not at all
GRAY_PCA_AGREEMENT = 0.6  # gray: PCA below this × the network's level may hide camera noise …
GRAY_COARSE_RATIO = 1.5  # … if the half-scale reading is above this × both full-scale readings


def estimate_sigma_awgn(img: np.ndarray, patch: int = _PATCH, seed: int = 0) -> float:
    """σ of additive white Gaussian noise in ``img`` (float H×W or H×W×C in [0, 1]) on the
    **0–255 scale** (PCA of patches; real camera noise and JPEGs read far too low)."""
    x = np.asarray(img, dtype=np.float32)  # float64 only for sums and the covariance
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3:
        raise ValueError(f"expected an H×W or H×W×C image, got shape {x.shape}")
    h, w, c = x.shape
    if h < patch or w < patch:
        raise ValueError(f"image too small to estimate noise ({h}×{w}, need {patch}×{patch})")
    # Patch corners on the densest grid within the budget: more patches tighten the spread of
    # the noise eigenvalues (Marchenko–Pastur), which matters at high σ.
    ny, nx = h - patch + 1, w - patch + 1
    stride = max(1, int(np.ceil(np.sqrt(ny * nx / _MAX_PATCHES))))
    win = np.lib.stride_tricks.sliding_window_view(x, (patch, patch), axis=(0, 1))  # ny×nx×C×p×p
    win = win[::stride, ::stride]  # still a view: only the reshape below copies
    patches = win.reshape(win.shape[0] * win.shape[1], -1)
    if patches.shape[0] > _MAX_PATCHES:
        keep = np.random.default_rng(seed).choice(patches.shape[0], _MAX_PATCHES, replace=False)
        patches = patches[keep]
    means = patches.mean(axis=1, dtype=np.float64)
    # Centred once, so the float32 Gram matrix (the whole cost) loses no precision to the
    # pixel level; sums and eigenvalues are float64.
    centred = patches - patches.mean(axis=0, dtype=np.float64).astype(np.float32)
    gram, total = _gram(centred), centred.sum(axis=0, dtype=np.float64)
    n = centred.shape[0]
    sigma = _pca_sigma(gram, total, n)
    # Near black or white, noise is clipped away and σ comes out low (badly so at high σ).
    # Drop patches whose *mean* lies within 2σ of either limit and estimate again. Selecting on
    # the mean, not on individual pixels, does not favour patches with small noise excursions.
    margin = 2.0 * sigma
    inside = (means > margin) & (means < 1.0 - margin)
    n_in = int(np.count_nonzero(inside))
    # 2 % of the patches is enough: on a dark photo at σ = 50 only ~4 % stay clear of black,
    # and the covariance of the unclipped few beats that of the clipped many.
    if n_in < n and n_in >= max(4 * centred.shape[1], n // 50):
        if n_in >= n // 2:  # the inside patches' Gram matrix is the whole one less the rest
            out = centred[~inside]
            sigma = _pca_sigma(gram - _gram(out), total - out.sum(axis=0, dtype=np.float64), n_in)
        else:
            sub = centred[inside]
            sigma = _pca_sigma(_gram(sub), sub.sum(axis=0, dtype=np.float64), n_in)
    return float(sigma * 255.0)


def _gram(a: np.ndarray) -> np.ndarray:
    torch = sys.modules.get("torch")  # see the module docstring: one thread pool, not two
    if torch is not None:
        t = torch.from_numpy(a)
        return (t.T @ t).double().numpy()
    return (a.T @ a).astype(np.float64)


def _eigvalsh(cov: np.ndarray) -> np.ndarray:
    torch = sys.modules.get("torch")
    if torch is not None:
        return torch.linalg.eigvalsh(torch.from_numpy(cov)).numpy()
    return np.linalg.eigvalsh(cov)


def _pca_sigma(gram: np.ndarray, total: np.ndarray, n: int) -> float:
    """σ (0–1 scale) from the patch covariance, given the patches' Gram matrix ``Σ p pᵀ``,
    their sum ``Σ p`` and their number."""
    mean = total / n
    return _tail_sigma(_eigvalsh(gram / n - np.outer(mean, mean)))


def _tail_sigma(eigenvalues: np.ndarray) -> float:
    """Chen et al.: the noise variance is the mean of the largest tail of eigenvalues whose
    mean equals its median."""
    eig = np.sort(np.clip(eigenvalues, 0.0, None))  # ascending
    d = eig.size
    tau = eig[0]
    for k in range(d, 0, -1):  # try the largest tail first
        tail = eig[:k]
        tau = tail.mean()
        if np.sum(tail > tau) == np.sum(tail < tau):
            break
    return float(np.sqrt(max(tau, 0.0)))
