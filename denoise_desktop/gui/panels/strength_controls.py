"""Luminance, colour and grain controls with named presets: one widget for the Denoise and Batch tabs.

Values are shown in % and read as a ``blend.Strength`` (0–1 fractions). The presets are the
built-in ones (``blend.PRESETS``) and the user's (``AppSettings.user_presets``, shared by every
instance: the list is re-read when the widget is shown). The widget does not write the three
values into the settings itself; the panel that holds it does, with the rest of its controls.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QMenu,
    QMessageBox,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from denoise_desktop.blend import PRESETS, Strength
from denoise_desktop.settings import AppSettings

__all__ = ["StrengthControls", "CUSTOM"]

CUSTOM = "Custom"
LUMA_HELP = ("How much of the removed luminance (brightness) noise to take away: 100 % is the model's "
             "output, 0 % keeps the input's luminance")
CHROMA_HELP = ("How much of the removed colour noise (coloured speckles and blotches) to take away: "
               "100 % is the model's output, 0 % keeps the input's colour")
GRAIN_HELP = ("Give back this share of the fine luminance grain the model removed, for a film look; "
              "coarse blotches and colour noise stay removed")
GRAY_HELP = "A gray image has no colour noise"


def _spin(parent: QWidget, tip: str) -> QSpinBox:
    s = QSpinBox(parent)
    s.setRange(0, 100)
    s.setSingleStep(5)
    s.setSuffix(" %")
    s.setToolTip(tip)
    return s


class StrengthControls(QWidget):
    changed = Signal(object)  # blend.Strength, after a control moved or a preset was picked

    def __init__(self, settings: AppSettings | None, parent: QWidget | None = None, *, sliders: bool = True) -> None:
        super().__init__(parent)
        self.settings = settings
        self._quiet = False
        self.luma_spin = _spin(self, LUMA_HELP)
        self.chroma_spin = _spin(self, CHROMA_HELP)
        self.grain_spin = _spin(self, GRAIN_HELP)
        self.preset_combo = QComboBox(self)
        self.preset_combo.setToolTip("Saved luminance / colour / grain settings")
        # one narrow tool button (the side panel keeps its width): click saves, its menu deletes
        self.save_preset_button = QToolButton(self)
        self.save_preset_button.setText("Save…")
        self.save_preset_button.setToolTip("Save preset: keep the current luminance, colour and grain under a name")
        self.save_preset_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(self.save_preset_button)
        self.delete_preset_action = menu.addAction("Delete this preset")
        self.delete_preset_action.setToolTip("Built-in presets stay")
        self.save_preset_button.setMenu(menu)
        self.sliders: dict[str, QSlider] = {}

        rows = (("Luminance", self.luma_spin), ("Colour", self.chroma_spin), ("Grain", self.grain_spin))
        preset_row = QHBoxLayout()
        preset_row.addWidget(self.preset_combo, 1)
        preset_row.addWidget(self.save_preset_button)
        if sliders:
            form = QFormLayout(self)
            form.setContentsMargins(0, 0, 0, 0)
            for label, spin in rows:
                slider = QSlider(Qt.Orientation.Horizontal, self)
                slider.setRange(0, 100)
                slider.setToolTip(spin.toolTip())
                slider.valueChanged.connect(spin.setValue)
                spin.valueChanged.connect(slider.setValue)
                self.sliders[label] = slider
                row = QHBoxLayout()
                row.addWidget(slider, 1)
                row.addWidget(spin)
                form.addRow(label, row)
            form.addRow("Preset", preset_row)
        else:  # compact, no labels of its own (Batch: one form row, its columns share the width):
            lay = QVBoxLayout(self)  # luminance, colour, grain side by side; the presets below
            lay.setContentsMargins(0, 0, 0, 0)
            row = QHBoxLayout()
            for _label, spin in rows:
                row.addWidget(spin)
            row.addStretch(1)
            lay.addLayout(row)
            lay.addLayout(preset_row)

        for spin in (self.luma_spin, self.chroma_spin, self.grain_spin):
            spin.valueChanged.connect(self._on_spin)
        self.preset_combo.activated.connect(self._on_preset_chosen)
        self.save_preset_button.clicked.connect(self.save_preset_dialog)
        self.delete_preset_action.triggered.connect(self.delete_current_preset)
        self.refresh_presets()
        if hasattr(settings, "blend"):
            self.set_value(settings.blend(), emit=False)

    # -- values ------------------------------------------------------------------------------------
    def value(self) -> Strength:
        return Strength(self.luma_spin.value() / 100.0, self.chroma_spin.value() / 100.0,
                        self.grain_spin.value() / 100.0)

    def set_value(self, strength, *, emit: bool = True) -> None:
        st = Strength.of(strength)
        self._quiet = True
        try:
            self.luma_spin.setValue(int(round(st.luma * 100)))
            self.chroma_spin.setValue(int(round(st.chroma * 100)))
            self.grain_spin.setValue(int(round(st.grain * 100)))
        finally:
            self._quiet = False
        self._sync_combo()
        if emit:
            self.changed.emit(self.value())

    def set_color(self, color: bool) -> None:
        """Gray images have luminance only: the colour control then does nothing."""
        self.chroma_spin.setEnabled(color)
        if "Colour" in self.sliders:
            self.sliders["Colour"].setEnabled(color)
        self.chroma_spin.setToolTip(CHROMA_HELP if color else GRAY_HELP)

    def _on_spin(self, *_: object) -> None:
        if self._quiet:
            return
        self._sync_combo()
        self.changed.emit(self.value())

    # -- presets -----------------------------------------------------------------------------------
    def presets(self) -> dict[str, Strength]:
        return self.settings.presets() if hasattr(self.settings, "presets") else dict(PRESETS)

    def refresh_presets(self) -> None:
        """Re-read the presets (another tab may have saved one) and show the one that matches."""
        self.preset_combo.blockSignals(True)
        try:
            self.preset_combo.clear()
            for name, st in self.presets().items():
                self.preset_combo.addItem(name, name)
                self.preset_combo.setItemData(self.preset_combo.count() - 1, st.describe(),
                                              Qt.ItemDataRole.ToolTipRole)
            self.preset_combo.addItem(CUSTOM, None)
        finally:
            self.preset_combo.blockSignals(False)
        self._sync_combo()

    def current_preset(self) -> str | None:
        """The preset the values match (None: custom values)."""
        data = self.preset_combo.currentData()
        return str(data) if data else None

    def _matching(self) -> str | None:
        now = self.value().as_tuple()
        for name, st in self.presets().items():
            if all(abs(a - b) < 0.005 for a, b in zip(now, st.as_tuple())):
                return name
        return None

    def _sync_combo(self) -> None:
        name = self._matching()
        i = self.preset_combo.findData(name) if name else self.preset_combo.count() - 1
        self.preset_combo.blockSignals(True)
        self.preset_combo.setCurrentIndex(max(0, i))
        self.preset_combo.blockSignals(False)
        self.delete_preset_action.setEnabled(bool(name) and name not in PRESETS)

    def _on_preset_chosen(self, index: int) -> None:
        name = self.preset_combo.itemData(index)
        preset = self.presets().get(name) if name else None
        if preset is not None:
            self.set_value(preset)
        else:
            self._sync_combo()  # "Custom" is what the values say, not a choice

    def apply_preset(self, name: str) -> bool:
        preset = self.presets().get(name)
        if preset is not None:
            self.set_value(preset)
        return preset is not None

    def save_preset(self, name: str) -> str:
        """Keep the current values as a user preset (raises ValueError for a bad name)."""
        if not hasattr(self.settings, "save_preset"):
            raise ValueError("no settings to keep presets in")
        name = self.settings.save_preset(name, self.value())
        self.refresh_presets()
        return name

    def save_preset_dialog(self) -> None:
        suggested = self.current_preset() if self.current_preset() not in PRESETS else ""
        name, ok = QInputDialog.getText(self, "Save preset",
                                        f"Name for {self.value().describe()}:", text=suggested or "")
        if not ok or not name.strip():
            return
        try:
            self.save_preset(name)
        except ValueError as exc:
            QMessageBox.warning(self, "Preset not saved", str(exc))

    def delete_current_preset(self) -> None:
        name = self.current_preset()
        if hasattr(self.settings, "delete_preset") and name and name not in PRESETS:
            self.settings.delete_preset(name)
            self.refresh_presets()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.refresh_presets()
        self._follow_settings()
        super().showEvent(event)

    def _follow_settings(self) -> None:
        """Luminance / colour / grain are one setting for the Denoise and Batch tabs: a tab shown
        again takes what the other set meanwhile (and says so through ``changed``, so the Denoise
        tab re-mixes its result)."""
        s = self.settings
        if s is None or not all(hasattr(s, k) for k in ("luma_strength", "chroma_strength", "grain")):
            return
        shared = Strength(float(s.luma_strength), float(s.chroma_strength), float(s.grain))
        if shared.as_tuple() != self.value().as_tuple():
            self.set_value(shared)
