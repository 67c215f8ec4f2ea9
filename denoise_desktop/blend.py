"""Luminance and colour strength, and "keep grain": how much of what the network removed is kept.

The network's output at full strength ``O`` and the input ``I`` are mixed per component in Y'CbCr
with BT.709 luma weights (``LUMA_WEIGHTS``):

* luma  ``Y' = I_Y + luma·(O_Y − I_Y) − grain·luma·HP(O_Y − I_Y)``
* chroma ``Cb, Cr = I_C + chroma·(O_C − I_C)``

``HP`` is a high-pass (the difference minus its Gaussian blur, σ = ``GRAIN_SIGMA`` = 1 px), so
"keep grain" gives back only the fine part of the luminance noise the network took away; the
blotchy, low-frequency part stays removed. ``grain`` is a fraction of what the luma strength
removes: at grain 1 the fine luminance texture of the input is all there, never more.

Why BT.709: the images we denoise are sRGB (or developed into it), whose primaries are BT.709's,
so 0.2126/0.7152/0.0722 is the luma of those primaries; BT.601's 0.299/0.587/0.114 belong to the
NTSC/SMPTE-C primaries (JPEG kept them for history). The chroma guarantee holds in either: a
pure luma change is a move along R = G = B, which leaves B−Y and R−Y — and so Cb and Cr of any
Y'CbCr flavour — untouched. Which weights are used only decides what "luma" keeps exactly.

No colour-space conversion is needed: with ``d = O − I`` and ``dY = w·d`` the result is
``I + chroma·d + ((luma − chroma)·dY − grain·luma·HP(dY))·(1, 1, 1)``. Gray images have luma
only (``chroma`` is ignored). The blend is on the encoded (gamma) values, like the plain strength
blend before it; values are clipped to [0, 1] when quantised, so at the gamut's edge a kept
chroma can move by the clipped amount.

``Strength(l, l, 0)`` ("plain") is exactly the old single ``strength``: a linear mix in RGB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Union

import numpy as np

__all__ = ["Strength", "StrengthLike", "LUMA_WEIGHTS", "GRAIN_SIGMA", "PRESETS", "DEFAULT_PRESET",
           "apply", "blend_arrays", "luma", "chroma"]

#: BT.709 luma weights (R, G, B)
LUMA_WEIGHTS = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
#: "fine grain": what a Gaussian of this σ (px) removes
GRAIN_SIGMA = 1.0
_RADIUS = 4  # the Gaussian's half-width (4σ): rows of context a band needs either side


@dataclass(frozen=True)
class Strength:
    """How much of the removed noise to take away: luminance, colour (both 0–1), and the
    fraction of the removed fine luminance detail to give back (``grain``, 0–1)."""

    luma: float = 1.0
    chroma: float = 1.0
    grain: float = 0.0

    def __post_init__(self) -> None:
        for name in ("luma", "chroma", "grain"):
            v = float(getattr(self, name))
            if not math.isfinite(v) or not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} strength must be within [0, 1], got {getattr(self, name)}")
            object.__setattr__(self, name, v)

    @classmethod
    def of(cls, value: "StrengthLike") -> "Strength":
        """A ``Strength`` from itself or from the single strength of old (both luma and chroma)."""
        if isinstance(value, Strength):
            return value
        if isinstance(value, (tuple, list)):
            return cls(*value)
        v = float(value)
        return cls(v, v, 0.0)

    @property
    def plain(self) -> bool:
        """Luma and chroma alike and no grain: the plain RGB mix of the single strength."""
        return self.luma == self.chroma and self.grain == 0.0

    @property
    def full(self) -> bool:
        return self.luma == 1.0 and self.chroma == 1.0 and self.grain == 0.0

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.luma, self.chroma, self.grain)

    def describe(self) -> str:
        """"luminance 80 %, colour 100 %, grain 10 %" for labels and logs."""
        return (f"luminance {self.luma * 100:.0f} %, colour {self.chroma * 100:.0f} %, "
                f"grain {self.grain * 100:.0f} %")

    def info(self) -> dict:
        """Keys for a result's ``info``; ``strength`` only where one number says it all."""
        out = {"luma_strength": self.luma, "chroma_strength": self.chroma, "grain": self.grain}
        if self.plain:
            out["strength"] = self.luma
        return out


StrengthLike = Union[float, int, Strength, tuple]

