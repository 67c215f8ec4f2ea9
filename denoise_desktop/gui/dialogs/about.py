"""About: version, library versions, compute devices and where settings/models live."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from denoise_desktop import __version__

__all__ = ["AboutDialog", "about_text"]


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def about_text(devices: list | None = None, settings_path: str = "") -> str:
    """Plain text for the dialog (and for bug reports: it is selectable)."""
    lines = [
        f"Denoise Desktop {__version__}",
        f"Python {platform.python_version()} ({sys.platform}, {platform.machine()})",
        f"Qt {qVersion()}, PySide6 {pyside_version}",
    ]
    for dist in ("torch", "numpy", "pillow", "opencv-python-headless", "tifffile", "safetensors", "pyqtgraph"):
        lines.append(f"{dist} {_version(dist)}")
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        cuda = getattr(torch.version, "cuda", None)
        lines.append(f"CUDA runtime: {cuda or 'none'}")
    lines.append("")
    lines.append("Devices:")
    for d in devices or []:
        lines.append(f"  {d.id}: {d.label() if hasattr(d, 'label') else d}")
    if not devices:
        lines.append("  (not detected yet)")
    try:
        from denoise_desktop import paths

        lines += ["", f"User models: {paths.user_dir() / 'models'}"]
    except Exception:  # noqa: BLE001
        pass
    if settings_path:
        lines.append(f"Settings: {settings_path}")
    return "\n".join(lines)


class AboutDialog(QDialog):
    def __init__(self, devices: list | None = None, settings_path: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Denoise Desktop")
        title = QLabel(
            f"<h2>Denoise Desktop {__version__}</h2>"
            "<p>Remove noise from photographs and scientific images with CNNs; "
            "train and compare denoisers.</p><p>MIT licence.</p>",
            self,
        )
        title.setTextFormat(Qt.TextFormat.RichText)
        title.setWordWrap(True)
        self.details = QPlainTextEdit(about_text(devices, settings_path), self)
        self.details.setReadOnly(True)
        self.details.setMinimumSize(460, 260)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(self.details, 1)
        lay.addWidget(buttons)
