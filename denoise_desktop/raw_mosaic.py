"""Camera RAW denoised on the Bayer mosaic, before demosaicing.

On the mosaic, sensor noise is still white and exactly Poisson–Gaussian (photon counts plus read
noise) with one law for every photosite in raw units; demosaicing, white balance and the tone
curve then spread it over neighbours and make it depend on colour and brightness in ways only a
guess at the pipeline can undo. So: black level subtracted, (a, b) fitted on the mosaic
(``fit_mosaic``: the two greens of each cell), the mosaic stabilised (generalised Anscombe), its
remaining noise level read on the four packed CFA planes (the fit can only over-read, through
texture), denoised, inverted without bias (``noise.stabilised``), written back into LibRaw's raw
buffer and developed as before (``imageio.raw.read_raw``).

Two kinds of network do the denoising:

- a **mosaic network** (card ``"input": "raw_mosaic"``, e.g. the bundled ``raw_bayer``): one
  pass over the whole RGGB-aligned mosaic; its ×2 unshuffle head sees the four planes packed and
  denoises them jointly (trained on synthetic RAW, ``training.bayer``). No flip/rotation
  ensemble: a turned mosaic is another CFA pattern.
- any σ-taking **gray network**: each half-size CFA plane on its own (``denoise_planes``; kept
  for comparison, it trails develop-then-denoise: ``benchmarks/raw_mosaic.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .noise import fit_poisson_gaussian
from .noise.poisson_gaussian import PoissonGaussianFit, fit_mosaic
from .noise.stabilised import StabilisedDenoiser, stabilise, unstabilise
from .noise_estimate import estimate_sigma_awgn
from .progress import NOOP, Progress

__all__ = ["NotBayer", "denoise_bayer", "denoise_planes", "denoise_raw_buffer", "develop_denoised", "is_mosaic_network",
           "pattern_name", "OFFSETS", "MOSAIC_INPUT", "ROUTE"]

OFFSETS = ((0, 0), (0, 1), (1, 0), (1, 1))  # the 2×2 CFA cell, row-major
MOSAIC_INPUT = "raw_mosaic"  # a card's "input" for networks trained on RGGB mosaics
ROUTE = "raw mosaic"  # info["route"] of a RAW denoised before development
# Rows / columns to add at the top / left (by reflection, which keeps every photosite's colour)
# so that a pattern starts with red: the mosaic network was trained on RGGB.
_TO_RGGB = {"RGGB": (0, 0), "GRBG": (0, 1), "GBRG": (1, 0), "BGGR": (1, 1)}
_MIN_A = 1e-7  # a raw mosaic always has some shot noise; a flat fit (a ≤ 0) gets this floor


class NotBayer(ValueError):
    """The RAW file's sensor is not a 2×2 RGB Bayer mosaic (X-Trans, Foveon, linear DNG): the
    caller develops it first instead."""


def is_mosaic_network(denoiser: Any) -> bool:
    """Whether ``denoiser`` is a network trained on RGGB mosaics (its card says so)."""
    return getattr(denoiser, "input_kind", "image") == MOSAIC_INPUT


def pattern_name(raw_pattern: np.ndarray, color_desc: bytes | str = b"RGBG") -> str:
    """"RGGB" etc. from LibRaw's 2×2 ``raw_pattern`` (colour indices into ``color_desc``)."""
    desc = color_desc.decode() if isinstance(color_desc, bytes) else str(color_desc)
    return "".join(desc[int(i)] for i in np.asarray(raw_pattern).ravel()[:4])


def denoise_bayer(mosaic: np.ndarray, denoiser: Any, progress: Progress = NOOP,
                  pattern: str = "RGGB", fit: PoissonGaussianFit | None = None) -> tuple[np.ndarray, dict]:
    """Denoise a black-subtracted, white-normalised Bayer mosaic (float H×W, ~[0, 1]) with a
    mosaic network, or plane by plane with a gray one. Returns the mosaic and ``info``.
    ``fit``: known noise parameters (no fit, no level check), for benchmarks."""
    if not is_mosaic_network(denoiser):
        return denoise_planes(mosaic, denoiser, progress)
    if pattern not in _TO_RGGB:
        raise ValueError(f"unknown Bayer pattern {pattern!r}; expected one of {', '.join(_TO_RGGB)}")
    x = np.asarray(mosaic, dtype=np.float32)
    h, w = x.shape
    dy, dx = _TO_RGGB[pattern]
    # top/left to start on red, bottom/right to even sizes; reflection keeps each site's colour
    xp = np.pad(x, ((dy, (h + dy) % 2), (dx, (w + dx) % 2)), mode="reflect")
    known = fit is not None
    fit = fit or fit_mosaic(xp)
    fitted = fit is not None and fit.a > 0
    if not fitted:  # no growth with the signal found: near-white noise, a floor for the transform
        var = (estimate_sigma_awgn(_packed(np.clip(xp, 0.0, 1.0))) / 255.0) ** 2
        fit = PoissonGaussianFit(a=_MIN_A, b=max(var, 1e-8), lo=0.0, hi=1.0, sets=0, blocks=0)
    u, scale, lows = stabilise(xp[:, :, None], [fit])
    level_fit = 255.0 / scale
    level = level_fit if known else _level(level_fit, u[:, :, 0])
    passes = getattr(denoiser, "ensemble", 1)
    try:
        if passes != 1:
            denoiser.set_ensemble(1)
        out_u = denoiser.denoise(u[:, :, 0], sigma=level, progress=progress)
    finally:
        if passes != 1:
            denoiser.set_ensemble(passes)
    out = unstabilise(np.asarray(out_u, np.float32).reshape(u.shape), [fit], scale, lows)[:, :, 0]
    info = {"mosaic_fit": fit.to_dict(1.0) if fitted else None, "pattern": pattern,
            "stabilised_level": level, "fit_level": level_fit, "model_used": getattr(denoiser, "id", None)}
    return np.ascontiguousarray(out[dy : dy + h, dx : dx + w]), info


