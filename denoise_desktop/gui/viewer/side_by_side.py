"""Two to four images next to each other, zoomed and panned together."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from .canvas import CanvasGroup, ImageCanvas

__all__ = ["SideBySideView", "MAX_PANES"]

MAX_PANES = 4


def _grid_shape(n: int) -> tuple[int, int]:
    """Rows × columns: 2 → 1×2, 3 → 1×3, 4 → 2×2."""
    return (2, 2) if n == 4 else (1, max(1, n))


class SideBySideView(QWidget):
    """``set_panes([(title, QImage), ...])`` shows up to four synchronised canvases."""

    pixel_hovered = Signal(int, int)
    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        self._group = CanvasGroup()
        self._cells: list[tuple[QWidget, QLabel, ImageCanvas]] = []

    def set_panes(self, panes: list[tuple[str, QImage]], *, keep_view: bool = True) -> None:
        panes = panes[:MAX_PANES]
        state = self._cells[0][2].view_state() if (keep_view and self._cells) else None
        if len(panes) != len(self._cells):
            self._rebuild(len(panes))
            state = None
        for (title, image), (_w, label, canvas) in zip(panes, self._cells):
            label.setText(title)
            canvas.set_image(image, keep_view=state is not None)
        if state is not None:
            self._cells[0][2].set_view_state(state)
        elif self._cells:
            self._cells[0][2].fit()

    def _rebuild(self, n: int) -> None:
        for cell, _label, _canvas in self._cells:
            self._grid.removeWidget(cell)
            cell.deleteLater()
        self._cells = []
        self._group = CanvasGroup()
        rows, cols = _grid_shape(n)
        for i in range(n):
            cell = QWidget(self)
            lay = QVBoxLayout(cell)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.setSpacing(1)
            label = QLabel(cell)
            label.setMargin(2)
            canvas = ImageCanvas(cell)
            lay.addWidget(label)
            lay.addWidget(canvas, 1)
            self._grid.addWidget(cell, i // cols, i % cols)
            self._group.add(canvas)
            canvas.pixel_hovered.connect(self.pixel_hovered)
            canvas.zoom_changed.connect(self.zoom_changed)
            self._cells.append((cell, label, canvas))

    def canvases(self) -> list[ImageCanvas]:
        return [c for _w, _l, c in self._cells]

    def titles(self) -> list[str]:
        return [label.text() for _w, label, _c in self._cells]

    def fit(self) -> None:
        if self._cells:
            self._cells[0][2].fit()

    def actual_size(self) -> None:
        if self._cells:
            self._cells[0][2].actual_size()

    def zoom_in(self) -> None:
        if self._cells:
            self._cells[0][2].zoom_in()

    def zoom_out(self) -> None:
        if self._cells:
            self._cells[0][2].zoom_out()
