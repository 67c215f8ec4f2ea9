"""``ImageData``: decoded pixels plus what must survive a round trip."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np


@dataclasses.dataclass(frozen=True, eq=False)
class ImageData:
    """Decoded pixels plus what must survive a round trip (alpha, metadata, bit depth)."""

    pixels: np.ndarray
    alpha: np.ndarray | None = None
    bit_depth: int = 8
    format: str = "PNG"
    exif: bytes | None = None
    icc_profile: bytes | None = None
    source: Path | None = None
    frames: int = 1
    dpi: tuple[float, float] | None = None
    xmp: bytes | None = None  # the XMP packet (UTF-8 XML): ratings, keywords, captions, rights
    iptc: bytes | None = None  # IPTC-IIM records (JPEG APP13 / TIFF tag 33723), as stored
    notes: tuple[str, ...] = ()  # what reading noted, e.g. "only the first of 12 frames ..."
    metadata_notes: tuple[str, ...] = ()  # metadata found but unreadable (said when it is not written)

    def __repr__(self) -> str:  # arrays and metadata bytes would flood logs and test reports
        alpha = ", alpha" if self.alpha is not None else ""
        meta = "".join(f", {k}" for k in ("exif", "icc_profile", "xmp", "iptc") if getattr(self, k))
        return (
            f"ImageData({self.width}×{self.height}×{self.channels}, {self.bit_depth}-bit, {self.format}"
            f"{alpha}{meta}, source={str(self.source) if self.source else None!r})"
        )

    def __post_init__(self) -> None:
        px = np.asarray(self.pixels)
        if px.ndim == 2:
            px = px[:, :, None]
        if px.ndim != 3 or px.shape[2] not in (1, 3):
            raise ValueError(f"pixels must be H×W×C with C in (1, 3), got shape {px.shape}")
        if self.bit_depth not in (8, 16):
            raise ValueError(f"bit_depth must be 8 or 16, got {self.bit_depth}")
        dtype = np.uint8 if self.bit_depth == 8 else np.uint16
        if px.dtype != dtype:
            raise ValueError(f"{self.bit_depth}-bit pixels must be {np.dtype(dtype)}, got {px.dtype}")
        object.__setattr__(self, "pixels", px)
        if self.alpha is not None:
            a = np.asarray(self.alpha)
            if a.shape != px.shape[:2] or a.dtype != dtype:
                raise ValueError(f"alpha must be {px.shape[:2]} {np.dtype(dtype)}, got {a.shape} {a.dtype}")
        if self.source is not None:
            object.__setattr__(self, "source", Path(self.source))

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def channels(self) -> int:
        return int(self.pixels.shape[2])

    @property
    def max_value(self) -> int:
        return 255 if self.bit_depth == 8 else 65535

    def to_float(self) -> np.ndarray:
        """Pixels as float32 H×W×C in [0, 1]."""
        return self.pixels.astype(np.float32) / np.float32(self.max_value)

    def with_pixels(self, values: np.ndarray) -> "ImageData":
        """A copy holding ``values`` (float, [0, 1]) quantised to this bit depth; alpha and
        metadata are kept. The channel count may change (1 or 3) but not the size."""
        v = np.asarray(values, dtype=np.float32)
        if v.ndim == 2:
            v = v[:, :, None]
        if v.ndim != 3 or v.shape[:2] != self.pixels.shape[:2] or v.shape[2] not in (1, 3):
            raise ValueError(f"expected {self.height}×{self.width}×(1|3) values, got shape {v.shape}")
        q = np.rint(np.clip(np.nan_to_num(v, nan=0.0), 0.0, 1.0) * self.max_value)
        return dataclasses.replace(self, pixels=q.astype(self.pixels.dtype))

