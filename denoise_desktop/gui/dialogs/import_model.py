"""Pick a weights file to import (the import itself runs in a worker: see DenoisePanel)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

__all__ = ["ask_model_file", "MODEL_FILTER"]

MODEL_FILTER = "Model weights (*.safetensors *.pth *.pt *.ckpt);;All files (*)"


def ask_model_file(parent: QWidget | None, start_dir: str = "") -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Import model", start_dir, MODEL_FILTER)
    return Path(path) if path else None
