"""The worker side of the Batch tab: plain functions the ``TaskRunner`` calls (no Qt here).

``run_batch`` is one generator task: plan (paths only), load the model, then ``batch.run()``,
yielding ``Planned`` first and an ``ItemResult`` per item. Kept apart from the panel so it can
be tested and benchmarked without widgets, and so tests can swap ``load_denoiser`` and
``model_choices`` for fakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from denoise_desktop import batch
from denoise_desktop.engine import DEFAULT_ENSEMBLE

__all__ = ["AUTO_MODEL", "Planned", "PlanRequest", "run_batch", "load_denoiser", "model_choices",
           "preload_native_modules"]

AUTO_MODEL = "auto"  # per image: the user's gray/color model, else the best bundled one


def preload_native_modules() -> None:
    """Import the image codecs the batch will use, here on the GUI thread, at startup.

    Loading a native extension (OpenCV, tifffile's codecs, Pillow) holds the GIL for its whole
    initialisation, ~0.3–1 s for OpenCV; done lazily by the first read in the worker it froze
    the window for 240–730 ms (benchmarks/gui_latency.py). Importing a module twice is free.
    """
    import importlib

    for name in ("denoise_desktop.imageio", "denoise_desktop.engine", "denoise_desktop.noise_estimate",
                 "PIL.Image", "cv2", "tifffile"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # an optional codec: the read that needs it reports the error


def model_choices() -> list[tuple[str, str, tuple[int, ...]]]:
    """(label, model id, channels) for the model box. Imports torch: run it in a worker."""
    from denoise_desktop import registry

    return choices_from_entries(registry.list_models())


def choices_from_entries(entries: list) -> list[tuple[str, str, tuple[int, ...]]]:
    out = []
    for entry in entries:
        if getattr(entry, "input_kind", "image") != "image":  # a RAW-mosaic network: used by "RAW on the mosaic"
            continue
        label = entry.name if entry.kind == "network" else f"{entry.name} (classical)"
        out.append((label, entry.id, tuple(entry.channels)))
    return out


def catalog(*, progress: Any = None) -> tuple[list[tuple[str, str, tuple[int, ...]]], list]:
    """(model choices, devices) for a batch panel that stands alone (worker thread)."""
    from denoise_desktop import devices

    return model_choices(), list(devices.discover())


def load_denoiser(model_id: str, device: str, ensemble: int = DEFAULT_ENSEMBLE, precision: str = "auto",
                  noise: str = "auto"):
    """A ``Denoiser``, or for ``AUTO_MODEL`` a ``channels -> Denoiser`` factory (``batch.run``
    accepts both) that loads each channel count's bundled default once, whatever the other tabs
    picked; set to the ``noise`` mode (``routing.NOISE_MODES``). Runs in the worker thread."""
    from denoise_desktop import registry
    from denoise_desktop.routing import with_noise_mode

    if model_id != AUTO_MODEL:
        return with_noise_mode(registry.load(model_id, device=device, ensemble=ensemble, precision=precision), noise)
    cache: dict[int, Any] = {}

    def for_channels(channels: int):
        if channels not in cache:
            chosen = registry.default_model_id(channels)
            cache[channels] = with_noise_mode(registry.load(chosen, device=device, channels=channels,
                                                            ensemble=ensemble, precision=precision), noise)
        return cache[channels]

    return for_channels


@dataclass(frozen=True)
class Planned:
    """First value the batch task yields: the validated items (the table is filled from it)."""

    items: list


@dataclass(frozen=True)
class PlanRequest:
    """What ``batch.plan()`` needs; resolved in the worker (thousands of files take seconds)."""

    inputs: list
    out_dir: Path
    recursive: bool
    fmt: str
    skip_existing: bool
    naming: str

    def plan(self) -> list:
        return batch.plan(self.inputs, self.out_dir, recursive=self.recursive, fmt=self.fmt,
                          skip_existing=self.skip_existing, naming=self.naming)


def run_batch(request: PlanRequest, model_id: str, device: str, sigma: float | None, strength: Any, *,
              jpeg_quality: int = 95, keep_metadata: bool = True,
              ensemble: int = DEFAULT_ENSEMBLE, raw_color_space: str = "srgb", precision: str = "auto",
              noise: str = "auto", raw_on_mosaic: bool = True, on_written=None, progress):
    """The worker side: plan, load the model, then yield one ``ItemResult`` per item.

    ``strength``: a fraction or a ``blend.Strength`` (luminance, colour, grain).
    Yields ``Planned(items)`` first; a ``batch.BatchError`` from planning ends the task before
    anything is loaded or written. A plain generator of core calls (no Qt), so it can be tested
    and benchmarked without a GUI. ``load_denoiser`` is looked up at call time so tests can
    inject a fake one.
    """
    progress.set(0.0, "checking the inputs")
    items = request.plan()
    yield Planned(items)
    progress.set(0.0, "loading the model")
    denoiser = load_denoiser(model_id, device, ensemble, precision, noise)
    raw_net = load_raw_mosaic(items, device) if (raw_on_mosaic and model_id == AUTO_MODEL and noise == "auto"
                                                  and sigma is None) else None
    progress.check_cancelled()
    yield from batch.run(items, denoiser, sigma=sigma, strength=strength, jpeg_quality=jpeg_quality,
                         keep_metadata=keep_metadata, progress=progress, raw_color_space=raw_color_space,
                         raw_mosaic=raw_net, on_written=on_written)


def load_raw_mosaic(items: list, device: str):
    """The bundled RAW-mosaic network when the batch holds a camera RAW file (else None)."""
    from denoise_desktop import registry
    from denoise_desktop.imageio.raw import is_raw

    if not any(is_raw(it.source) for it in items):
        return None
    model_id = registry.mosaic_model_id()
    return registry.load(model_id, device=device) if model_id else None
