"""The Denoise tab's Model box: the picker (networks, then classical baselines), the chosen
model's card, and the Import button. Gray and colour images remember a model each
(``AppSettings.model_gray`` / ``model_color``); the panel stores the choice with its others."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from denoise_desktop.settings import AppSettings

from .choices import model_card_text

__all__ = ["ModelPicker"]


class ModelPicker(QGroupBox):
    changed = Signal()  # another model is chosen (not emitted while the list is refilled)
    models_changed = Signal(list)  # registry entries, after every refresh
    status_message = Signal(str)

    def __init__(self, settings: AppSettings, channels: Callable[[], int], parent: QWidget | None = None) -> None:
        super().__init__("Model", parent)
        self.settings = settings
        self._channels = channels  # of the open image (3 without one)
        self._entries: dict[str, Any] = {}
        self._broken_seen: set[tuple[str, str]] = set()  # broken model files already reported
        self._filling = False
        self.combo = QComboBox(self)
        self.combo.setMinimumContentsLength(16)
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.import_button = QPushButton("Import model…", self)
        lay = QVBoxLayout(self)
        for w in (self.combo, self.info, self.import_button):
            lay.addWidget(w)
        self.combo.currentIndexChanged.connect(self._on_changed)

    def set_models(self, entries: list, select: str | None = None) -> None:
        """Fill the picker; then select ``select`` (or the current, the remembered, the default)."""
        previous = select or self.current_id() or self.saved_model()
        self._entries = {e.id: e for e in entries}
        self._filling = True
        self.combo.clear()
        networks = [e for e in entries if getattr(e, "kind", "") != "classical"]
        classical = [e for e in entries if getattr(e, "kind", "") == "classical"]
        for group in (networks, classical):
            if group and self.combo.count():
                self.combo.insertSeparator(self.combo.count())
            for e in group:
                suffix = " (classical)" if getattr(e, "kind", "") == "classical" else ""
                self.combo.addItem(f"{e.name}{suffix}", e.id)
                self.combo.setItemData(self.combo.count() - 1, model_card_text(e), Qt.ItemDataRole.ToolTipRole)
        self._filling = False
        target = previous if previous in self._entries else self.default_model()
        i = self.combo.findData(target) if target else -1
        if i < 0:
            i = next((k for k in range(self.combo.count()) if self.combo.itemData(k)), -1)
        self.combo.setCurrentIndex(i)
        self._on_changed()
        self.models_changed.emit(list(entries))
        self._report_broken(getattr(entries, "broken", []))

    def _report_broken(self, broken: list) -> None:
        """A model file that cannot be used is missing from the pickers: say which and why, once."""
        new = [b for b in broken if (b.id, b.reason) not in self._broken_seen]
        self._broken_seen.update((b.id, b.reason) for b in broken)
        if new:
            first = new[0]
            more = f" (and {len(new) - 1} more: {', '.join(b.id for b in new[1:])})" if len(new) > 1 else ""
            self.status_message.emit(f"Model file not usable, left out of the list: {first.reason}{more}")

    def saved_model(self) -> str | None:
        return self.settings.model_gray if self._channels() == 1 else self.settings.model_color

    def store(self) -> None:
        """Remember the choice for images of the open image's channel count."""
        model = self.current_id()
        if model:
            if self._channels() == 1:
                self.settings.model_gray = model
            else:
                self.settings.model_color = model

    def default_model(self) -> str | None:
        try:
            from denoise_desktop import registry

            return registry.default_model_id((self._channels(),))
        except Exception:  # noqa: BLE001 - no default is fine: the first entry is used
            return None

    def ids(self) -> list[str]:
        """Ids in the picker, in order (separators skipped)."""
        ids = [self.combo.itemData(i) for i in range(self.combo.count())]
        return [str(i) for i in ids if i]

    def current_id(self) -> str | None:
        data = self.combo.currentData()
        return str(data) if data else None

    def select(self, model_id: str) -> bool:
        i = self.combo.findData(model_id)
        if i >= 0:
            self.combo.setCurrentIndex(i)
        return i >= 0

    def current_entry(self) -> Any:
        return self._entries.get(self.current_id() or "")

    def _on_changed(self, *_: object) -> None:
        if self._filling:
            return
        entry = self.current_entry()
        if entry is None:
            self.info.setText("No model selected.")
            self.combo.setToolTip("")
        else:
            text = model_card_text(entry)
            self.info.setText(text.split("\n", 1)[1] if "\n" in text else text)
            self.combo.setToolTip(text)
        self.changed.emit()