def _level(level_fit: float, u: np.ndarray) -> float:
    """The stabilised noise level the network gets: the fit's, unless the stabilised mosaic's own
    noise (PCA on the four packed planes) reads lower — texture can only make the fit over-read."""
    return min(level_fit, estimate_sigma_awgn(_packed(u)))


def _packed(m: np.ndarray) -> np.ndarray:
    h, w = m.shape[0] // 2 * 2, m.shape[1] // 2 * 2
    return np.stack([m[i:h:2, j:w:2] for i, j in OFFSETS], axis=2)


def denoise_planes(mosaic: np.ndarray, denoiser: Any, progress: Progress = NOOP) -> tuple[np.ndarray, dict]:
    """Each half-size CFA plane on its own: (a, b) fitted per plane, stabilised, denoised by a
    σ-taking gray network (``NetworkDenoiser``); a plane whose noise does not grow with the signal
    (or cannot be fitted) is denoised as white noise at its PCA level."""
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


def denoise_raw_buffer(raw: Any, denoiser: Any, progress: Progress = NOOP, strength: float = 1.0) -> dict:
    """Denoise a ``rawpy`` image's Bayer data in place (before ``postprocess``); returns info
    (the fit on the 0–1 scale of white − black, the pattern, the camera's ISO). ``strength`` < 1
    mixes the noisy mosaic back in. Raises ``NotBayer`` (before changing anything) for sensors
    that are not 2×2 Bayer (X-Trans, Foveon, linear DNG)."""
    pattern = np.asarray(raw.raw_pattern) if raw.raw_pattern is not None else None
    if pattern is None or pattern.shape != (2, 2) or raw.num_colors < 3:
        raise NotBayer("the mosaic path needs a 2×2 Bayer sensor; this file has another layout")
    name = pattern_name(pattern, getattr(raw, "color_desc", b"RGBG"))
    if sorted(name) != sorted("RGGB"):
        raise NotBayer(f"the mosaic path needs an RGB Bayer sensor; this one is {name}")
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
    out, info = denoise_bayer(mosaic, denoiser, progress, pattern=name)
    if strength != 1.0:
        out = strength * out + (1.0 - strength) * mosaic
    buf[...] = np.clip(np.rint(out * rng_ + blk), 0, white).astype(buf.dtype)
    iso = None
    try:
        iso = float(raw.other.iso_speed) or None
    except Exception:  # noqa: BLE001 - older rawpy without `other`: no ISO, same result
        pass
    info["iso"] = iso
    return info


def develop_denoised(path: Any, denoiser: Any, *, color_space: str = "srgb", strength: float = 1.0,
                     progress: Progress = NOOP) -> tuple[Any, dict]:
    """A camera RAW file denoised on its mosaic, then developed as ``imageio.raw.read_raw`` develops
    any RAW: ``(ImageData, info)`` with ``info`` shaped like ``engine.denoise_image``'s (model,
    route, the fit, seconds). The file is only read."""
    import time

    from .imageio.raw import read_raw

    t0 = time.perf_counter()
    info: dict[str, Any] = {}

    def hook(raw: Any) -> None:
        info.update(denoise_raw_buffer(raw, denoiser, progress, strength))

    img = read_raw(path, color_space=color_space, before_develop=hook)
    model = getattr(denoiser, "id", type(denoiser).__name__)
    info.update(model=model, model_used=info.get("model_used") or model, route=ROUTE, sigma_used=None,
                sigma_estimated=None, noise_kind="sensor noise on the RAW mosaic",
                seconds=time.perf_counter() - t0, tiles=1)
    if strength != 1.0:
        info["luma_strength"] = strength
    progress.set(1.0, "developed")
    return img, info
