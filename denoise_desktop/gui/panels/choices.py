"""What the tabs offer and say alike: the level, noise, tile, precision and output choices with
their help texts, the file-dialog filters, and a model's card as text (one place, so the tabs
never drift and no panel imports another for a constant). Quality is in ``quality``."""

from __future__ import annotations

from typing import Any

__all__ = ["SIGMA_MAX", "LEVEL_HELP", "NOISE_CHOICES", "NOISE_HELP", "TILE_CHOICES", "PRECISION_CHOICES",
           "PRECISION_HELP", "SAVE_FORMATS", "SAVE_FILTERS", "image_filter", "model_card_text"]

SIGMA_MAX = 75
LEVEL_HELP = ("Auto estimates the noise level of each image: the standard deviation of its noise on the "
              "0–255 scale, as it was before JPEG compression — real camera noise and JPEGs included. "
              "Untick to set it yourself: higher removes more.")
NOISE_CHOICES = {
    "auto": "Auto (found per image)",
    "gaussian": "White (Gaussian)",
    "camera": "Camera photo / JPEG",
    "poisson": "Photon (microscopy, astronomy, low light)",
}
NOISE_HELP = ("What kind of noise the image has. Auto finds it per image: white noise, camera/JPEG noise, "
              "or photon noise whose strength grows with brightness (fluorescence microscopy, astronomy, "
              "low light) — denoised through a variance-stabilising transform that keeps the image's "
              "brightness. Choose one to override Auto for every image.")
TILE_CHOICES = (None, 128, 256, 512, 1024, 2048)
PRECISION_CHOICES = {"auto": "Auto (fastest at full quality)", "fp32": "fp32", "bf16": "bf16",
                     "fp16": "fp16 (GPU only)"}
PRECISION_HELP = ("Arithmetic of the networks. Auto: bf16 on CPUs that compute it natively (AVX-512 BF16 / "
                  "AMX; about 0.005 dB from fp32), fp16 on NVIDIA GPUs, else fp32 (also used by Compare and Batch)")
#: the Denoise tab's output formats: settings value → (label, file suffix)
SAVE_FORMATS = {"keep": ("Same as input", None), "png": ("PNG", ".png"), "tif": ("TIFF", ".tif"),
                "jpg": ("JPEG", ".jpg")}
SAVE_FILTERS = "PNG (*.png);;TIFF (*.tif *.tiff);;JPEG (*.jpg *.jpeg);;WebP (*.webp);;BMP (*.bmp)"


def image_filter() -> str:
    """File-dialog filter for every format the core reads, camera RAW included; upper-case
    suffixes too (RAW files are named IMG_0001.CR2, and the filter is case-sensitive on Linux)."""
    from denoise_desktop.imageio import READABLE_EXTENSIONS

    pattern = " ".join(f"*{e} *{e.upper()}" for e in sorted(READABLE_EXTENSIONS))
    return f"Images ({pattern});;All files (*)"


def model_card_text(entry: Any) -> str:
    """A model's card as plain text for a tooltip / info label."""
    card = dict(getattr(entry, "card", None) or {})
    lines = [f"{getattr(entry, 'name', entry)}  ({getattr(entry, 'id', '')})"]
    kind = getattr(entry, "kind", "")
    chans = getattr(entry, "channels", ())
    kinds = {1: "gray", 3: "color"}
    source = getattr(entry, "source", "")
    if kind:
        where = f", {source}" if source and source != kind else ""
        lines.append(f"{kind.capitalize()}{where}; channels: {'/'.join(kinds.get(c, str(c)) for c in chans)}")
    lines.append("Uses a noise level σ" if getattr(entry, "takes_sigma", False) else "Blind (estimates noise itself)")
    description = getattr(entry, "description", "") or card.get("description", "")
    if description:
        lines.append(str(description))
    arch = getattr(entry, "arch", "") or card.get("arch", "")
    if arch and kind != "classical":
        lines.append(f"Architecture: {arch}")
    # Short facts only; the full recipe stays in the card file (shown nowhere in the panel).
    for key in ("trained_on", "sigma_range", "scores", "metrics", "license", "created"):
        value = card.get(key)
        if value in (None, "", {}, []):
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items())
        elif isinstance(value, (list, tuple)):
            value = "–".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
        value = str(value)
        if len(value) > 120:
            value = value[:117] + "…"
        lines.append(f"{key.replace('_', ' ').capitalize()}: {value}")
    return "\n".join(lines)