#: built-in presets (name → strength); "Default" is everything the network removes, as the app
#: has always done (the factory setting, so the picker shows "Default" on a fresh install), the
#: others keep some texture back. There is no "stronger than Default": the mix only takes away
#: less than the network removes (a higher σ removes more).
PRESETS: dict[str, Strength] = {
    "Gentle": Strength(0.5, 1.0, 0.3),
    "Natural": Strength(0.8, 1.0, 0.1),
    "Default": Strength(1.0, 1.0, 0.0),
}
DEFAULT_PRESET = "Default"


def _as_float(a: np.ndarray, scale: float | None) -> np.ndarray:
    if scale is not None:
        return a.astype(np.float32) * np.float32(scale)
    return np.asarray(a, dtype=np.float32)


def _scale_of(a: np.ndarray) -> float | None:
    return 1.0 / np.iinfo(a.dtype).max if a.dtype in (np.uint8, np.uint16) else None


def _highpass(x: np.ndarray) -> np.ndarray:
    """``x`` minus its Gaussian blur (σ = GRAIN_SIGMA), mirrored at the edges."""
    import cv2

    k = 2 * _RADIUS + 1
    x = np.ascontiguousarray(x, dtype=np.float32)
    return x - cv2.GaussianBlur(x, (k, k), GRAIN_SIGMA, borderType=cv2.BORDER_REFLECT_101)


def apply(inp: np.ndarray, out: np.ndarray, strength: StrengthLike, *, band: int = 512) -> np.ndarray:
    """Mix ``out`` (float32, the network at full strength, H×W×C or H×W) with ``inp`` (same
    shape; float in [0, 1], uint8 or uint16) in place, in row bands (no full-size temporaries);
    returns ``out``."""
    st = Strength.of(strength)
    if st.full:
        return out
    if out.dtype != np.float32:
        raise TypeError(f"out must be float32, got {out.dtype}")
    if inp.shape != out.shape:
        raise ValueError(f"input {inp.shape} and output {out.shape} differ in shape")
    o = out[:, :, None] if out.ndim == 2 else out
    i = inp[:, :, None] if inp.ndim == 2 else inp
    scale = _scale_of(i)
    h, c = o.shape[0], o.shape[2]
    band = max(band, _RADIUS)
    if st.plain or c not in (1, 3):
        s = st.luma  # as the engine has always mixed: o·s + (1 − s)·i
        for y in range(0, h, band):
            ob = o[y : y + band]
            ob *= s
            ob += (1.0 - s) * _as_float(i[y : y + band], scale)
        return out
    color = c == 3
    lum, chrom = np.float32(st.luma), np.float32(st.chroma if color else st.luma)
    keep = np.float32(st.grain * st.luma)
    r = _RADIUS if keep > 0 else 0
    tail = None  # dY of the r rows above the band, taken before they were changed
    for y0 in range(0, h, band):
        y1 = min(h, y0 + band)
        end = min(h, y1 + r)
        ib = _as_float(i[y0:end], scale)
        d = o[y0:end] - ib
        dy = d @ LUMA_WEIGHTS if color else d[:, :, 0]
        k = (lum - chrom) * dy[: y1 - y0] if color else np.zeros(dy[: y1 - y0].shape, np.float32)
        if r:
            ext = dy if tail is None else np.concatenate([tail, dy])
            top = 0 if tail is None else tail.shape[0]
            k -= keep * _highpass(ext)[top : top + y1 - y0]
            tail = dy[max(0, y1 - y0 - r) : y1 - y0].copy()
        ob = o[y0:y1]
        ob[...] = ib[: y1 - y0]
        ob += chrom * d[: y1 - y0]
        ob += k[:, :, None]
    return out


def blend_arrays(inp: np.ndarray, full: np.ndarray, strength: StrengthLike) -> np.ndarray:
    """``apply`` on a float32 copy of ``full`` (either may be uint8/uint16): a new array."""
    out = _as_float(full, _scale_of(full)).copy() if full.dtype != np.float32 else full.copy()
    return apply(inp, out, strength)


def luma(x: np.ndarray) -> np.ndarray:
    """Y' (BT.709) of a float H×W×3 image; a gray H×W(×1) image is its own luma."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 3 and x.shape[2] == 3:
        return x @ LUMA_WEIGHTS.astype(np.float64)
    return x[:, :, 0] if x.ndim == 3 else x


def chroma(x: np.ndarray) -> np.ndarray:
    """(Cb, Cr) of a float H×W×3 image (BT.709, unscaled offsets), H×W×2."""
    x = np.asarray(x, dtype=np.float64)
    y = luma(x)
    wr, _, wb = LUMA_WEIGHTS.astype(np.float64)
    return np.stack([(x[:, :, 2] - y) / (2 * (1 - wb)), (x[:, :, 0] - y) / (2 * (1 - wr))], axis=-1)
