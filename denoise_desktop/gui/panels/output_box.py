"""The Denoise tab's Output box: format, JPEG quality, metadata, 16 bits per channel, and
Save as…, which writes the result in a worker and never over the input."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox, QPushButton, QSpinBox, QWidget

from denoise_desktop.settings import AppSettings

from .. import jobs
from ..document import ImageDocument
from ..workers import TaskRunner
from .choices import SAVE_FILTERS, SAVE_FORMATS

__all__ = ["OutputBox"]

SIXTEEN_BIT_HELP = ("Write PNG and TIFF with 16 bits per channel: an 8-bit result is scaled ×257, so every "
                    "value stays exact (for editing further). JPEG, WebP and BMP are always 8-bit; a 16-bit "
                    "result is saved with 16 bits where the format allows either way.")


class OutputBox(QGroupBox):
    status_message = Signal(str)
    error_occurred = Signal(str, object)  # title, ErrorInfo | str
    saved = Signal(Path)

    def __init__(self, runner: TaskRunner, settings: AppSettings, document: ImageDocument,
                 parent: QWidget | None = None) -> None:
        super().__init__("Output", parent)
        self.runner, self.settings, self.document = runner, settings, document
        self.format_combo = QComboBox(self)
        for key, (label, _suffix) in SAVE_FORMATS.items():
            self.format_combo.addItem(label, key)
        self.quality_spin = QSpinBox(self)
        self.quality_spin.setRange(1, 100)
        self.quality_spin.setToolTip("JPEG quality")
        self.keep_metadata = QCheckBox("Keep metadata (EXIF, ICC)", self)
        self.sixteen_bit = QCheckBox("16 bits per channel (PNG, TIFF)", self)
        self.sixteen_bit.setToolTip(SIXTEEN_BIT_HELP)
        self.save_button = QPushButton("Save as…", self)
        self.save_button.setToolTip("Save the denoised image (Ctrl+Shift+S)")
        form = QFormLayout(self)
        form.addRow("Format", self.format_combo)
        form.addRow("JPEG quality", self.quality_spin)
        form.addRow(self.keep_metadata)
        form.addRow(self.sixteen_bit)
        form.addRow(self.save_button)

        s = settings
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findData(s.output_format)))
        self.quality_spin.setValue(s.jpeg_quality)
        self.keep_metadata.setChecked(s.keep_metadata)
        self._on_format()
        self.format_combo.currentIndexChanged.connect(self._on_format)
        self.quality_spin.valueChanged.connect(self._store)
        self.keep_metadata.toggled.connect(self._store)
        self.save_button.clicked.connect(self.save_as)

    def _on_format(self, *_: object) -> None:
        key = self.format_combo.currentData()
        self.quality_spin.setEnabled(key in ("jpg", "keep"))
        self.sixteen_bit.setEnabled(key != "jpg")
        self._store()

    def _store(self, *_: object) -> None:
        s = self.settings
        s.output_format = str(self.format_combo.currentData() or "keep")
        s.jpeg_quality = int(self.quality_spin.value())
        s.keep_metadata = bool(self.keep_metadata.isChecked())

    def output_suffix(self) -> str:
        key = self.format_combo.currentData() or "keep"
        suffix = SAVE_FORMATS.get(key, SAVE_FORMATS["keep"])[1]
        if suffix is None:
            from denoise_desktop.imageio import output_suffix_for

            src = self.document.path.suffix.lower() if self.document.path else ""
            # A GIF is read (first frame) but not written: palette-based, it would lose the
            # result; PNG. A camera RAW is read, not written: 16-bit TIFF.
            suffix = output_suffix_for(src) if src else ".png"
        return suffix

    def save_as(self) -> None:
        if not self.document.has_result():
            self.status_message.emit("Nothing to save yet: denoise the image first.")
            return
        start_dir = self.settings.last_save_dir or (str(self.document.path.parent) if self.document.path else "")
        suggested = str(Path(start_dir) / self.document.suggested_output_name(self.output_suffix()))
        suffix = self.output_suffix()
        selected = next((f for f in SAVE_FILTERS.split(";;") if f"*{suffix}" in f), "")
        path, _filter = QFileDialog.getSaveFileName(self, "Save denoised image", suggested, SAVE_FILTERS, selected)
        if path:
            self.save_to(path)

    def save_to(self, path: str | Path):
        """Save the result to ``path`` in a worker; returns the task (or None when refused)."""
        if not self.document.has_result():
            self.status_message.emit("Nothing to save yet: denoise the image first.")
            return None
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(self.output_suffix())
        if self.document.path is not None and path.resolve() == self.document.path.resolve():
            self.error_occurred.emit(
                "Not saved", f"{path.name} is the input image; Denoise Desktop never overwrites it. Choose another name."
            )
            return None
        self.settings.last_save_dir = str(path.parent)
        task = self.runner.submit(
            jobs.save_image,
            self.document.result,
            path,
            fmt=None,  # the suffix decides, so "photo.png" is always a PNG
            quality=self.quality_spin.value(),
            keep_metadata=self.keep_metadata.isChecked(),
            bit_depth=16 if self.sixteen_bit.isChecked() else None,  # (8-bit-only formats ignore it)
            forbidden=(self.document.path,) if self.document.path else (),
            lane="io",
        )
        task.signals.finished.connect(self._on_saved)
        task.signals.failed.connect(lambda info: self.error_occurred.emit(f"Could not save {path.name}", info))
        self.status_message.emit(f"Saving {path.name}…")
        return task

    def _on_saved(self, path: Path) -> None:
        self.status_message.emit(f"Saved {path}")
        self.saved.emit(Path(path))
