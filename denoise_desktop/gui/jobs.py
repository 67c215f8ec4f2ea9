"""The functions the GUI runs in ``TaskRunner`` workers: thin, plain calls into the core —
opening, estimating, denoising, re-mixing, saving, listing and importing models (Compare's run
is ``compare_job``, Batch's ``batch_job``).

Each takes ``progress`` as a keyword (the worker passes a ``Progress``), does file I/O or model
work, and returns plain data plus a ready-made ``QImage`` for display (a ``QImage``, unlike a
``QPixmap``, may be built off the GUI thread). Panels never call the core's heavy functions
directly; they submit these.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage

from denoise_desktop.engine import DEFAULT_ENSEMBLE
from denoise_desktop.progress import NOOP, Progress

from .viewer.convert import to_qimage

__all__ = [
    "LoadedImage",
    "DenoiseOutput",
    "ImportedModel",
    "load_image",
    "estimate_noise",
    "denoise",
    "blend",
    "save_image",
    "import_model",
    "list_models",
    "discover_devices",
    "get_denoiser",
    "clear_denoiser_cache",
    "MODEL_SUFFIXES",
]

#: files that a drop or "Import model…" treats as model weights
MODEL_SUFFIXES = (".pth", ".pt", ".safetensors", ".ckpt")


@dataclass
class LoadedImage:
    path: Path
    image: Any  # imageio.ImageData
    qimage: QImage


@dataclass
class DenoiseOutput:
    image: Any  # imageio.ImageData, same size/bit depth as the input
    qimage: QImage
    info: dict
    model_id: str


# -- images ------------------------------------------------------------------------------------
def load_image(path: str | Path, *, progress: Progress = NOOP) -> LoadedImage:
    from denoise_desktop import imageio

    progress.set(0.0, f"Reading {Path(path).name}")
    img = imageio.read_image(path)
    progress.set(0.8, "Preparing display")
    return LoadedImage(Path(path), img, to_qimage(img.pixels, img.alpha))


def open_image(path: str | Path, *, progress: Progress = NOOP):
    """``load_image`` for the viewer, as a generator: a camera RAW first yields a quick preview
    (its embedded JPEG, or a half-size develop) as a ``LoadedImage``; the full develop is the
    return value."""
    from denoise_desktop import imageio
    from denoise_desktop.imageio import raw

    if raw.is_raw(path):
        progress.set(0.0, f"Preview of {Path(path).name}")
        try:
            prev = raw.read_raw_preview(path)
        except (imageio.ImageIOError, OSError, ValueError):
            prev = None  # the full develop below says what is wrong with the file
        if prev is not None:
            yield LoadedImage(Path(path), prev, to_qimage(prev.pixels, prev.alpha))
        progress.set(0.1, f"Developing {Path(path).name}")
        return load_image(path, progress=progress.sub(0.1, 1.0))
    return load_image(path, progress=progress)


def estimate_noise(image, *, progress: Progress = NOOP) -> tuple[float, str]:
    """Noise σ on the 0–255 scale (what the σ control shows) and the kind of noise found, as the
    defaults' Auto routes it ("photon noise" when its variance grows with brightness)."""
    from denoise_desktop.routing import choose_route

    route = choose_route(image.to_float())
    return float(route.est.level), route.kind


def save_image(
    image,
    path: str | Path,
    *,
    fmt: str | None = None,
    quality: int = 95,
    keep_metadata: bool = True,
    bit_depth: int | None = None,
    forbidden: tuple[str | Path, ...] = (),
    progress: Progress = NOOP,
) -> Path:
    """Write ``image``; refuses any path in ``forbidden`` (the input) before touching the disk.
    ``bit_depth`` 16 widens an 8-bit image (×257) where the format holds 16 bits (PNG, TIFF)."""
    from denoise_desktop import imageio

    path = Path(path)
    target = path.resolve()
    for p in forbidden:
        if p and Path(p).resolve() == target:
            raise ValueError(f"refusing to overwrite the input image {path}; choose another name")
    progress.set(0.0, f"Saving {path.name}")
    imageio.write_image(image, path, format=fmt, quality=int(quality), keep_metadata=bool(keep_metadata),
                        bit_depth=bit_depth)
    progress.set(1.0, "Saved")
    return path


# -- models ------------------------------------------------------------------------------------
_CACHE_LOCK = threading.Lock()
# Loaded denoisers keyed by all that changes what they compute (no setting lives here: every
# caller passes its device, precision, tile and passes).
_CACHE: "OrderedDict[tuple, Any]" = OrderedDict()
_CACHE_SIZE = 2  # a loaded model can hold hundreds of MB of GPU memory


def _configure(denoiser: Any, tile: int | None, ensemble: int) -> None:
    """Per-run options on a cached denoiser (classical ones have neither)."""
    set_tile = getattr(denoiser, "set_tile", None)
    if callable(set_tile):
        set_tile(tile)  # raises ValueError naming the minimum for a too-small tile
    set_ensemble = getattr(denoiser, "set_ensemble", None)
    if callable(set_ensemble):
        set_ensemble(ensemble)


def get_denoiser(model_id: str, device: str = "auto", channels: int = 3, tile: int | None = None,
                 ensemble: int = DEFAULT_ENSEMBLE, precision: str = "auto"):
    """A loaded denoiser, reused while the same model/device/channels/precision is asked for
    again. ``precision``: the networks' arithmetic ("auto", "fp32", "bf16", "fp16"; ``runtime``),
    passed by each tab from the settings (no app-wide state here)."""
    from denoise_desktop import registry
    from denoise_desktop.runtime import PRECISIONS

    key = (model_id, device, channels, precision if precision in PRECISIONS else "auto")
    with _CACHE_LOCK:
        denoiser = _CACHE.get(key)
        if denoiser is not None:
            _CACHE.move_to_end(key)
    if denoiser is None:
        denoiser = registry.load(model_id, device=device, channels=channels, precision=key[3])
        with _CACHE_LOCK:
            _CACHE[key] = denoiser
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    _configure(denoiser, tile, ensemble)
    return denoiser


