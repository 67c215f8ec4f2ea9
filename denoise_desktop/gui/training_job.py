"""The Training tab's Qt-free side: recipes found and read without importing the trainer (no
torch in the GUI process), the recipe keys behind the form's controls and their defaults, the
device arguments, and installing an exported model among the user's."""

from __future__ import annotations

import filecmp
import importlib.util
import re
from pathlib import Path
from typing import Any

from denoise_desktop import paths
from training.config import ConfigError, read_recipe_table

__all__ = ["OVERRIDE_KEYS", "RECIPE_DEFAULTS", "RECIPE_INIT", "DEFAULT_RECIPE", "recipes_dir", "list_recipes",
           "read_recipe", "lookup", "slug", "device_args", "format_duration", "install_export"]

DEFAULT_RECIPE = "default_color"  # what the bundled color model was trained with
RECIPE_INIT = "__recipe__"  # "Start from": the weights the recipe itself names (model.init)

#: Recipe keys (``--set section.key=value``) behind each control; matches training/config.py.
OVERRIDE_KEYS = {
    "arch": "model.arch",
    "sigma": "noise.sigma",  # a number, or [lo, hi] for blind training
    "epochs": "train.epochs",
    "steps_per_epoch": "train.steps_per_epoch",  # 0 = from the data size
    "batch_size": "data.batch_size",
    "patch_size": "data.patch_size",
    "data_kind": "data.kind",
    "data_dir": "data.train",
    "val_dir": "data.val",
}

#: What the trainer uses when a recipe leaves a key out (mirrors training.config; a test checks).
RECIPE_DEFAULTS = {
    "arch": "dncnn",
    "sigma": 25.0,
    "epochs": 10,
    "steps_per_epoch": 0,
    "batch_size": 16,
    "patch_size": 64,
}


def recipes_dir() -> Path | None:
    """``training/recipes`` located without importing ``training`` (no torch in the GUI)."""
    spec = importlib.util.find_spec("training")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "recipes"
        if candidate.is_dir():
            return candidate
    return None


def list_recipes() -> list[Path]:
    folder = recipes_dir()
    return sorted(folder.glob("*.toml")) if folder is not None else []


def read_recipe(path: Path) -> dict:
    """The recipe's table with its ``extends`` chain merged in, so the form shows what will run."""
    try:
        return read_recipe_table(path)
    except (OSError, ConfigError):
        return {}


def lookup(data: dict, dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def slug(text: str) -> str:
    """A file-name-safe short form of a folder name."""
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:40]


def device_args(device: str | None) -> tuple[str | None, str | None]:
    """(``--device`` value, ``train.device`` override): the CLI flag takes auto/cpu/cuda only."""
    if device in (None, "auto"):
        return None, None  # keep the recipe's choice
    if device.startswith("cuda:"):
        return None, device
    return device, None


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    s = max(0, int(round(seconds)))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def install_export(exported: str) -> str:
    """The exported file's place among the user's models (raises when it cannot be added).

    The export stays in its run folder; ``weights.import_model`` validates it and stores a
    copy under a unique name, so training the same recipe twice never overwrites a model
    (the trainer's own ``export.to_user_models`` copy, if a recipe asks for it, is reused).
    """
    source = Path(exported)
    models_dir = paths.user_models_dir().resolve()
    if source.resolve().parent == models_dir:
        return str(source)
    copy = models_dir / source.name  # export.to_user_models copies it there
    # the same bytes, not only the same size: a resumed run re-exports the same shapes
    if copy.is_file() and source.is_file() and filecmp.cmp(copy, source, shallow=False):
        return str(copy)
    from denoise_desktop import weights

    digest = weights.file_sha256(source)
    for card_file in sorted(models_dir.glob("*.json")):  # imported before, these very bytes
        try:
            if weights.read_card(card_file.with_suffix(".safetensors")).get("imported_sha256") == digest:
                return str(card_file.with_suffix(".safetensors"))
        except Exception:  # noqa: BLE001 - an unreadable card is simply not a match
            continue
    return str(weights.import_model(source))
