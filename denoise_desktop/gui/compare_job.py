"""The worker side of the Compare tab: ``compare`` runs each checked model on the image (or a
region of it) and yields one ``CompareItem`` per model, the noisy input first. No widgets here."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np
from PySide6.QtGui import QImage

from denoise_desktop.engine import DEFAULT_ENSEMBLE
from denoise_desktop.progress import NOOP, Cancelled, Progress

from . import jobs
from .viewer.convert import to_qimage

__all__ = ["CompareItem", "compare"]


@dataclass
class CompareItem:
    model_id: str
    name: str
    pixels: np.ndarray  # float32 H×W×C in [0, 1] (the compared region)
    qimage: QImage
    seconds: float
    metrics: dict = field(default_factory=dict)  # e.g. {"psnr": .., "ssim": ..} with a reference
    error: str = ""  # a model that failed on this image does not stop the comparison
    sigma: float | None = None  # the level every σ-aware model was given (0–255)
    sigma_source: str = ""  # "estimated" | "set"
    model_used: str = ""  # the network that ran: a default routes to one of several (camera, photon…)


def compare(
    image,
    model_ids: list[str],
    *,
    region: tuple[int, int, int, int] | None = None,
    reference=None,
    device: str = "auto",
    sigma: float | None = None,
    strength: Any = 1.0,
    tile: int | None = None,
    ensemble: int = DEFAULT_ENSEMBLE,
    precision: str = "auto",
    progress: Progress = NOOP,
) -> Iterator[CompareItem]:
    """Run each model on ``image`` (or its ``region`` = x, y, w, h); yield one item per model.

    The noisy input comes first as model id ``"input"``, so the grid and the metrics table have a
    baseline row. With a ``reference`` (clean image, same size) each item carries PSNR/SSIM.
    ``strength``: a fraction or a ``blend.Strength`` (luminance, colour, grain), as in Denoise.
    """
    from denoise_desktop import metrics, registry
    from denoise_desktop.blend import Strength, apply
    from denoise_desktop.noise_estimate import estimate_sigma

    st = Strength.of(strength)
    x = image.to_float()
    clean = reference.to_float() if reference is not None else None
    if region is not None:
        rx, ry, rw, rh = region
        x = x[ry : ry + rh, rx : rx + rw]
        if clean is not None:
            clean = clean[ry : ry + rh, rx : rx + rw]
    x = np.ascontiguousarray(x)
    if clean is not None and clean.shape != x.shape:
        raise ValueError(
            f"the reference image is {clean.shape[1]}×{clean.shape[0]}×{clean.shape[2]} but the image is "
            f"{x.shape[1]}×{x.shape[0]}×{x.shape[2]}; load a reference of the same size and channels"
        )
    source = "set" if sigma is not None else "estimated"
    if sigma is None:
        sigma = float(estimate_sigma(x))  # once, so every model sees the same σ
    level = dict(sigma=float(sigma), sigma_source=source)

    def measure(out: np.ndarray) -> dict:
        return dict(metrics.all_metrics(clean, out)) if clean is not None else {}

    yield CompareItem("input", "Input", x, to_qimage(x), 0.0, measure(x), **level)
    n = max(1, len(model_ids))
    for i, model_id in enumerate(model_ids):
        progress.check_cancelled()
        sub = progress.sub(i / n, (i + 1) / n)
        try:
            entry = registry.get(model_id)
            name = getattr(entry, "name", model_id)
        except Exception:  # noqa: BLE001 - an unknown id is reported on its own row below
            name = model_id
        sub.set(0.0, f"{name}")
        t0 = time.perf_counter()
        try:
            denoiser = jobs.get_denoiser(model_id, device, x.shape[2], tile, ensemble, precision)
            out = denoiser.denoise(x, sigma=sigma, strength=st.luma if st.plain else 1.0, progress=sub)
            if not st.plain:
                out = apply(x, np.array(out, dtype=np.float32), st)
        except Cancelled:
            raise
        except Exception as exc:  # noqa: BLE001 - one failing model must not end the comparison
            yield CompareItem(model_id, name, x, QImage(), 0.0, {}, f"{type(exc).__name__}: {exc}", **level)
            continue
        seconds = time.perf_counter() - t0
        out = np.asarray(out, dtype=np.float32)
        used = str((getattr(denoiser, "last_info", None) or {}).get("model_used") or model_id)
        yield CompareItem(model_id, name, out, to_qimage(out), seconds, measure(out), **level, model_used=used)
    progress.set(1.0, "Done")