def clear_denoiser_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def denoise(
    image,
    model_id: str,
    *,
    device: str = "auto",
    sigma: float | None = None,
    strength: float = 1.0,
    tile: int | None = None,
    ensemble: int = DEFAULT_ENSEMBLE,
    noise: str = "auto",
    raw_mosaic: bool = False,
    precision: str = "auto",
    progress: Progress = NOOP,
) -> DenoiseOutput:
    """``noise``: ``routing.NOISE_MODES`` ("poisson" with a blind model raises ValueError: the
    panel shows it as an error, nothing changes). ``raw_mosaic``: a camera RAW left to a bundled
    default (Auto noise) is denoised on its mosaic and developed again (``raw_mosaic``), as Batch
    and the CLI do, instead of the developed image being denoised."""
    from denoise_desktop import engine
    from denoise_desktop.routing import with_noise_mode

    progress.set(0.0, "Loading model")
    mosaic_id = _mosaic_model_for(image, model_id, noise) if raw_mosaic else None
    if mosaic_id is not None:
        from denoise_desktop.raw_mosaic import NotBayer, develop_denoised

        net = get_denoiser(mosaic_id, device, 1, tile, 1, precision)
        progress.check_cancelled()
        try:
            result, info = develop_denoised(image.source, net, strength=strength, progress=progress.sub(0.02, 0.97))
        except NotBayer:  # X-Trans, Foveon…: the developed image below, as before
            pass
        else:
            progress.check_cancelled()
            progress.set(1.0, "Done")
            return DenoiseOutput(result, to_qimage(result.pixels, result.alpha), dict(info), model_id)
    denoiser = with_noise_mode(get_denoiser(model_id, device, image.channels, tile, ensemble, precision), noise)
    progress.check_cancelled()
    result, info = engine.denoise_image(image, denoiser, sigma, strength, progress.sub(0.02, 0.97))
    progress.check_cancelled()
    from denoise_desktop.registry import trained_on_note

    note = trained_on_note(model_id)  # a classic model: what it was made for, for the status line
    if note:
        info["trained_on_note"] = note
    qimage = to_qimage(result.pixels, result.alpha)
    progress.set(1.0, "Done")
    return DenoiseOutput(result, qimage, dict(info), model_id)


def _mosaic_model_for(image: Any, model_id: str, noise: str) -> str | None:
    """The RAW-mosaic network for a developed camera RAW (the viewer's sRGB develop) left to a
    bundled default with Auto noise; None otherwise."""
    from denoise_desktop import registry
    from denoise_desktop.imageio.raw import is_raw

    src = getattr(image, "source", None)
    if noise != "auto" or getattr(image, "format", None) != "RAW" or src is None or not is_raw(src):
        return None
    try:
        entry = registry.get(model_id)
    except KeyError:
        return None
    if entry.source != "bundled" or entry.card.get("default") is not True:
        return None
    return registry.mosaic_model_id()


@dataclass
class ImportedModel:
    path: Path
    model_id: str | None  # the registry id of the copy, when the registry lists it


def blend(original, full, strength, info: dict | None = None, *, progress: Progress = NOOP) -> DenoiseOutput:
    """The full-strength result mixed with the original: strength changes need no model run.

    ``strength``: a fraction (luminance and colour alike) or a ``blend.Strength``."""
    from denoise_desktop.blend import Strength, apply

    if not isinstance(strength, Strength):
        strength = min(1.0, max(0.0, float(strength)))
    st = Strength.of(strength)
    if st.plain:
        s = st.luma
        x = original.to_float()
        x *= 1.0 - s
        x += s * full.to_float()
    else:
        x = apply(original.pixels, full.to_float(), st)
    result = original.with_pixels(x)
    out_info = {k: v for k, v in (info or {}).items() if k not in ("strength", "luma_strength", "chroma_strength",
                                                                     "grain")}
    return DenoiseOutput(result, to_qimage(result.pixels, result.alpha), dict(out_info, **st.info()), "")


def import_model(path: str | Path, *, progress: Progress = NOOP) -> ImportedModel:
    from denoise_desktop import registry, weights

    dest = Path(weights.import_model(path))
    refresh = getattr(registry, "refresh", None)
    if callable(refresh):
        refresh()
    model_id = None
    for e in registry.list_models():
        p = getattr(e, "path", None)
        if p and Path(p).resolve() == dest.resolve():
            model_id = e.id
    return ImportedModel(dest, model_id)


def list_models(*, progress: Progress = NOOP) -> list:
    """Registry entries (reads the user model folder, so it runs in a worker)."""
    from denoise_desktop import registry

    refresh = getattr(registry, "refresh", None)
    if callable(refresh):
        refresh()
    # RAW-mosaic networks run inside the RAW develop (Batch, CLI), never on a developed image
    usable = [e for e in registry.list_models() if getattr(e, "input_kind", "image") == "image"]
    return ModelList(usable, broken=registry.broken_models())


class ModelList(list):
    """The usable models, plus ``broken``: model files that cannot be used, with the reason."""

    def __init__(self, entries, broken=()) -> None:
        super().__init__(entries)
        self.broken = list(broken)


def discover_devices(*, progress: Progress = NOOP) -> list:
    from denoise_desktop import devices

    return list(devices.discover())
