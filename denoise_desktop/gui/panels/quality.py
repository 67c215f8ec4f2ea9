"""Quality — self-ensemble passes — of the Denoise, Batch and Compare tabs in one place: the
choices, the ``AppSettings`` field each tab keeps its own in, and the combo box bound to it. A
new set of choices (e.g. Fast / Default / Best) is an edit here, not in three panels."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from denoise_desktop.engine import QUALITIES
from denoise_desktop.settings import AppSettings

__all__ = ["QUALITY_CHOICES", "QUALITY_KEYS", "quality_combo"]

# Self-ensemble sizes as the user sees them, named as the CLI's --quality: more passes, a little cleaner.
QUALITY_CHOICES = {n: f"{name.capitalize()} ({n} pass{'es' if n > 1 else ''})" for name, n in QUALITIES.items()}
#: tab → the AppSettings field its Quality is remembered in (each tab has its own)
QUALITY_KEYS = {"denoise": "ensemble", "batch": "batch_ensemble", "compare": "compare_ensemble"}
_HELP = {
    "denoise": ("Networks also run on flipped and rotated copies of the image and average the results: "
                "slightly cleaner, proportionally slower (Compare and Batch have their own)"),
    "batch": ("Networks also run on flipped/rotated copies and average them: "
              "more passes, a little cleaner, proportionally slower."),
    "compare": "Self-ensemble passes for every network of the comparison",
}


def quality_combo(settings: AppSettings, tab: str, parent: QWidget | None = None) -> QComboBox:
    """``tab``'s Quality choice, showing its settings field and writing it back on every change
    (connected first, so the panel's own slots already see the new value)."""
    key = QUALITY_KEYS[tab]
    combo = QComboBox(parent)
    for n, label in QUALITY_CHOICES.items():
        combo.addItem(label, n)
    combo.setToolTip(_HELP[tab])
    combo.setCurrentIndex(max(0, combo.findData(getattr(settings, key))))
    combo.currentIndexChanged.connect(lambda _i: setattr(settings, key, int(combo.currentData())))
    return combo
