"""User preferences as a plain dataclass (no Qt): the GUI maps it to QSettings, tests build it.

``from_dict`` is forgiving on purpose: settings written by an older or newer version (missing
keys, unknown keys, a wrong type) load with defaults for what does not fit, never crash the app.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .engine import DEFAULT_ENSEMBLE, ENSEMBLES

__all__ = ["AppSettings", "SIGMA_MODES", "OUTPUT_FORMATS", "DEVICES", "MAX_RECENT"]

SIGMA_MODES = ("auto", "manual")
OUTPUT_FORMATS = ("keep", "png", "jpg", "tif")
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
    strength: float = 1.0
    # output
    output_format: str = "keep"
    jpeg_quality: int = 95
    naming: str = "{stem}"
    keep_metadata: bool = True
    # batch (its own model and Quality: "Automatic" never follows the Denoise tab's pick)
    batch_model: str | None = None  # None = Automatic (the bundled default for each image)
    batch_ensemble: int = DEFAULT_ENSEMBLE
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
        out._clamp()
        return out

    def add_recent(self, path: str) -> None:
        path = str(path)
        self.recent_files = [path] + [p for p in self.recent_files if p != path]
        del self.recent_files[MAX_RECENT:]

    def _clamp(self) -> None:
        if self.sigma_mode not in SIGMA_MODES:
            self.sigma_mode = "auto"
        if self.output_format not in OUTPUT_FORMATS:
            self.output_format = "keep"
        self.sigma = min(255.0, max(0.0, self.sigma))
        self.strength = min(1.0, max(0.0, self.strength))
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
        if isinstance(default, list):
            if isinstance(value, str):
                return [value] if value else []
            return [str(v) for v in value]
        if isinstance(default, str):
            return str(value)
    except (TypeError, ValueError):
        return _INVALID
    return value
