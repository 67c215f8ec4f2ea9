"""The batch table: one row per planned item with its state, time, σ and details.

Rows are filled from ``batch.plan()`` (all "queued") and updated from the ``ItemResult``s the
batch task yields. Items run in plan order, so "running" is simply the first queued row after
the last result; no extra signal from the worker is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

__all__ = ["QueueRow", "BatchQueueModel", "STATES", "FINAL_STATES", "item_paths"]

STATES = ("queued", "running", "done", "failed", "skipped", "cancelled", "not started")
FINAL_STATES = frozenset({"done", "failed", "skipped"})  # "cancelled" rows are run again

_STATE_COLORS = {
    "running": QColor(40, 110, 200),
    "done": QColor(30, 140, 60),
    "failed": QColor(200, 40, 40),
    "skipped": QColor(120, 120, 120),
    "cancelled": QColor(190, 120, 20),
    "not started": QColor(150, 110, 40),
}


def item_paths(item: Any) -> tuple[Path, Path | None]:
    """(input, output) of a ``batch.BatchItem``."""
    output = getattr(item, "output", None)
    return Path(item.source), (Path(output) if output is not None else None)


@dataclass
class QueueRow:
    item: Any
    src: Path
    dst: Path | None
    state: str = "queued"
    seconds: float | None = None
    sigma: float | None = None
    message: str = ""


class BatchQueueModel(QAbstractTableModel):
    COLUMNS = ("File", "State", "Time", "σ", "Details")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[QueueRow] = []
        self._index: dict[str, int] = {}

    # -- Qt model API ---------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return row.src.name
            if col == 1:
                return row.state
            if col == 2:
                timed = row.seconds is not None and row.state in ("done", "failed", "cancelled")
                return f"{row.seconds:.2f} s" if timed else ""
            if col == 3:
                return "" if row.sigma is None else f"{row.sigma:.1f}"
            if col == 4:
                if row.message:
                    return row.message
                return str(row.dst) if row.dst is not None and row.state == "done" else ""
        elif role == Qt.ItemDataRole.ToolTipRole:
            if col == 0:
                return str(row.src)
            if col == 4:
                return row.message or (str(row.dst) if row.dst is not None else None)
        elif role == Qt.ItemDataRole.ForegroundRole and col == 1:
            color = _STATE_COLORS.get(row.state)
            return QBrush(color) if color is not None else None
        elif role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # -- queue API ------------------------------------------------------------------------
    @property
    def rows(self) -> list[QueueRow]:
        return list(self._rows)

    def row(self, i: int) -> QueueRow:
        return self._rows[i]

    def states(self) -> list[str]:
        return [r.state for r in self._rows]

    def set_items(self, items: Iterable[Any]) -> None:
        self.beginResetModel()
        self._rows = []
        for item in items:
            src, dst = item_paths(item)
            self._rows.append(QueueRow(item=item, src=src, dst=dst))
        self._index = {str(r.src): i for i, r in enumerate(self._rows)}
        self.endResetModel()

    def clear(self) -> None:
        self.set_items([])

    def find(self, item: Any) -> int:
        """Row of a ``BatchItem`` (by its input path); -1 if unknown."""
        try:
            src, _ = item_paths(item)
        except (AttributeError, TypeError):
            return -1
        return self._index.get(str(src), -1)

    def _changed(self, i: int) -> None:
        self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.COLUMNS) - 1))

    def set_state(self, i: int, state: str, message: str = "") -> None:
        if state not in STATES:
            raise ValueError(f"unknown state {state!r}")
        row = self._rows[i]
        row.state = state
        row.message = message
        self._changed(i)

    def apply_result(self, result: Any) -> int:
        """Update the row of an ``ItemResult``; returns its index (-1 if unknown)."""
        i = self.find(result.item)
        if i < 0:
            return -1
        row = self._rows[i]
        row.state = result.status
        row.seconds = getattr(result, "seconds", None)
        row.sigma = getattr(result, "sigma_used", None)
        error = getattr(result, "error", None)
        # σ out of range / little noise found, first of N frames, metadata fields dropped…
        notes = list(getattr(result, "notes", None) or [])
        info = getattr(result, "info", None) or {}
        from denoise_desktop.engine import level_text

        # the level's value, source and kind ("σ 12.3 (estimated, camera/JPEG noise)"), or the
        # fitted law for photon noise and RAW mosaics; then the network that ran
        said = level_text(dict(info, sigma_used=info.get("sigma_used", row.sigma))) if info or row.sigma else None
        if said:
            notes.insert(0, said)
        ran = info.get("model_used")
        if ran and ran not in (said or ""):
            notes.insert(1 if said else 0, f"by {ran}")
        row.message = str(error) if error else "; ".join(str(n) for n in notes)
        self._changed(i)
        return i

    def next_pending(self, start: int = 0) -> int:
        """First "queued" or "running" row at or after ``start``; -1 if none."""
        for i in range(start, len(self._rows)):
            if self._rows[i].state in ("queued", "running"):
                return i
        return -1

    def mark_next_running(self, start: int = 0) -> int:
        """Mark the first queued row at or after ``start`` as running (items run in plan order);
        ``start`` is the row after the last result, so a long queue is not rescanned each time."""
        for i in range(max(0, start), len(self._rows)):
            state = self._rows[i].state
            if state == "running":
                return i
            if state == "queued":
                self.set_state(i, "running")
                return i
        return -1

    def cancel_unfinished(self) -> None:
        """After a cancel: the running row becomes "cancelled", the rows never reached "not
        started" (a row still saying "queued" would look as if the batch went on)."""
        for i, row in enumerate(self._rows):
            if row.state == "running":
                self.set_state(i, "cancelled", "cancelled by user")
            elif row.state == "queued":
                self.set_state(i, "not started", "the batch was cancelled first: Start again with "
                                                 "“Skip existing” to finish it")

    def fail_unfinished(self, message: str) -> None:
        """After the whole task failed (e.g. the model did not load)."""
        for i, row in enumerate(self._rows):
            if row.state in ("running", "queued"):
                self.set_state(i, "failed", message)

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATES}
        for row in self._rows:
            out[row.state] += 1
        return out

    def finished_count(self) -> int:
        return sum(1 for r in self._rows if r.state in FINAL_STATES or r.state == "cancelled")
