"""Classical (non-learned) denoisers behind the same ``Denoiser`` protocol as the networks.

Non-local means, bilateral, median and Gaussian come from OpenCV; BM3D from the optional
``bm3d`` package (imported only when used). Each takes σ on the 0–255 scale (``None`` →
``noise_estimate.estimate_sigma``) and ties its own strength parameter to it with constants
tuned on Set12 (gray) and BSDS500 crops (color) at σ = 15/25/50.

Precision: bilateral, median, Gaussian and BM3D work in float32, so 16-bit images keep their
precision. OpenCV's NLM only takes 8-bit data (its 16-bit mode lacks the color variant and uses
another distance), so NLM quantises the image — stretched to the full 0–255 range first, so a
dim 16-bit scan still gets 256 levels — and adds the *correction* it computes to the original
float image: smooth 16-bit gradients do not turn into 8-bit bands.
"""

from __future__ import annotations

import importlib.util
from typing import Callable

import cv2
import numpy as np

from ..progress import NOOP, Progress

__all__ = [
    "ClassicalDenoiser",
    "NLMDenoiser",
    "BilateralDenoiser",
    "MedianDenoiser",
    "GaussianDenoiser",
    "BM3DDenoiser",
    "CLASSICAL",
    "get_classical",
]

STRIP_ROWS = 256  # NLM runs in horizontal strips so it can report progress and be cancelled


class ClassicalDenoiser:
    """Base: σ handling, input checks, strength blending. Subclasses implement ``_filter``."""

    id: str = ""
    name: str = ""
    description: str = ""
    takes_sigma: bool = True
    channels: tuple[int, ...] = (1, 3)
    kind = "classical"

    def available(self) -> bool:
        return True

    def denoise(
        self,
        img: np.ndarray,
        sigma: float | None = None,
        strength: float = 1.0,
        progress: Progress = NOOP,
    ) -> np.ndarray:
        """``img`` float32 H×W×C (C = 1 or 3) in [0, 1]; σ on the 0–255 scale; same shape out."""
        x = _as_float_hwc(img)
        if not 0.0 <= strength <= 1.0:
            raise ValueError(f"strength must be within [0, 1], got {strength}")
        if sigma is None:
            from ..noise_estimate import estimate_sigma  # noqa: PLC0415 - sibling module, lazy

            sigma = float(estimate_sigma(x))
        sigma = float(sigma)
        if not np.isfinite(sigma) or sigma < 0:
            raise ValueError(f"sigma must be a finite value ≥ 0 (0–255 scale), got {sigma}")
        progress.check_cancelled()
        if sigma == 0.0 or strength == 0.0:
            out = x.copy()
        else:
            out = self._filter(x, sigma, progress)
            out = np.clip(out, 0.0, 1.0).astype(np.float32, copy=False)
            if strength < 1.0:
                out = (strength * out + (1.0 - strength) * x).astype(np.float32)
        progress.set(1.0, f"{self.name} done")
        return out.reshape(np.shape(img)) if np.ndim(img) == 2 else out

    def _filter(self, x: np.ndarray, sigma: float, progress: Progress) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"


def _as_float_hwc(img: np.ndarray) -> np.ndarray:
    a = np.asarray(img)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 3):
        raise ValueError(f"expected an H×W×C image with 1 or 3 channels, got shape {np.shape(img)}")
    if a.dtype in (np.uint8, np.uint16):
        return a.astype(np.float32) / np.float32(np.iinfo(a.dtype).max)
    return np.ascontiguousarray(a, dtype=np.float32)


