"""A comparison as text and files: captions, the PNG grid of all results, and the CSV that says
how every number was made (σ and its source, passes, strengths, region, the network that ran)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from denoise_desktop.blend import Strength

from ..compare_job import CompareItem

__all__ = ["display_name", "item_caption", "grid_columns", "compose_grid", "write_csv", "export"]

_TILE_MAX = 1024  # longest side of one tile in the exported PNG grid


def display_name(item: CompareItem) -> str:
    """The model's name, and the network that ran when a default routed the image elsewhere
    ("unet_res_color → unet_res_color_real"): two rows with equal scores then say why."""
    used = getattr(item, "model_used", "")
    return f"{item.name} → {used}" if used and used != item.model_id else item.name


def item_caption(item: CompareItem) -> str:
    if item.error:
        return f"{item.name}: failed"
    parts = [display_name(item)]
    if item.model_id != "input":
        parts.append(f"{item.seconds:.2f} s")
    m = item.metrics
    if "psnr" in m:
        parts.append(f"PSNR {m['psnr']:.2f} dB")
    if "ssim" in m:
        parts.append(f"SSIM {m['ssim']:.4f}")
    return " · ".join(parts)


def grid_columns(n: int) -> int:
    return max(1, math.ceil(math.sqrt(n)))


def compose_grid(items: list[CompareItem]) -> QImage:
    """All results side by side with captions, as one image (for the PNG export)."""
    shown = [i for i in items if not i.qimage.isNull()]
    if not shown:
        return QImage()
    cols = grid_columns(len(shown))
    rows = math.ceil(len(shown) / cols)
    w0, h0 = shown[0].qimage.width(), shown[0].qimage.height()
    scale = min(1.0, _TILE_MAX / max(w0, h0))
    tw, th = max(1, round(w0 * scale)), max(1, round(h0 * scale))
    caption_h, pad = 28, 6
    out = QImage(cols * (tw + pad) + pad, rows * (th + caption_h + pad) + pad, QImage.Format.Format_RGB888)
    out.fill(QColor(32, 32, 32))
    painter = QPainter(out)
    font = QFont(painter.font())
    font.setPixelSize(14)
    painter.setFont(font)
    painter.setPen(QColor(235, 235, 235))
    for k, item in enumerate(shown):
        r, c = divmod(k, cols)
        x, y = pad + c * (tw + pad), pad + r * (th + caption_h + pad)
        img = item.qimage if scale == 1.0 else item.qimage.scaled(
            tw, th, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        painter.drawImage(x, y, img)
        painter.drawText(QRect(x, y + th, tw, caption_h), Qt.AlignmentFlag.AlignCenter, item_caption(item))
    painter.end()
    return out


def write_csv(items: list[CompareItem], path: str | Path, *, passes: int | None = None,
              region: tuple[int, int, int, int] | None = None, image: str = "", strength=None) -> Path:
    """One row per model: time, every metric, what it ran with (σ and where it came from,
    self-ensemble passes, luminance/colour strength and grain, region x/y/w/h or "whole") and the
    error if it failed — a CSV read later must say how its numbers were made."""
    st = Strength.of(1.0 if strength is None else strength)
    keys: list[str] = []
    for item in items:
        for k in item.metrics:
            if k not in keys:
                keys.append(k)
    where = "whole" if region is None else " ".join(str(int(v)) for v in region)
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["model_id", "name", "model_used", "seconds", *keys, "sigma", "sigma_source", "passes",
                    "luma_strength", "chroma_strength", "grain", "region", "image", "error"])
        for item in items:
            ran = item.model_id != "input"
            w.writerow(
                [item.model_id, item.name, getattr(item, "model_used", "") if ran else "", f"{item.seconds:.4f}"]
                + [f"{item.metrics[k]:.6g}" if k in item.metrics else "" for k in keys]
                + ["" if item.sigma is None else f"{item.sigma:.2f}", item.sigma_source,
                   "" if passes is None or not ran else passes]
                + ([f"{v:g}" for v in st.as_tuple()] if ran else ["", "", ""])
                + [where, image, item.error]
            )
    return path


def export(grid: QImage, items: list[CompareItem], png_path: Path, context: dict, *, progress) -> tuple[Path, Path]:
    """Write the grid PNG and the CSV beside it, each atomically (a worker task)."""
    from denoise_desktop.imageio import atomic_write

    with atomic_write(png_path) as tmp:
        if not grid.save(str(tmp), "PNG"):
            raise OSError(f"could not write {png_path}")
    csv_path = png_path.with_suffix(".csv")
    with atomic_write(csv_path) as tmp:
        write_csv(items, tmp, **context)
    return png_path, csv_path
