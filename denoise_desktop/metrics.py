"""Image quality metrics: PSNR, SSIM, MSE, MAE.

Arrays are H×W or H×W×C. ``data_range`` defaults from the dtype (uint8 → 255, uint16 → 65535,
float → 1.0). SSIM reproduces ``skimage.metrics.structural_similarity(..., gaussian_weights=True,
sigma=1.5, use_sample_covariance=False, data_range=R, channel_axis=-1)`` without needing
scikit-image (a dev-only dependency): Gaussian 11×11 window, symmetric borders, 5-pixel crop.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["psnr", "ssim", "mse", "mae", "all_metrics", "default_data_range", "same_scene", "scene_correlation",
           "SSIM_WINDOW"]

_SIGMA = 1.5
_RADIUS = int(3.5 * _SIGMA + 0.5)  # scipy's truncate=3.5 → 5, window 11
SSIM_WINDOW = 2 * _RADIUS + 1  # the smallest side SSIM can measure
_K1, _K2 = 0.01, 0.03


def default_data_range(a: np.ndarray) -> float:
    a = np.asarray(a)
    if a.dtype == np.uint8:
        return 255.0
    if a.dtype == np.uint16:
        return 65535.0
    if a.dtype.kind in "iu":
        raise ValueError(f"give data_range explicitly for {a.dtype} arrays")
    return 1.0


def _pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} vs {b.shape}")
    if a.size == 0:
        raise ValueError("empty images")
    return a.astype(np.float64), b.astype(np.float64)


def mse(a: np.ndarray, b: np.ndarray) -> float:
    x, y = _pair(a, b)
    return float(np.mean((x - y) ** 2))


def mae(a: np.ndarray, b: np.ndarray) -> float:
    x, y = _pair(a, b)
    return float(np.mean(np.abs(x - y)))


def psnr(a: np.ndarray, b: np.ndarray, data_range: float | None = None) -> float:
    """Peak signal-to-noise ratio in dB; ``inf`` for identical images."""
    r = default_data_range(a) if data_range is None else float(data_range)
    err = mse(a, b)
    if err == 0:
        return math.inf
    return float(10.0 * np.log10(r * r / err))


def _gauss_kernel() -> np.ndarray:
    x = np.arange(-_RADIUS, _RADIUS + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / _SIGMA) ** 2)
    return k / k.sum()


def _filter(img: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Separable Gaussian over axes 0 and 1, 'reflect' borders as in scipy.ndimage."""
    r = len(k) // 2
    p = np.pad(img, ((r, r), (0, 0), (0, 0)), mode="symmetric")
    rows = sum(w * p[i : i + img.shape[0]] for i, w in enumerate(k))
    p = np.pad(rows, ((0, 0), (r, r), (0, 0)), mode="symmetric")
    return sum(w * p[:, i : i + img.shape[1]] for i, w in enumerate(k))


def ssim(a: np.ndarray, b: np.ndarray, data_range: float | None = None) -> float:
    """Mean structural similarity (averaged over channels)."""
    r = default_data_range(a) if data_range is None else float(data_range)
    x, y = _pair(a, b)
    if x.ndim == 2:
        x, y = x[:, :, None], y[:, :, None]
    if x.ndim != 3:
        raise ValueError(f"expected H×W or H×W×C images, got shape {x.shape}")
    if min(x.shape[:2]) < 2 * _RADIUS + 1:
        raise ValueError(f"SSIM needs images of at least {2 * _RADIUS + 1}×{2 * _RADIUS + 1} pixels, got {x.shape[:2]}")
    k = _gauss_kernel()
    ux, uy = _filter(x, k), _filter(y, k)
    vx = _filter(x * x, k) - ux * ux
    vy = _filter(y * y, k) - uy * uy
    vxy = _filter(x * y, k) - ux * uy
    c1, c2 = (_K1 * r) ** 2, (_K2 * r) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    s = s[_RADIUS:-_RADIUS, _RADIUS:-_RADIUS]
    return float(np.mean(s.reshape(-1, s.shape[2]).mean(axis=0)))


def all_metrics(clean: np.ndarray, test: np.ndarray, data_range: float | None = None) -> dict[str, float]:
    """``{"psnr", "ssim", "mse", "mae"}``; SSIM is NaN when the image is too small for it."""
    r = default_data_range(clean) if data_range is None else float(data_range)
    try:
        s = ssim(clean, test, r)
    except ValueError:
        if np.asarray(clean).shape != np.asarray(test).shape:
            raise
        s = math.nan
    return {"psnr": psnr(clean, test, r), "ssim": s, "mse": mse(clean, test), "mae": mae(clean, test)}


SAME_SCENE = 0.9  # see scene_correlation


def scene_correlation(a: np.ndarray, b: np.ndarray, grid: int = 32) -> float:
    """Correlation of two images' brightness averaged over a raster of up to ``grid``×``grid`` blocks.

    Averaging removes the noise, so a noisy photo and its clean version read ≥ 0.99 (PolyU's 55
    real pairs ≥ 0.997, Gaussian σ 100 ≥ 0.95) while two different photos of the same size read
    ≤ 0.72 (two crops of one circuit board). 1.0 when both images are flat and equal.
    """
    import cv2

    def raster(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim == 3:
            x = x[..., : 3 if x.shape[2] >= 3 else 1]
        step = max(1, min(x.shape[:2]) // (grid * 16))  # a big photo: every step-th pixel still
        x = x[::step, ::step]  # leaves ≥ 256 per block, and 24 MP take ~15 ms (GUI thread), not 230
        if x.dtype not in (np.uint8, np.uint16, np.float32):
            x = x.astype(np.float32)
        # blocks of ≥ 8×8 pixels: enough averaging for heavy noise on small images too
        size = (max(1, min(grid, x.shape[1] // 8)), max(1, min(grid, x.shape[0] // 8)))
        small = cv2.resize(np.ascontiguousarray(x), size,
                           interpolation=cv2.INTER_AREA).astype(np.float64) / default_data_range(x)
        return small.mean(axis=2) if small.ndim == 3 else small

    x, y = raster(a), raster(b)
    if x.shape != y.shape:
        return 0.0
    mx, my = float(x.mean()), float(y.mean())
    x, y = x - mx, y - my
    nx, ny = float(np.linalg.norm(x)), float(np.linalg.norm(y))
    if nx < 1e-6 or ny < 1e-6:  # a flat image: equal means or not
        return 1.0 if nx < 1e-6 and ny < 1e-6 and abs(mx - my) < 0.02 else 0.0
    return float(x.ravel() @ y.ravel() / (nx * ny))


def same_scene(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``b`` can be a clean (or noisy) version of ``a``: same shape, same picture."""
    return np.shape(a) == np.shape(b) and scene_correlation(a, b) >= SAME_SCENE
