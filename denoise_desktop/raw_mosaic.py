"""Camera RAW denoised on the Bayer mosaic, before demosaicing.

On the mosaic, sensor noise is still white and exactly Poisson–Gaussian (photon counts plus read
noise), per colour plane; demosaicing, white balance and the tone curve then spread it over
neighbours and make it depend on colour and brightness in ways only a guess at the pipeline can
undo. So: black level subtracted, the four CFA planes (R, G₁, G₂, B at half size each) packed,
(a, b) fitted per plane (``noise.poisson_gaussian``), each plane stabilised, denoised by the gray
Gaussian network and inverted without bias (``noise.stabilised``), and written back into LibRaw's
raw buffer, which is then developed as before (``imageio.raw.read_raw``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .noise import fit_poisson_gaussian
from .noise.stabilised import StabilisedDenoiser
from .noise_estimate import estimate_sigma_awgn
from .progress import NOOP, Progress

__all__ = ["denoise_bayer", "denoise_raw_buffer", "OFFSETS"]

OFFSETS = ((0, 0), (0, 1), (1, 0), (1, 1))  # the 2×2 CFA cell, row-major


def denoise_bayer(mosaic: np.ndarray, denoiser: Any, progress: Progress = NOOP) -> tuple[np.ndarray, dict]:
    """Denoise a black-subtracted, white-normalised Bayer mosaic (float H×W, ~[0, 1]).

    ``denoiser`` is a σ-taking gray network (``NetworkDenoiser``); a plane whose noise does not
    grow with the signal (or cannot be fitted) is denoised as white noise at its PCA level.
    Returns the mosaic and ``info`` (the fits per plane)."""
    x = np.asarray(mosaic, dtype=np.float32)
    h2, w2 = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
    out = x.copy()
    stab = StabilisedDenoiser(denoiser)
    fits: list[dict | None] = []
    for k, (i, j) in enumerate(OFFSETS):
        sub = progress.sub(k / 4, (k + 1) / 4)
        plane = x[i:h2:2, j:w2:2]
        fit = fit_poisson_gaussian(np.clip(plane, 0.0, 1.0))
        if fit is not None and fit.a > 0:
            den = stab.denoise(plane, fits=[fit], progress=sub)
            fits.append(fit.to_dict(1.0))
        else:
            level = estimate_sigma_awgn(np.clip(plane, 0.0, 1.0))
            den = denoiser.denoise(np.clip(plane, 0.0, 1.0), sigma=level, progress=sub)
            fits.append(None)
        out[i:h2:2, j:w2:2] = np.asarray(den, dtype=np.float32).reshape(plane.shape)
    return out, {"mosaic_fits": fits}


def denoise_raw_buffer(raw: Any, denoiser: Any, progress: Progress = NOOP) -> dict:
    """Denoise a ``rawpy`` image's Bayer data in place (before ``postprocess``); returns info
    (fits per CFA plane on the 0–1 scale of white − black, the camera's ISO). Raises
    ``ValueError`` for sensors that are not 2×2 Bayer (X-Trans, Foveon, linear DNG)."""
    pattern = np.asarray(raw.raw_pattern) if raw.raw_pattern is not None else None
    if pattern is None or pattern.shape != (2, 2) or raw.num_colors < 3:
        raise ValueError("the mosaic path needs a 2×2 Bayer sensor; this file has another layout")
    s = raw.sizes
    buf = raw.raw_image[s.top_margin : s.top_margin + s.height, s.left_margin : s.left_margin + s.width]
    black = np.asarray(raw.black_level_per_channel, dtype=np.float32)
    white = float(raw.white_level)
    # per-pixel black level and range, from the CFA colour index of each cell position
    cell_black = np.array([[black[pattern[i, j]] for j in range(2)] for i in range(2)], dtype=np.float32)
    h, w = buf.shape
    blk = np.tile(cell_black, (h // 2 + 1, w // 2 + 1))[:h, :w]
    rng_ = np.maximum(white - blk, 1.0)
    mosaic = (buf.astype(np.float32) - blk) / rng_
    out, info = denoise_bayer(mosaic, denoiser, progress)
    buf[...] = np.clip(np.rint(out * rng_ + blk), 0, white).astype(buf.dtype)
    iso = None
    try:
        iso = float(raw.other.iso_speed) or None
    except Exception:  # noqa: BLE001 - older rawpy without `other`: no ISO, same result
        pass
    info["iso"] = iso
    return info
