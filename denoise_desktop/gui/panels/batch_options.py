"""The Batch tab's boxes: Inputs (files and folders to denoise), Output (folder, names, format, RAW develop, which files) and
Model (model, Quality, noise, σ, luminance / colour / grain, device). Each shows its fields of the
shared ``AppSettings`` and writes them back when they change; what Batch takes from the Denoise
tab without a control of its own (precision, metadata) is named in the Model box."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from denoise_desktop.settings import OUTPUT_FORMATS, AppSettings

from ..batch_job import AUTO_MODEL
from ..widgets import fill_device_combo, path_row, select_data
from .choices import LEVEL_HELP, NOISE_CHOICES, NOISE_HELP, image_filter
from .quality import quality_combo
from .strength_controls import StrengthControls

__all__ = ["BatchInputsBox", "BatchOutputBox", "BatchModelBox"]

RAW_MOSAIC_HELP = (
    "With the Automatic model and noise: a camera RAW file is denoised before development, on its "
    "Bayer mosaic, where the sensor's noise is still white and fitted exactly (ahead of developing "
    "first: docs/benchmarks.md). Off: developed, then denoised like a photo")


class BatchInputsBox(QGroupBox):
    def __init__(self, on_change: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__("Inputs (files and folders; drop them here)", parent)
        self._on_change = on_change  # the list changed (the panel enables Start)
        lay = QVBoxLayout(self)
        self.input_list = QListWidget()
        self.input_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        lay.addWidget(self.input_list)
        row = QGridLayout()
        self.add_files_button = QPushButton("Add files…")
        self.add_folder_button = QPushButton("Add folder…")
        self.remove_button = QPushButton("Remove")
        self.clear_button = QPushButton("Clear")
        for k, (b, slot) in enumerate(((self.add_files_button, self._choose_files),
                                       (self.add_folder_button, self._choose_folder),
                                       (self.remove_button, self.remove_selected), (self.clear_button, self.clear))):
            row.addWidget(b, k // 2, k % 2)
            b.clicked.connect(slot)
        lay.addLayout(row)

    def inputs(self) -> list[Path]:
        return [Path(self.input_list.item(i).text()) for i in range(self.input_list.count())]

    def add(self, paths) -> None:
        known = {str(p) for p in self.inputs()}
        for p in paths:
            text = str(Path(p))
            if text not in known:
                self.input_list.addItem(text)
                known.add(text)
        self._on_change()

    def remove_selected(self) -> None:
        for item in self.input_list.selectedItems():
            self.input_list.takeItem(self.input_list.row(item))
        self._on_change()

    def clear(self) -> None:
        self.input_list.clear()
        self._on_change()

    def _choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add images", "", image_filter())
        self.add(files)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add folder")
        if folder:
            self.add([folder])


class BatchOutputBox(QGroupBox):
    changed = Signal()  # a field was written into the settings

    def __init__(self, settings: AppSettings, choose_out_dir, parent: QWidget | None = None) -> None:
        super().__init__("Output", parent)
        self.settings = settings
        form = QFormLayout(self)
        out_row, self.out_dir_edit, self.out_dir_button = path_row("output folder", choose_out_dir)
        form.addRow("Output folder", out_row)
        self.naming_edit = QLineEdit("{stem}")
        self.naming_edit.setPlaceholderText("{stem}_denoised")
        self.naming_edit.setToolTip("File name without suffix; {stem} is the input's name, e.g. {stem}_denoised.")
        form.addRow("Name pattern", self.naming_edit)
        fmt_row = QHBoxLayout()
        self.format_combo = QComboBox()
        self.format_combo.addItems(list(OUTPUT_FORMATS))
        self.quality_spin = QSpinBox()
        self.quality_spin.setRange(1, 100)
        self.quality_spin.setPrefix("JPEG quality ")
        fmt_row.addWidget(self.format_combo)
        fmt_row.addWidget(self.quality_spin)
        fmt_row.addStretch(1)
        form.addRow("Format", fmt_row)
        self.raw_colour_combo = QComboBox()
        for key, label in (("srgb", "sRGB"), ("adobe", "Adobe RGB"), ("prophoto", "ProPhoto RGB")):
            self.raw_colour_combo.addItem(label, key)
        self.raw_colour_combo.setToolTip("Colour space camera RAW files are developed into (the matching "
                                         "ICC profile is attached to the output); other files are unchanged")
        form.addRow("RAW colour", self.raw_colour_combo)
        self.raw_mosaic_check = QCheckBox("Denoise RAW files on the sensor mosaic")
        self.raw_mosaic_check.setToolTip(RAW_MOSAIC_HELP)
        form.addRow("", self.raw_mosaic_check)
        self.recursive_check = QCheckBox("Include sub-folders")
        self.skip_existing_check = QCheckBox("Skip files whose output exists")
        form.addRow("", self.recursive_check)
        form.addRow("", self.skip_existing_check)

        s = settings
        self.out_dir_edit.setText(s.last_batch_out_dir or "")
        self.naming_edit.setText(s.naming or "{stem}")
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findText(s.output_format)))
        self.quality_spin.setValue(int(s.jpeg_quality))
        select_data(self.raw_colour_combo, s.raw_color_space)
        self.raw_mosaic_check.setChecked(bool(s.raw_on_mosaic))
        self.recursive_check.setChecked(bool(s.recursive))
        self.skip_existing_check.setChecked(bool(s.skip_existing))
        self._on_format(self.format_combo.currentText())
        self.format_combo.currentTextChanged.connect(self._on_format)
        for signal in (self.out_dir_edit.editingFinished, self.naming_edit.editingFinished,
                       self.format_combo.currentIndexChanged, self.quality_spin.valueChanged,
                       self.raw_colour_combo.currentIndexChanged, self.raw_mosaic_check.toggled,
                       self.recursive_check.toggled, self.skip_existing_check.toggled):
            signal.connect(self.store)

    def _on_format(self, fmt: str) -> None:
        self.quality_spin.setEnabled(fmt in ("jpg", "keep"))

    def store(self, *_: Any) -> None:
        s = self.settings
        s.last_batch_out_dir = self.out_dir_edit.text().strip()
        naming = self.naming_edit.text().strip()
        if "{stem}" in naming:
            s.naming = naming
        s.output_format = self.format_combo.currentText()
        s.jpeg_quality = self.quality_spin.value()
        s.raw_color_space = self.raw_colour_combo.currentData() or "srgb"
        s.raw_on_mosaic = self.raw_mosaic_check.isChecked()
        s.recursive = self.recursive_check.isChecked()
        s.skip_existing = self.skip_existing_check.isChecked()
        self.changed.emit()


class BatchModelBox(QGroupBox):
    changed = Signal()  # a field was written into the settings

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__("Model", parent)
        self.settings = settings
        self._devices_listed = False
        form = QFormLayout(self)
        self.model_combo = QComboBox()
        self.set_model_choices([])  # the models arrive from a worker
        form.addRow("Model", self.model_combo)
        self.ensemble_combo = quality_combo(settings, "batch")
        form.addRow("Quality", self.ensemble_combo)
        self.noise_combo = QComboBox()
        for key, label in NOISE_CHOICES.items():
            self.noise_combo.addItem(label, key)
        self.noise_combo.setToolTip(NOISE_HELP)
        form.addRow("Noise", self.noise_combo)
        sigma_row = QHBoxLayout()
        self.sigma_auto_check = QCheckBox("estimate per image")
        self.sigma_auto_check.setToolTip(LEVEL_HELP)
        self.sigma_spin = QDoubleSpinBox()
        self.sigma_spin.setRange(0.0, 100.0)
        self.sigma_spin.setDecimals(1)
        sigma_row.addWidget(self.sigma_auto_check)
        sigma_row.addWidget(self.sigma_spin)
        sigma_row.addStretch(1)
        form.addRow("Noise σ (0–255)", sigma_row)
        # luminance / colour / grain in % like the Denoise tab's, and the same presets
        self.strength_controls = StrengthControls(settings, self, sliders=False)
        self.strength_controls.setToolTip("Luminance, colour and grain in %, as on the Denoise tab")
        form.addRow("Luma/colour/grain", self.strength_controls)
        self.device_combo = QComboBox()
        fill_device_combo(self.device_combo)  # the rest arrive from a worker: set_devices
        self.device_combo.setToolTip("Where the networks run. Their arithmetic (Precision) is the app-wide "
                                     "setting on the Denoise tab")
        form.addRow("Device", self.device_combo)
        self.precision_label = QLabel()  # app-wide, chosen on the Denoise tab: shown here, not silent
        self.precision_label.setToolTip("The networks' arithmetic, set on the Denoise tab for the whole app")
        form.addRow("Precision", self.precision_label)
        self.metadata_label = QLabel()
        self.metadata_label.setToolTip("Whether outputs keep the input's EXIF and ICC profile: the Denoise tab's "
                                       "Output setting, for the whole app")
        form.addRow("Metadata", self.metadata_label)
        for combo in (self.model_combo, self.ensemble_combo, self.noise_combo, self.device_combo):
            # long model names must not widen the side column (and the window): shown elided
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)

        s = settings
        select_data(self.noise_combo, s.batch_noise)
        self.sigma_auto_check.setChecked(s.sigma_mode != "manual")
        self.sigma_spin.setValue(float(s.sigma))
        self.sigma_spin.setEnabled(not self.sigma_auto_check.isChecked())
        select_data(self.device_combo, s.device)
        self.show_shared()
        self.sigma_auto_check.toggled.connect(lambda on: self.sigma_spin.setEnabled(not on))
        for signal in (self.model_combo.currentIndexChanged, self.ensemble_combo.currentIndexChanged,
                       self.noise_combo.currentIndexChanged, self.sigma_auto_check.toggled,
                       self.sigma_spin.valueChanged, self.strength_controls.changed,
                       self.device_combo.currentIndexChanged):
            signal.connect(self.store)

    def store(self, *_: Any) -> None:
        s = self.settings
        model_id = self.model_combo.currentData()
        if model_id is not None and self.model_combo.count() > 1:  # not while the list is empty
            s.batch_model = None if model_id == AUTO_MODEL else model_id
        s.batch_noise = self.noise_combo.currentData() or "auto"
        s.sigma_mode = "auto" if self.sigma_auto_check.isChecked() else "manual"
        s.sigma = self.sigma_spin.value()
        s.set_blend(self.strength_controls.value())
        s.device = self.device_combo.currentData() or "auto"
        self.changed.emit()

    def set_model_choices(self, choices: list[tuple[str, str, tuple[int, ...]]]) -> None:
        """Fill the model box with (label, id, channels), keeping the current choice."""
        current = self.model_combo.currentData()
        self.model_combo.blockSignals(True)
        try:
            self.model_combo.clear()
            self.model_combo.addItem("Automatic (best for each image)", AUTO_MODEL)
            for label, model_id, _channels in choices:
                self.model_combo.addItem(label, model_id)
            wanted = current if current not in (None, AUTO_MODEL) else (self.settings.batch_model or AUTO_MODEL)
            select_data(self.model_combo, wanted)
        finally:
            self.model_combo.blockSignals(False)

    def set_devices(self, devices: list) -> None:
        """The devices found (a worker lists them); keeps or restores the chosen one."""
        wanted = self.device_combo.currentData() if self._devices_listed else self.settings.device
        fill_device_combo(self.device_combo, devices, wanted)
        self._devices_listed = True

    def show_shared(self) -> None:
        """Name what this tab takes from the Denoise tab (it may have changed meanwhile)."""
        self.precision_label.setText(f"{self.settings.precision} (from the Denoise tab)")
        kept = "kept (EXIF, ICC)" if self.settings.keep_metadata else "dropped"
        self.metadata_label.setText(f"{kept} (from the Denoise tab)")
