"""User preferences as a plain dataclass (no Qt): the GUI maps it to QSettings, tests build it.

``from_dict`` is forgiving on purpose: settings written by an older or newer version (missing
keys, unknown keys, a wrong type) load with defaults for what does not fit, never crash the app.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

from .blend import PRESETS, Strength
from .engine import DEFAULT_ENSEMBLE, ENSEMBLES
from .imageio.raw import COLOR_SPACES
from .routing import NOISE_MODES

__all__ = ["AppSettings", "SIGMA_MODES", "OUTPUT_FORMATS", "DEVICES", "MAX_RECENT", "PRESETS"]

SIGMA_MODES = ("auto", "manual")
OUTPUT_FORMATS = ("keep", "png", "jpg", "tif")
RAW_COLOR_SPACES = COLOR_SPACES  # camera RAW develops (imageio/raw.py imports rawpy only when developing)
DEVICES = ("auto", "cpu", "cuda", "mps")
MAX_RECENT = 10


@dataclass
class AppSettings:
    # compute
    device: str = "auto"  # "auto" | "cpu" | "cuda" | "cuda:N" | "mps"
    tile: int | None = None  # None = from free memory
    precision: str = "auto"
    ensemble: int = DEFAULT_ENSEMBLE  # flipped/rotated runs averaged per tile (engine.ENSEMBLES)
    # denoising
    model_gray: str | None = None  # None = registry.default_model_id((1,))
    model_color: str | None = None
    sigma_mode: str = "auto"  # "auto" estimates σ per image; "manual" uses ``sigma``
    sigma: float = 25.0  # 0–255 scale
    noise: str = "auto"  # routing.NOISE_MODES: "auto" finds the kind per image
    # how much of the removed noise to take away (blend.Strength; Denoise, Batch and Compare)
    luma_strength: float = 1.0
    chroma_strength: float = 1.0
    grain: float = 0.0
    user_presets: dict[str, list[float]] = field(default_factory=dict)  # name → [luma, chroma, grain]
    # output
    output_format: str = "keep"
    jpeg_quality: int = 95
    naming: str = "{stem}"
    keep_metadata: bool = True
    raw_color_space: str = "srgb"  # camera RAW develops into: "srgb" | "adobe" | "prophoto" (raw.COLOR_SPACES)
    raw_on_mosaic: bool = True  # Automatic model: a RAW is denoised on its Bayer mosaic, before development
    # batch (its own model and Quality: "Automatic" never follows the Denoise tab's pick)
    batch_model: str | None = None  # None = Automatic (the bundled default for each image)
    batch_ensemble: int = DEFAULT_ENSEMBLE
    batch_noise: str = "auto"
    recursive: bool = False
    skip_existing: bool = False
    # compare (its own level and Quality: a comparison says what it ran with)
    compare_sigma_mode: str = "auto"
    compare_sigma: float = 25.0
    compare_ensemble: int = DEFAULT_ENSEMBLE
    # history
    recent_files: list[str] = field(default_factory=list)
    last_open_dir: str = ""
    last_save_dir: str = ""
    last_batch_out_dir: str = ""
    # viewer
    compare_mode: str = "split"  # "split" | "side_by_side" | "diff"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    # The single strength of older versions (and of ``--strength``): luminance and colour alike.
    @property
    def strength(self) -> float:
        return self.luma_strength

    @strength.setter
    def strength(self, value: float) -> None:
        self.luma_strength = self.chroma_strength = float(value)
        self._clamp()

    def blend(self) -> Strength:
        """The luma/chroma/grain choice as one ``blend.Strength``."""
        return Strength(self.luma_strength, self.chroma_strength, self.grain)

    def set_blend(self, strength: Strength) -> None:
        self.luma_strength, self.chroma_strength, self.grain = Strength.of(strength).as_tuple()

    def presets(self) -> dict[str, Strength]:
        """Built-in presets first, then the user's (a user preset never hides a built-in one)."""
        out = dict(PRESETS)
        for name, values in self.user_presets.items():
            if name not in out:
                out[name] = Strength(*values)
        return out

    def save_preset(self, name: str, strength: Strength) -> str:
        """Store a user preset (replacing one of that name); returns the name used."""
        name = " ".join(str(name).split())
        if not name:
            raise ValueError("a preset needs a name")
        if name in PRESETS:
            raise ValueError(f"{name!r} is a built-in preset; choose another name")
        self.user_presets[name] = list(Strength.of(strength).as_tuple())
        return name

    def delete_preset(self, name: str) -> bool:
        return self.user_presets.pop(name, None) is not None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "AppSettings":
        """Build from a mapping, keeping defaults for missing, unknown or ill-typed entries."""
        out = cls()
        if not data:
            return out
        for f in dataclasses.fields(cls):
            if f.name not in data:
                continue
            value = _coerce(data[f.name], getattr(out, f.name), f.name)
            if value is not _INVALID:
                setattr(out, f.name, value)
        if "strength" in data and "luma_strength" not in data and "chroma_strength" not in data:
            old = _coerce(data["strength"], 1.0, "strength")  # settings of a version before the split
            if old is not _INVALID:
                out.luma_strength = out.chroma_strength = old
        out._clamp()
        return out

    def add_recent(self, path: str) -> None:
        path = str(path)
        self.recent_files = [path] + [p for p in self.recent_files if p != path]
        del self.recent_files[MAX_RECENT:]

    def _clamp(self) -> None:
        if self.sigma_mode not in SIGMA_MODES:
            self.sigma_mode = "auto"
        if self.noise not in NOISE_MODES:
            self.noise = "auto"
        if self.batch_noise not in NOISE_MODES:
            self.batch_noise = "auto"
        if self.output_format not in OUTPUT_FORMATS:
            self.output_format = "keep"
        if self.raw_color_space not in RAW_COLOR_SPACES:
            self.raw_color_space = "srgb"
        self.sigma = min(255.0, max(0.0, self.sigma))
        for name in ("luma_strength", "chroma_strength", "grain"):
            v = float(getattr(self, name))
            default = AppSettings.__dataclass_fields__[name].default
            setattr(self, name, min(1.0, max(0.0, v)) if math.isfinite(v) else default)
        self.user_presets = {k: v for k, v in self.user_presets.items() if k not in PRESETS}
        self.jpeg_quality = min(100, max(1, self.jpeg_quality))
        if self.ensemble not in ENSEMBLES:
            self.ensemble = DEFAULT_ENSEMBLE
        if self.batch_ensemble not in ENSEMBLES:
            self.batch_ensemble = DEFAULT_ENSEMBLE
        if self.compare_ensemble not in ENSEMBLES:
            self.compare_ensemble = DEFAULT_ENSEMBLE
        if self.compare_sigma_mode not in SIGMA_MODES:
            self.compare_sigma_mode = "auto"
        self.compare_sigma = min(255.0, max(0.0, self.compare_sigma))
        if self.tile is not None and self.tile < 32:
            self.tile = None
        if "{stem}" not in self.naming:
            self.naming = "{stem}"
        del self.recent_files[MAX_RECENT:]


