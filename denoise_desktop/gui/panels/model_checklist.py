"""Compare's list of models and baselines to run: checkable, networks first, each with its card
as the tooltip; the ticks survive a refresh of the list."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from .choices import model_card_text

__all__ = ["ModelChecklist"]


class ModelChecklist(QListWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.classic_ids: list[str] = []  # the listed networks whose card says "classic"

    def set_models(self, entries: list) -> None:
        """List ``entries``; nothing is ticked the first time, afterwards the same ids as before."""
        checked = set(self.checked())
        first_time = self.count() == 0
        self.blockSignals(True)
        self.clear()
        networks = [e for e in entries if getattr(e, "kind", "") != "classical"]
        classical = [e for e in entries if getattr(e, "kind", "") == "classical"]
        for e in networks + classical:
            suffix = " (classical)" if e in classical else ""
            it = QListWidgetItem(f"{e.name}{suffix}", self)
            it.setData(Qt.ItemDataRole.UserRole, e.id)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = e.id in checked if not first_time else False
            it.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            it.setToolTip(model_card_text(e))
        self.blockSignals(False)
        self.classic_ids = [e.id for e in networks if getattr(e, "classic", False)]

    def checked(self) -> list[str]:
        items = (self.item(i) for i in range(self.count()))
        return [str(it.data(Qt.ItemDataRole.UserRole)) for it in items if it.checkState() == Qt.CheckState.Checked]

    def set_checked(self, model_ids: list[str]) -> None:
        for i in range(self.count()):
            it = self.item(i)
            on = it.data(Qt.ItemDataRole.UserRole) in model_ids
            it.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
