"""The one place that knows where things live: source tree vs frozen bundle vs user folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["is_frozen", "resources_dir", "weights_dir", "user_dir", "user_models_dir", "runs_dir", "cache_dir"]

APP_NAME = "DenoiseDesktop"


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def resources_dir() -> Path:
    """Read-only bundled resources (weights, icons)."""
    if is_frozen() and hasattr(sys, "_MEIPASS"):
        return Path(sys._MEIPASS) / "resources"  # type: ignore[attr-defined]
    return Path(__file__).resolve().parents[1] / "resources"


def weights_dir() -> Path:
    return resources_dir() / "weights"


def user_dir() -> Path:
    """Writable per-user data; ``DENOISE_DESKTOP_HOME`` overrides it (tests, portable installs)."""
    override = os.environ.get("DENOISE_DESKTOP_HOME")
    if override:
        base = Path(override)
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / APP_NAME
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support" / APP_NAME
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "denoise-desktop"
    return base


def _sub(name: str) -> Path:
    p = user_dir() / name
    p.mkdir(parents=True, exist_ok=True)
    return p


def user_models_dir() -> Path:
    return _sub("models")


def runs_dir() -> Path:
    return _sub("runs")


def cache_dir() -> Path:
    return _sub("cache")