_INVALID = object()


def _presets(data: Any) -> dict[str, list[float]]:
    """name → [luma, chroma, grain]; entries that do not fit are dropped, the rest kept."""
    out: dict[str, list[float]] = {}
    if not isinstance(data, dict):
        return out
    for name, values in data.items():
        try:
            luma, chroma, grain = (float(v) for v in values)
            out[str(name)] = list(Strength(luma, chroma, grain).as_tuple())
        except (TypeError, ValueError):
            continue
    return out
_OPTIONAL_INT = {"tile"}
_OPTIONAL_STR = {"model_gray", "model_color", "batch_model"}


def _coerce(value: Any, default: Any, name: str) -> Any:
    """QSettings hands back strings on some platforms ("true", "95"): convert to the field's type."""
    try:
        if name in _OPTIONAL_INT:
            return None if value in (None, "", "None", "auto") else int(value)
        if name in _OPTIONAL_STR:
            return None if value in (None, "", "None") else str(value)
        if isinstance(default, bool):
            if isinstance(value, str):
                if value.lower() in ("true", "1", "yes"):
                    return True
                if value.lower() in ("false", "0", "no"):
                    return False
                return _INVALID
            return bool(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, dict):  # user presets: QSettings keeps them as a JSON string
            return _presets(json.loads(value) if isinstance(value, str) else value)
        if isinstance(default, list):
            if isinstance(value, str):
                return [value] if value else []
            return [str(v) for v in value]
        if isinstance(default, str):
            return str(value)
    except (TypeError, ValueError):
        return _INVALID
    return value
