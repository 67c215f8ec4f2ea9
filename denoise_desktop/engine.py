"""Run a denoising network on an image of any size: tiles, padding, precision, OOM back-off.

The tensor contract (spandrel): each tile is padded (reflect) up to the model's size requirement,
run under ``torch.inference_mode()``, clamped to [0, 1] and cropped back. Tiles overlap by at least
twice the network's reach plus a blend band (see ``tiling``; the reach is the measured
``ArchSpec.seam_reach`` where known, else the receptive field), so tiled output equals
whole-image output to within a tenth of an 8-bit level and flat gradients show no seams.
The network itself runs behind a ``runtime`` (eager or compiled, fp32/bf16/fp16).

Channel mismatches: a gray (1-channel) model on a color image denoises each RGB channel
separately (run as a batch of three); a color model on a gray image gets the gray channel
replicated to RGB and its output averaged back. Alpha never reaches the model (``ImageData``
keeps it apart).
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from . import devices
from .progress import NOOP, Progress
from .runtime import PRECISIONS, make_runtime
from .tiling import TileBlender, best_tile_shape, plan_tiles

if TYPE_CHECKING:
    from .blend import Strength

__all__ = ["NetworkDenoiser", "denoise_image", "OutOfMemory", "PRECISIONS", "ENSEMBLES", "DEFAULT_ENSEMBLE",
           "QUALITIES"]

# Self-ensemble: the model also runs on flipped/rotated copies of each tile and the results,
# turned back, are averaged: ~0.1–0.2 dB for 2–8× the time. Each prefix of this order is a group
# (identity + horizontal flip; + vertical flip + half turn; all 8 symmetries of the square), so
# every setting treats the image's orientations alike. Entries: (quarter turns, mirror left-right).
ENSEMBLES = (1, 2, 4, 8)
DEFAULT_ENSEMBLE = 2  # +0.07–0.11 dB over one pass; ~10× faster than DnCNN on photos (docs/benchmarks.md)
# The Quality choices of the app and the CLI: passes of the self-ensemble.
QUALITIES = {"fast": 1, "default": DEFAULT_ENSEMBLE, "high": 4, "best": 8}
_DIHEDRAL = ((0, False), (0, True), (2, True), (2, False), (1, False), (1, True), (3, False), (3, True))

# Automatic tiles: an area budget (as the side of a square, px) from free memory, then the tile
# shape within it that recomputes the fewest overlap pixels (``tiling.best_tile_shape``). CPU
# activations stay under ~1 GB so a 50-MP photo runs well under 3 GB of RAM in all; a GPU gets
# the biggest tile its free memory allows.
_CPU_TILE = (256, 2048)
_GPU_TILE = (256, 4096)
_CPU_BUDGET = 2**30  # bytes of (estimated) activations per tile at most on CPU
_PROBE = 64  # side of the input used to measure a model's activation sizes


class OutOfMemory(RuntimeError):
    """Even the smallest tile did not fit on the device."""


def _model_channels(model) -> int:
    hp = getattr(model, "hparams", {}) or {}
    for key in ("in_channels", "channels", "in_nc"):
        if isinstance(hp.get(key), int):
            return hp[key]
    import torch

    for m in model.modules():  # third-party models without our hparams
        if isinstance(m, torch.nn.Conv2d):
            return m.in_channels
    raise ValueError("cannot tell how many channels the model takes (no in_channels hparam)")


def _widest(model) -> int:
    """Largest conv width: a rough bound on activation values per pixel (fallback estimate)."""
    import torch

    widths = [m.out_channels for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    return 3 * max(widths, default=64)


def _align_up(v: int, m: int) -> int:
    return -(-v // m) * m


class NetworkDenoiser:
    """A ``Denoiser`` (see docs/architecture.md) around a torch model and its ``ArchSpec``.

    ``tile=None`` picks a tile size from free memory; ``overlap=None`` uses twice the reach
    (``seam_reach``, else the receptive field) plus a blend band. ``precision`` ("auto", "fp32",
    "bf16", "fp16") and ``runtime`` ("eager", "compiled"): see the ``runtime`` module.
    ``ensemble`` (1, 2, 4 or 8) averages that many flipped/rotated runs (see ``ENSEMBLES``).
    ``last_info`` holds what the last ``denoise`` did (tiles, tile size, σ estimate, device).
    ``sigma_range`` (lo, hi), from the model card, is the σ it was trained for: a σ outside it
    still runs, with a ``sigma_note`` in ``last_info`` saying so.
    """

    def __init__(self, model, spec, device: Any = "auto", tile: int | None = None,
                 overlap: int | None = None, precision: str = "auto", *, id: str | None = None,
                 name: str | None = None, ensemble: int = 1,
                 sigma_range: tuple[float, float] | None = None, runtime: str = "eager",
                 max_ensemble: int = ENSEMBLES[-1], input_kind: str = "image") -> None:
        import torch

        self.max_ensemble = int(max_ensemble)
        self.set_ensemble(ensemble)
        self.spec = spec
        self.id = id or spec.id
        self.name = name or spec.name
        self.input_kind = input_kind  # "image", or "raw_mosaic" for a network trained on Bayer mosaics
        self.takes_sigma = bool(spec.takes_sigma)
        self.sigma_range = (float(sigma_range[0]), float(sigma_range[1])) if sigma_range else None
        self.model_channels = _model_channels(model)
        self.channels = (self.model_channels,)
        self.device = devices.resolve(device)
        self.model = model.eval().to(self.device, memory_format=torch.channels_last)
        self.runtime = make_runtime(self.model, self.device, precision, runtime)
        self.precision = self.runtime.precision

        req = spec.size_req
        self._multiple = max(1, int(req.multiple_of))
        self._minimum = max(1, int(req.minimum))
        self._fixed = req.fixed
        # The weights' measured reach when known: the wiring's 99 px would recompute a quarter of
        # each 2048² tile to change no output pixel by a tenth of a level.
        rf = max(0, int(getattr(spec, "seam_reach", None) or spec.receptive_field))
        if overlap is None:
            overlap = 2 * rf + max(8, rf // 4)
        if overlap < 0:
            raise ValueError(f"overlap must be ≥ 0, got {overlap}")
        # Pixels along a shared tile edge that get no weight: the border-spoiled band.
        self.margin = min(rf, max(0, (overlap - 4) // 2))
        if self._fixed:
            tile = self._fixed
            overlap = min(overlap, self._fixed // 2)
            self.margin = min(self.margin, max(0, (overlap - 2) // 2))
        self.overlap = int(overlap)
        self.min_tile = _align_up(max(self.overlap + max(8, self._multiple), self._minimum), self._multiple)
        if tile is not None and tile < self.min_tile and not self._fixed:
            raise ValueError(f"tile {tile} px is too small for an overlap of {self.overlap} px; "
                             f"use at least {self.min_tile}")
        self.tile = tile
        self._tile_cap: int | None = None  # the largest tile that worked after an out-of-memory
        self._values_per_px: float | None = None  # measured once by _probe()
        self.last_info: dict[str, Any] = {}

    def set_tile(self, tile: int | None) -> None:
        """Change the tile size (None = automatic from free memory)."""
        if tile is not None and not self._fixed and tile < self.min_tile:
            raise ValueError(f"tile {tile} px is too small for an overlap of {self.overlap} px; "
                             f"use at least {self.min_tile}")
        if not self._fixed:
            self.tile, self._tile_cap = tile, None

    def set_ensemble(self, n: int) -> None:
        """Average ``n`` ∈ ``ENSEMBLES`` flipped/rotated runs per tile (1 = a single run), at most
        ``max_ensemble``: a network trained without flips and rotations (digits, 28×28 inputs
        padded on one side) gets worse on turned copies (Fashion-MNIST AE: 19.20 → 17.78 dB at 2)."""
        if n not in ENSEMBLES:
            raise ValueError(f"ensemble must be one of {', '.join(map(str, ENSEMBLES))}, got {n!r}")
        self.ensemble = min(int(n), getattr(self, "max_ensemble", ENSEMBLES[-1]))

    # -- tile size -------------------------------------------------------------------------
    def auto_tile(self, image_channels: int | None = None) -> int:
        """Tile size from the device's free memory (activation estimate × safety factor)."""
        if self._fixed:
            return self._fixed
        from .models.spec import Tiling

        bytes_per_elem = self.runtime.bytes_per_value
        # A layer's input and output, skip connections and conv workspace: measured peaks are
        # 2× (DnCNN) to 8× (U-Net) the largest single activation; plan for 8×.
        # A gray model on RGB runs 3 tiles as a batch.
        batch = image_channels if self.model_channels == 1 and image_channels else 1
        per_px = 8 * self._probe() * bytes_per_elem * batch
        free = devices.free_memory_bytes(self.device)
        if self.device.type == "cuda":
            lo, hi = _GPU_TILE
            budget = 0.5 * free if free else 2**30
        else:
            lo, hi = _CPU_TILE
            budget = min(_CPU_BUDGET, 0.15 * free) if free else _CPU_BUDGET / 2
        if self.spec.tiling is Tiling.DISCOURAGED:  # global context: fewer, bigger tiles
            budget, hi = 2 * budget, 2 * hi
        side = int(math.sqrt(max(budget, 1) / per_px))
        align = max(self._multiple, 32)
        side = max(lo, min(hi, side)) // align * align
        return max(side, self.min_tile)

    def _probe(self) -> float:
        """Largest activation (values per input pixel), measured with hooks on a small input."""
        if self._values_per_px is None:
            import torch

            n = self._pad_to(_PROBE)
            peak = 0

            def hook(_mod, _inp, out):
                nonlocal peak
                if torch.is_tensor(out):
                    peak = max(peak, out.numel())

            leaves = [m for m in self.model.modules() if not any(True for _ in m.children())]
            handles = [m.register_forward_hook(hook) for m in leaves]
            try:
                x = torch.zeros(1, self.model_channels, n, n, device=self.device)
                with torch.inference_mode():
                    self.model(x, 0.1)
            except Exception:  # noqa: BLE001 - an unusual model: fall back to its widest conv
                peak = 0
            finally:
                for h in handles:
                    h.remove()
            self._values_per_px = peak / (n * n) if peak else float(_widest(self.model))
        return self._values_per_px

    # -- one tile --------------------------------------------------------------------------
    def _pad_to(self, n: int) -> int:
        return max(self._minimum, _align_up(n, self._multiple), self._fixed or 0)

    def _run_tile(self, x: np.ndarray, sigma01: float | None, scale: float | None = None, passes: int = 1,
                  after_pass: Callable[[int], None] | None = None) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        h, w, c = x.shape
        # Always a fresh, writable, contiguous copy (torch warns on read-only arrays).
        x = x.astype(np.float32) * np.float32(scale) if scale is not None else np.array(x, np.float32, order="C")
        t = torch.from_numpy(x).permute(2, 0, 1).unsqueeze(0)  # 1×C×h×w
        mc = self.model_channels
        if mc == c:
            batch = t
        elif mc == 1:
            batch = t.permute(1, 0, 2, 3)  # C×1×h×w: each channel on its own
        elif mc == 3 and c == 1:
            batch = t.expand(1, 3, h, w)
        else:
            raise ValueError(f"a {mc}-channel model cannot denoise a {c}-channel image")
        ph, pw = self._pad_to(h) - h, self._pad_to(w) - w
        batch = batch.to(self.device)
        if ph or pw:
            mode = "reflect" if ph < h and pw < w else "replicate"
            batch = F.pad(batch, (0, pw, 0, ph), mode=mode)
        with torch.inference_mode():
            y = None
            for i, (k, mirror) in enumerate(_DIHEDRAL[:passes]):
                # Averaged before clamping: clamping each run first would bias values near 0 and 1.
                part = self._forward(_transform(batch, k, mirror), sigma01).float()
                part = _untransform(part, k, mirror)
                y = part if y is None else y + part  # not in place: the first may alias the input
                if after_pass is not None:
                    after_pass(i + 1)
            if passes > 1:
                y = y / passes
            y = y[:, :, :h, :w].clamp_(0.0, 1.0)
            if mc == 1 and c != 1:
                y = y.permute(1, 0, 2, 3)
            elif mc == 3 and c == 1:
                y = y.mean(dim=1, keepdim=True)
            return y[0].permute(1, 2, 0).cpu().numpy()

    def _forward(self, batch, sigma01: float | None):
        return self.runtime(batch, sigma01)

    def sigma_note(self, sigma: float | None) -> str | None:
        """A warning when σ (0–255) lies outside the range the model was trained for."""
        if sigma is None or not self.takes_sigma or self.sigma_range is None:
            return None
        lo, hi = self.sigma_range
        tol = 1.0  # the estimate wobbles by about this much; no warning for σ 55.4 on a 0–55 model
        if sigma > hi + tol:
            return f"σ {sigma:.1f} is above the {lo:g}–{hi:g} this model was trained for: expect leftover noise"
        if sigma < lo - tol:
            return f"σ {sigma:.1f} is below the {lo:g}–{hi:g} this model was trained for: expect lost detail"
        return None

    # -- whole image -----------------------------------------------------------------------
    def _tiled(self, img: np.ndarray, tile: int, sigma01: float | None, progress: Progress,
               scale: float | None) -> tuple[np.ndarray, int]:
        h, w, c = img.shape
        shape: int | tuple[int, int] = tile
        if self.tile is None and not self._fixed:  # automatic: best shape within the area budget
            shape = best_tile_shape(h, w, tile * tile, self.overlap, self._multiple)
        grid = plan_tiles(h, w, shape, self.overlap, self._multiple)
        self.last_info["tile_shape"] = (grid.rows[0][1] - grid.rows[0][0], grid.cols[0][1] - grid.cols[0][0])
        blender = TileBlender(grid, c, margin=self.margin)
        n = len(grid)
        progress.set(0.0, f"0/{n} tiles")
        passes = self.ensemble  # read once: a cached denoiser may be reconfigured from another lane

        def after_pass(j: int) -> None:  # a big tile × 8 passes is long: report and cancel per pass
            if j < passes:
                progress.set((i + j / passes) / n, f"{i + 1}/{n} tiles, pass {j + 1}/{passes}")
                progress.check_cancelled()

        for i, t in enumerate(grid.tiles):
            progress.check_cancelled()
            blender.add(t, self._run_tile(img[t.slices], sigma01, scale, passes, after_pass))
            progress.set((i + 1) / n, f"{i + 1}/{n} tiles")
        return blender.result(), n

    def denoise(self, img: np.ndarray, sigma: float | None = None, strength: float = 1.0,
                progress: Progress = NOOP) -> np.ndarray:
        """float32 H×W×C (or H×W) in [0, 1] → same shape; σ on the 0–255 scale.

        uint8/uint16 input is accepted too (scaled per tile, so a 50-MP photo needs no full-size
        float copy of its input); the output is float32 in [0, 1] either way.
        """
        import torch

        squeeze = img.ndim == 2
        if squeeze:
            img = img[:, :, None]
        if img.ndim != 3 or img.shape[2] not in (1, 3):
            raise ValueError(f"expected an H×W×C image with 1 or 3 channels, got shape {img.shape}")
        if not 0.0 <= strength <= 1.0:
            raise ValueError(f"strength must be within [0, 1], got {strength}")
        scale = None
        if img.dtype in (np.uint8, np.uint16):
            scale = 1.0 / np.iinfo(img.dtype).max
        else:
            img = np.asarray(img, dtype=np.float32)
        t0 = time.perf_counter()
        estimated = None
        if sigma is None and self.takes_sigma:
            from .noise_estimate import estimate_sigma

            sigma = estimated = float(estimate_sigma(_as_float(img, scale)))
        info: dict[str, Any] = {"sigma_used": sigma, "sigma_estimated": estimated, "device": str(self.device),
                                "overlap": self.overlap, "tiles": 0, "ensemble": self.ensemble,
                                **self.runtime.info()}
        note = self.sigma_note(sigma)
        if note:
            info["sigma_note"] = note
        self.last_info = info
        if strength == 0.0:
            progress.set(1.0, "strength 0: unchanged")
            out = _as_float(img, scale).copy()
        else:
            sigma01 = None if sigma is None else float(sigma) / 255.0
            tile = self.tile or self.auto_tile(img.shape[2])
            if self._tile_cap:
                tile = min(tile, self._tile_cap)
            first, done = tile, 0.0
            reported = [0.0]

            def track(f: float, msg: str) -> None:
                reported[0] = f
                progress.set(f, msg)

            tracker = Progress(track, progress.token)
            while True:
                try:
                    out, info["tiles"] = self._tiled(img, tile, sigma01, tracker.sub(done, 1.0), scale)
                    break
                except Exception as exc:  # noqa: BLE001 - only OOM is retried, the rest re-raised
                    if not devices.is_oom(exc):
                        raise
                    del exc
                    if self.device.type == "cuda":
                        torch.cuda.empty_cache()
                    smaller = tile // 2 // self._multiple * self._multiple
                    if self._fixed or smaller < self.min_tile:
                        raise OutOfMemory(
                            f"not enough memory on {self.device} to denoise even with {tile}×{tile} px tiles; "
                            "close other programs, pick the CPU, or a smaller model") from None
                    tile = smaller
                    done = reported[0]
            if tile < first:
                self._tile_cap = tile  # later images start at the size that fitted
            info["tile"] = tile
            info.update(self.runtime.info())  # a compiler fallback during the run says so
            if strength != 1.0:
                band = 512  # blend in row bands: no full-size temporaries
                for y in range(0, out.shape[0], band):
                    o, i_ = out[y : y + band], _as_float(img[y : y + band], scale)
                    o *= strength
                    o += (1.0 - strength) * i_
        info["seconds"] = time.perf_counter() - t0
        progress.set(1.0, "done")
        return out[:, :, 0] if squeeze else out

    def __repr__(self) -> str:
        return (f"NetworkDenoiser({self.id!r}, device={str(self.device)!r}, tile={self.tile}, "
                f"overlap={self.overlap}, precision={self.precision!r}, ensemble={self.ensemble})")


