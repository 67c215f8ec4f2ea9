"""Small widget compositions shared by several panels."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPushButton

__all__ = ["path_row", "fill_device_combo", "select_data"]


def path_row(placeholder: str, on_choose: Callable[[], None]) -> tuple[QHBoxLayout, QLineEdit, QPushButton]:
    """A path field with a "Choose…" button beside it (the button calls ``on_choose``)."""
    row = QHBoxLayout()
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    button = QPushButton("Choose…")
    button.clicked.connect(on_choose)
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row, edit, button


def fill_device_combo(combo: QComboBox, devices: Iterable[Any] = (), wanted: str | None = None,
                      kinds: tuple[str, ...] = ("cpu", "cuda", "mps")) -> None:
    """"Automatic", then the devices of ``kinds`` (CPU always), selecting ``wanted`` when listed.

    Panels start with the CPU alone and fill in the rest when a worker has listed the devices
    (that imports torch), so the combo's signals are blocked while it refills.
    """
    combo.blockSignals(True)
    try:
        combo.clear()
        combo.addItem("Automatic", "auto")
        for d in devices:
            if d.kind in kinds:
                combo.addItem(d.label(), d.id)
        if combo.findData("cpu") < 0:
            combo.addItem("CPU", "cpu")
        i = combo.findData(wanted) if wanted is not None else -1
        combo.setCurrentIndex(max(i, 0))
    finally:
        combo.blockSignals(False)


def select_data(combo: QComboBox, data: Any) -> None:
    """Select the item holding ``data``; nothing changes when there is none."""
    i = combo.findData(data) if data is not None else -1
    if i >= 0:
        combo.setCurrentIndex(i)
