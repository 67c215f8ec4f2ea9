"""numpy pixels → QImage for display, and pixel-value readout text.

Conversion is plain numpy plus a ``QImage`` (not ``QPixmap``), so workers can run it off the GUI
thread for large images. 16-bit data is shown by its top 8 bits; the readout keeps full values.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

__all__ = ["to_display_uint8", "to_qimage", "difference_qimage", "pixel_text"]


def to_display_uint8(pixels: np.ndarray) -> np.ndarray:
    """uint8/uint16/float [0,1] H×W(×C) → uint8 H×W×C for the screen."""
    a = np.asarray(pixels)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.dtype == np.uint8:
        return a
    if a.dtype == np.uint16:
        return (a >> 8).astype(np.uint8)
    if np.issubdtype(a.dtype, np.floating):
        return (np.clip(a, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if np.issubdtype(a.dtype, np.integer):
        return np.clip(a, 0, 255).astype(np.uint8)
    raise TypeError(f"cannot display pixels of dtype {a.dtype}")


def to_qimage(pixels: np.ndarray, alpha: np.ndarray | None = None) -> QImage:
    """A self-contained (copied) QImage of ``pixels`` (gray or RGB, optional alpha)."""
    rgb = to_display_uint8(pixels)
    h, w, c = rgb.shape
    if alpha is not None:
        a = to_display_uint8(alpha)[:, :, 0]
        if c == 1:
            rgb = np.repeat(rgb, 3, axis=2)
        buf = np.ascontiguousarray(np.dstack([rgb, a]))
        fmt, bpl = QImage.Format.Format_RGBA8888, 4 * w
    elif c == 1:
        buf = np.ascontiguousarray(rgb[:, :, 0])
        fmt, bpl = QImage.Format.Format_Grayscale8, w
    elif c == 3:
        buf = np.ascontiguousarray(rgb)
        fmt, bpl = QImage.Format.Format_RGB888, 3 * w
    else:
        raise ValueError(f"cannot display an image with {c} channels")
    # QImage does not own numpy memory: copy() detaches it before ``buf`` goes away.
    return QImage(buf.data, w, h, bpl, fmt).copy()


def difference_qimage(before: np.ndarray, after: np.ndarray, amplification: float) -> QImage:
    """|after − before| × amplification, as seen on an 8-bit screen (black = no change)."""
    if before.shape != after.shape:
        raise ValueError(f"cannot compare images of shapes {before.shape} and {after.shape}")
    scale = 1.0
    if before.dtype == np.uint16:
        scale = 255.0 / 65535.0
    elif np.issubdtype(before.dtype, np.floating):
        scale = 255.0
    diff = np.abs(after.astype(np.float32) - before.astype(np.float32))
    diff *= scale * float(amplification)
    return to_qimage(np.clip(diff, 0, 255).astype(np.uint8))


def _values(pixels: np.ndarray, x: int, y: int) -> str:
    v = np.asarray(pixels[y, x]).reshape(-1)
    if pixels.dtype == np.uint16:
        eight = ",".join(str(int(i) >> 8) for i in v)
        return f"{eight} (16-bit {','.join(str(int(i)) for i in v)})"
    if np.issubdtype(pixels.dtype, np.floating):
        return ",".join(f"{float(i) * 255:.0f}" for i in v)
    return ",".join(str(int(i)) for i in v)


def pixel_text(x: int, y: int, before: np.ndarray | None, after: np.ndarray | None = None) -> str:
    """Status-bar readout: position and the original (and denoised) values at it."""
    if before is None or not (0 <= y < before.shape[0] and 0 <= x < before.shape[1]):
        return ""
    parts = [f"x {x}  y {y}", f"original {_values(before, x, y)}"]
    if after is not None and after.shape[:2] == before.shape[:2]:
        parts.append(f"denoised {_values(after, x, y)}")
    return "   ".join(parts)
