"""The Denoise tab's Settings box: noise kind, σ (Auto with the estimate, or set by hand),
luminance / colour / grain, Quality, device, precision and tile. It shows ``AppSettings`` and
writes every change back; the panel listens to what a result depends on."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QSlider, QSpinBox, QWidget

from denoise_desktop.blend import Strength
from denoise_desktop.settings import AppSettings

from ..document import ImageDocument
from ..viewmodels.denoise_status import estimate_text
from .choices import LEVEL_HELP, NOISE_CHOICES, NOISE_HELP, PRECISION_CHOICES, PRECISION_HELP, SIGMA_MAX, TILE_CHOICES
from .quality import quality_combo
from .strength_controls import StrengthControls

__all__ = ["DenoiseSettings"]


class DenoiseSettings(QGroupBox):
    result_setting_changed = Signal()  # σ, its mode, noise, Quality or precision: a result made before is stale
    strength_changed = Signal()  # luminance / colour / grain: re-mixed, no model run
    device_changed = Signal(str)
    stored = Signal()  # the settings were written (the panel stores its model choice with them)

    def __init__(self, settings: AppSettings, document: ImageDocument, entry: Callable[[], Any],
                 parent: QWidget | None = None) -> None:
        super().__init__("Settings", parent)
        self.settings, self.document = settings, document
        self._entry = entry  # the chosen model's registry entry (None before the list arrives)
        self._loading = False
        self._devices_loaded = False
        self.sigma_auto = QCheckBox("Auto", self)
        self.sigma_auto.setToolTip(LEVEL_HELP)
        self.sigma_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.sigma_slider.setRange(0, SIGMA_MAX)
        self.sigma_spin = QSpinBox(self)
        self.sigma_spin.setRange(0, SIGMA_MAX)
        self.sigma_estimate = QLabel("", self)
        self.sigma_estimate.setWordWrap(True)  # "(noise std. dev., 0–255)" must not widen the panel
        # luminance / colour / grain and presets; moving them re-mixes without running the model
        self.strength_controls = StrengthControls(settings, self)
        self.device_combo = QComboBox(self)
        self.device_combo.addItem("Auto (best available)", "auto")
        self.precision_combo = _combo(self, PRECISION_CHOICES, PRECISION_HELP)
        self.tile_combo = _combo(self, {t: "Auto (from free memory)" if t is None else f"{t} px" for t in TILE_CHOICES})
        self.noise_combo = _combo(self, NOISE_CHOICES, NOISE_HELP)
        # the longest choice must not widen the side panel: shown elided
        self.noise_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.noise_combo.setMinimumContentsLength(16)
        self.quality_combo = quality_combo(settings, "denoise", self)

        sigma_row = QHBoxLayout()
        sigma_row.addWidget(self.sigma_auto)
        sigma_row.addWidget(self.sigma_slider, 1)
        sigma_row.addWidget(self.sigma_spin)
        form = QFormLayout(self)
        form.addRow("Noise", self.noise_combo)
        form.addRow("Noise σ", sigma_row)
        form.addRow("", self.sigma_estimate)
        form.addRow(self.strength_controls)
        form.addRow("Quality", self.quality_combo)
        form.addRow("Device", self.device_combo)
        form.addRow("Precision", self.precision_combo)
        form.addRow("Tile size", self.tile_combo)

        self.sigma_slider.valueChanged.connect(self.sigma_spin.setValue)
        self.sigma_spin.valueChanged.connect(self.sigma_slider.setValue)
        self._load()
        self.sigma_spin.valueChanged.connect(self._on_result_setting)
        self.sigma_auto.toggled.connect(self._on_sigma_mode)
        for combo in (self.precision_combo, self.quality_combo, self.noise_combo):
            combo.currentIndexChanged.connect(self._on_result_setting)
        self.tile_combo.currentIndexChanged.connect(self.store)
        self.device_combo.currentIndexChanged.connect(self._on_device)
        self.strength_controls.changed.connect(self.store)
        self.strength_controls.changed.connect(self.strength_changed)

    def _load(self) -> None:
        s = self.settings
        self._loading = True
        self.sigma_spin.setValue(int(round(min(SIGMA_MAX, s.sigma))))
        self.sigma_auto.setChecked(s.sigma_mode == "auto")
        self.strength_controls.set_value(s.blend(), emit=False)
        for combo, value in ((self.tile_combo, s.tile), (self.noise_combo, s.noise), (self.precision_combo, s.precision)):
            combo.setCurrentIndex(max(0, combo.findData(value)))
        self._loading = False
        self.update_sigma_controls()
        self.store()

    def store(self, *_: object) -> None:
        """Write the controls back into ``AppSettings`` (persisted by the main window)."""
        if self._loading:
            return
        s = self.settings
        s.sigma_mode = "auto" if self.sigma_auto.isChecked() else "manual"
        s.sigma = float(self.sigma_spin.value())
        s.set_blend(self.strength())
        dev = self.device_combo.currentData()
        if dev is not None and self._devices_loaded:  # before the list arrives only "auto" exists
            s.device = str(dev)
        s.tile = self.tile_combo.currentData()
        s.noise = str(self.noise_combo.currentData() or "auto")
        s.precision = str(self.precision_combo.currentData() or "auto")
        self.stored.emit()

    def _on_result_setting(self, *_: object) -> None:
        if self._loading:
            return  # (the σ box showing Auto's estimate is no change of the user's)
        self.store()
        self.result_setting_changed.emit()

    def _on_sigma_mode(self, _auto: bool) -> None:
        self.update_sigma_controls()
        self._on_result_setting()

    def update_sigma_controls(self) -> None:
        """σ is set by hand only with Auto off, and only for a model that takes it."""
        entry = self._entry()
        takes = bool(getattr(entry, "takes_sigma", True)) if entry is not None else True
        auto = self.sigma_auto.isChecked()
        self.sigma_auto.setEnabled(takes)
        self.sigma_slider.setEnabled(takes and not auto)
        self.sigma_spin.setEnabled(takes and not auto)
        if not takes:
            self.sigma_estimate.setText("This model finds the noise level by itself.")
        else:
            self.show_estimate(self.document.estimated_sigma)

    def show_estimate(self, sigma: float | None) -> None:
        entry = self._entry()
        if entry is not None and not getattr(entry, "takes_sigma", True):
            return
        if sigma is None:
            self.sigma_estimate.setText("Estimated: —" if self.document.has_image() else "")
            return
        self.sigma_estimate.setText(estimate_text(sigma, self.document.noise_kind, self.raw_on_mosaic()))
        self.sigma_estimate.setToolTip(LEVEL_HELP)
        if self.sigma_auto.isChecked():
            self._loading = True
            self.sigma_spin.setValue(int(round(min(SIGMA_MAX, sigma))))
            self._loading = False

    def raw_on_mosaic(self) -> bool:
        """Whether Denoise will take the open RAW's mosaic path (jobs.denoise decides the same)."""
        img = self.document.original if self.document.has_image() else None
        entry = self._entry()
        return (img is not None and getattr(img, "format", None) == "RAW"
                and bool(self.settings.raw_on_mosaic) and self.sigma_auto.isChecked()
                and (self.noise_combo.currentData() or "auto") == "auto"
                and getattr(entry, "source", "") == "bundled" and (getattr(entry, "card", {}) or {}).get("default") is True)

    def strength(self) -> Strength:
        """Luminance, colour and grain as chosen (``blend.Strength``)."""
        return self.strength_controls.value()

    def sigma_value(self) -> float | None:
        """σ to use (0–255 scale), or None for auto."""
        return None if self.sigma_auto.isChecked() else float(self.sigma_spin.value())

    def device(self) -> str:
        return str(self.device_combo.currentData() or "auto")

    def set_devices(self, devices: list) -> None:
        wanted = self.settings.device
        self._loading = True
        self.device_combo.clear()
        self.device_combo.addItem("Auto (best available)", "auto")
        for d in devices:
            self.device_combo.addItem(d.label() if hasattr(d, "label") else str(d), d.id)
        self._loading = False
        self._devices_loaded = True
        i = self.device_combo.findData(wanted)
        if i < 0 and wanted == "cuda":
            i = self.device_combo.findData("cuda:0")
        self.device_combo.setCurrentIndex(max(0, i))
        self._on_device()

    def _on_device(self, *_: object) -> None:
        if self._loading:
            return
        self.store()
        self.device_changed.emit(self.device())


def _combo(parent: QWidget, choices: dict, tip: str = "") -> QComboBox:
    combo = QComboBox(parent)
    for key, label in choices.items():
        combo.addItem(label, key)
    if tip:
        combo.setToolTip(tip)
    return combo