def _per_channel(fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """OpenCV drops a trailing length-1 axis; keep H×W×C."""
    out = fn(x[:, :, 0] if x.shape[2] == 1 else x)
    return out.reshape(x.shape)


# --------------------------------------------------------------------------- non-local means


class NLMDenoiser(ClassicalDenoiser):
    id = "nlm"
    name = "Non-local means (OpenCV)"
    description = "Averages similar patches across a search window (Buades et al. 2005); OpenCV's fast NLM."

    # h = factor(σ) · σ (0–255 scale), interpolated between the values tuned at these σ (search
    # window 21): gray on Set12 (01, 05, 08), color on three BSDS500 training crops
    SIGMAS = (15.0, 25.0, 50.0)
    H_GRAY = (1.15, 1.0, 0.85)
    H_COLOR = (0.5, 0.6, 0.6)  # luminance, fastNlMeansDenoisingColored's h
    H_CHROMA = 0.75  # its hColor, · σ
    SEARCH = 21

    def params(self, sigma: float, color: bool) -> tuple[float, float, int]:
        """(h, hColor, template size) for σ on the 0–255 scale."""
        table = self.H_COLOR if color else self.H_GRAY
        h = float(np.interp(sigma, self.SIGMAS, table)) * sigma
        template = 3 if color or sigma <= 20 else 5
        return h, self.H_CHROMA * sigma, template

    def _filter(self, x: np.ndarray, sigma: float, progress: Progress) -> np.ndarray:
        lo, hi = float(x.min()), float(x.max())
        span = max(hi - lo, 1e-6)
        scale = 255.0 / span  # stretch to 0–255 so dim high-bit-depth images keep 256 levels
        q = np.clip(np.rint((x - lo) * scale), 0, 255).astype(np.uint8)
        color = x.shape[2] == 3
        # σ in the stretched units; the tuned factors depend on the image's own σ
        h, h_chroma, template = self.params(sigma, color)
        h, h_chroma = h * scale / 255.0, h_chroma * scale / 255.0
        search = self.SEARCH

        def run(block: np.ndarray) -> np.ndarray:
            if color:
                return cv2.fastNlMeansDenoisingColored(block, None, h, h_chroma, template, search)
            return cv2.fastNlMeansDenoising(block[:, :, 0], None, h, template, search)[:, :, None]

        radius = template // 2 + search // 2
        dq = _by_strips(run, q, radius, progress)
        # apply the 8-bit correction to the full-precision image (keeps sub-LSB gradients)
        return x + (dq.astype(np.float32) - q.astype(np.float32)) / np.float32(scale)


def _by_strips(fn: Callable[[np.ndarray], np.ndarray], img: np.ndarray, radius: int, progress: Progress,
               rows: int | None = None) -> np.ndarray:
    """Run a local filter strip by strip with ``radius`` rows of context: same result as one call
    (every output row sees all the rows it depends on), plus progress and cancel between strips."""
    rows = rows or STRIP_ROWS
    h = img.shape[0]
    if h <= rows + 2 * radius:
        progress.set(0.0, "filtering")
        return fn(img)
    out = np.empty_like(img)
    starts = range(0, h, rows)
    for i, y0 in enumerate(starts):
        progress.check_cancelled()
        progress.set(i / len(starts), f"rows {y0}–{min(h, y0 + rows)} of {h}")
        a, b = max(0, y0 - radius), min(h, y0 + rows + radius)
        res = fn(np.ascontiguousarray(img[a:b]))
        out[y0 : min(h, y0 + rows)] = res[y0 - a : y0 - a + min(rows, h - y0)]
    return out


# --------------------------------------------------------------------------- simple filters


class BilateralDenoiser(ClassicalDenoiser):
    id = "bilateral"
    name = "Bilateral filter (OpenCV)"
    description = "Edge-preserving weighted average over space and intensity (Tomasi & Manduchi 1998)."
    RANGE = 3.0  # sigmaColor = RANGE · σ (tuned on Set12 at σ 15/25/50, like the others)
    SPACE = 1.0  # sigmaSpace in px; grows a little with σ

    def _filter(self, x: np.ndarray, sigma: float, progress: Progress) -> np.ndarray:
        s = sigma / 255.0
        space = self.SPACE + sigma / 50.0
        d = int(2 * round(2 * space) + 1)
        return _per_channel(lambda a: cv2.bilateralFilter(a, d, self.RANGE * s, space), x)


class MedianDenoiser(ClassicalDenoiser):
    id = "median"
    name = "Median filter (OpenCV)"
    description = "Median of a 3×3 or 5×5 window: good for impulse noise, blurs Gaussian noise."

    def _filter(self, x: np.ndarray, sigma: float, progress: Progress) -> np.ndarray:
        k = 3 if sigma < 20 else 5  # OpenCV's float median takes only 3 or 5
        return _per_channel(lambda a: cv2.medianBlur(a, k), x)


class GaussianDenoiser(ClassicalDenoiser):
    id = "gaussian"
    name = "Gaussian blur (OpenCV)"
    description = "Gaussian low-pass; the simplest baseline (removes noise and detail alike)."

    PX = (0.6, 1 / 80)  # blur width in px = PX[0] + PX[1]·σ

    def _filter(self, x: np.ndarray, sigma: float, progress: Progress) -> np.ndarray:
        spx = self.PX[0] + self.PX[1] * sigma
        return _per_channel(lambda a: cv2.GaussianBlur(a, (0, 0), spx, borderType=cv2.BORDER_REFLECT), x)


# --------------------------------------------------------------------------- BM3D (optional)


class BM3DDenoiser(ClassicalDenoiser):
    id = "bm3d"
    name = "BM3D"
    description = "Block matching and 3-D collaborative filtering (Dabov et al. 2007), via the optional 'bm3d' package."

    def available(self) -> bool:
        # find_spec, not import: importing bm3d pulls SciPy and takes seconds (listing must be quick)
        try:
            return importlib.util.find_spec("bm3d") is not None
        except (ImportError, ValueError):
            return False

    def _filter(self, x: np.ndarray, sigma: float, progress: Progress) -> np.ndarray:
        try:
            import bm3d  # noqa: PLC0415 - optional dependency
        except ImportError as e:
            raise RuntimeError("BM3D needs the optional 'bm3d' package: install the 'bm3d' extra") from e
        progress.set(0.0, "BM3D (one step, cannot be interrupted)")
        s = sigma / 255.0
        if x.shape[2] == 3:
            out = bm3d.bm3d_rgb(x.astype(np.float64), s)
        else:
            out = bm3d.bm3d(x[:, :, 0].astype(np.float64), s)
        return np.asarray(out, dtype=np.float32).reshape(x.shape)


CLASSICAL: dict[str, ClassicalDenoiser] = {
    d.id: d for d in (NLMDenoiser(), BM3DDenoiser(), BilateralDenoiser(), MedianDenoiser(), GaussianDenoiser())
}


def get_classical(denoiser_id: str) -> ClassicalDenoiser:
    try:
        return CLASSICAL[denoiser_id]
    except KeyError:
        raise KeyError(f"unknown classical denoiser {denoiser_id!r}; known: {', '.join(CLASSICAL)}") from None