def _transform(t, k: int, mirror: bool):
    t = t.rot90(k, dims=(2, 3)) if k else t
    return t.flip(3) if mirror else t


def _untransform(t, k: int, mirror: bool):
    t = t.flip(3) if mirror else t
    return t.rot90(-k, dims=(2, 3)) if k else t


def _as_float(a: np.ndarray, scale: float | None) -> np.ndarray:
    return a if scale is None else a.astype(np.float32) * np.float32(scale)


def _quantise_like(image, out: np.ndarray):
    """``image.with_pixels(out)`` without full-size float temporaries (row bands, in place)."""
    if not dataclasses.is_dataclass(image) or out.ndim != 3 or out.shape[2] != image.pixels.shape[2]:
        return image.with_pixels(out)
    dtype = image.pixels.dtype
    top = float(np.iinfo(dtype).max)
    pixels = np.empty(out.shape, dtype)
    for y in range(0, out.shape[0], 256):
        band = out[y : y + 256]
        np.nan_to_num(band, copy=False, nan=0.0)
        np.clip(band, 0.0, 1.0, out=band)
        band *= top
        np.rint(band, out=band)
        pixels[y : y + 256] = band
    return dataclasses.replace(image, pixels=pixels)


def denoise_image(image, denoiser, sigma: float | None = None, strength: "float | Strength" = 1.0,
                  progress: Progress = NOOP):
    """Denoise an ``ImageData``; returns ``(ImageData, info)``.

    ``strength``: a fraction (luma and colour alike, a plain mix with the input) or a
    ``blend.Strength`` with its own luma, chroma and grain, mixed after the network ran at full
    strength (``blend.apply``).

    ``info``: ``sigma_used`` and ``sigma_estimated`` (0–255; the estimate is made here when σ is
    None and the denoiser uses σ), ``seconds``, ``tiles``, ``model``; ``sigma_note`` when σ is
    outside the model's trained range; ``luma_strength``/``chroma_strength``/``grain`` when they
    differ.
    """
    from . import blend

    st = blend.Strength.of(strength)
    t0 = time.perf_counter()
    h, w = image.pixels.shape[:2]
    if min(h, w) < MIN_SIDE:  # nothing to learn noise from, and too small for the networks' padding
        progress.set(1.0, "too small: unchanged")
        return image, {"model": getattr(denoiser, "id", type(denoiser).__name__), "sigma_used": None,
                       "sigma_estimated": None, "seconds": time.perf_counter() - t0, "tiles": 0,
                       "sigma_note": f"{w}×{h} px is too small to denoise (needs {MIN_SIDE}×{MIN_SIDE}): "
                                     "written unchanged"}
    from .routing import NoiseRoutedDenoiser

    routed = isinstance(denoiser, NoiseRoutedDenoiser)  # estimates itself: its estimate picks the network
    takes_sigma = bool(getattr(denoiser, "takes_sigma", False))
    estimated = kind = None
    blind_range = None if takes_sigma else getattr(denoiser, "sigma_range", None)
    if (sigma is None and takes_sigma and not routed) or (blind_range is not None and sigma is None):
        from .noise_estimate import estimate_noise

        est = estimate_noise(image.to_float())
        sigma = estimated = float(est.level)
        kind = est.kind
    level_seen = sigma  # a blind model ignores σ; its trained range is still compared with it
    if not takes_sigma:
        sigma = None
    # The engine converts integer pixels tile by tile: no full-size float copy of the input.
    x = image.pixels if isinstance(denoiser, (NetworkDenoiser, NoiseRoutedDenoiser)) else image.to_float()
    out = denoiser.denoise(x, sigma=sigma, strength=st.luma if st.plain else 1.0, progress=progress)
    if not st.plain:
        out = blend.apply(x, np.asarray(out, dtype=np.float32), st)
    del x
    result = _quantise_like(image, out)
    last = dict(getattr(denoiser, "last_info", {}) or {})
    if routed and sigma is None:
        sigma = last.get("sigma_used")
        estimated = last.get("sigma_estimated")
    info = {
        "model": getattr(denoiser, "id", type(denoiser).__name__),
        "sigma_used": sigma,
        "sigma_estimated": estimated,
        "seconds": time.perf_counter() - t0,
        "tiles": last.get("tiles", 1),
    }
    for key in ("tile", "device", "precision", "runtime", "runtime_note", "ensemble", "sigma_note", "model_used",
                "noise_kind", "route", "noise_fit", "stabilised_level"):
        if key in last:
            info[key] = last[key]
    if kind and "noise_kind" not in info:
        info["noise_kind"] = kind
    if not st.plain:
        info.update(st.info())
    if blind_range is not None and level_seen is not None and "sigma_note" not in info:
        note = _range_note(float(level_seen), blind_range)
        if note:
            info["sigma_note"] = note
    if estimated is not None and estimated < LOW_LEVEL and "sigma_note" not in info:
        info["sigma_note"] = low_level_note(estimated)
    return result, info


def low_level_note(level: float) -> str:
    """What the CLI, Batch and the Denoise tab say when Auto found almost no noise."""
    return (f"little noise found (σ {level:.1f} estimated), so little was changed: "
            "if the image looks noisy, set σ by hand")


def _range_note(level: float, sigma_range: tuple[float, float]) -> str | None:
    """A blind model far from the noise it was trained on (an MNIST autoencoder trained at σ 127.5
    on a photo at σ 5): say what to expect. Half to double the range is left alone."""
    lo, hi = sigma_range
    trained = f"σ {lo:g}" if lo == hi else f"σ {lo:g}–{hi:g}"
    if level > 2.0 * hi + 1.0:
        return (f"this image's noise (σ {level:.1f} estimated) is far above the {trained} this model "
                "was trained on: expect leftover noise")
    if level < 0.5 * lo - 1.0:
        return (f"this image's noise (σ {level:.1f} estimated) is far below the {trained} this model "
                "was trained on: expect lost detail")
    return None


MIN_SIDE = 8  # smaller images pass through unchanged, with a note
LOW_LEVEL = 1.5  # an estimate below this leaves the image nearly as it was: say so


def fit_text(info: dict[str, Any]) -> str | None:
    """"photon noise, variance = 3.24·level − 10.9 (fitted), unet_res_gray stabilised at σ 9.9" for the photon
    route: the fitted Poisson–Gaussian parameters on the image's own scale (0–255 or 0–65535).
    A RAW denoised on its mosaic: "RAW mosaic (RGGB, ISO 800): sensor noise variance = …"."""
    if info.get("route") == "raw mosaic":
        return _mosaic_text(info)
    fits = info.get("noise_fit")
    if not fits:
        return None
    parts = []
    for f in fits:
        b = float(f["b"])
        parts.append(f"{float(f['a']):.3g}·level {'−' if b < 0 else '+'} {abs(b):.3g}")
    shown = parts[0] if len(set(parts)) == 1 else " / ".join(parts)
    level = info.get("stabilised_level")
    model = f"{info['model_used']} " if info.get("model_used") else ""
    tail = f", {model}stabilised at σ {float(level):.1f}" if level is not None else ""
    return f"photon noise, variance = {shown} (fitted){tail}"


def _mosaic_text(info: dict[str, Any]) -> str:
    """The mosaic path's status: the sensor's fitted law on the 0–1 scale of its range (white −
    black), the pattern and ISO, the network and the level it ran at."""
    where = ", ".join(x for x in (info.get("pattern"), f"ISO {info['iso']:g}" if info.get("iso") else None) if x)
    f = info.get("mosaic_fit")
    law = (f"sensor noise variance = {float(f['a']):.3g}·level + {float(f['b']):.3g} (fitted, 0–1 range)"
           if f else "sensor noise (no signal-dependence found)")
    model = info.get("model_used") or info.get("model")
    level = info.get("stabilised_level")
    tail = f", {model} at σ {float(level):.1f}" if level is not None else ""
    return f"RAW mosaic{f' ({where})' if where else ''}: {law}{tail}"


def level_text(info: dict[str, Any], estimated: bool | None = None) -> str | None:
    """"σ 12.3 (estimated)" / "σ 25.0 (set)" for a status line; ``estimated`` overrides the
    source when the caller passed an estimate it had made earlier. Photon noise: ``fit_text``."""
    fitted = fit_text(info)
    if fitted:
        return fitted
    s = info.get("sigma_used")
    if s is None:
        return None
    est = info.get("sigma_estimated") is not None if estimated is None else estimated
    kind = f", {info['noise_kind']}" if info.get("noise_kind") else ""
    return f"σ {float(s):.1f} ({'estimated' if est else 'set'}{kind})"
