"""The Compare tab's results: a grid of synchronised canvases (one per model, captioned) and
the table of times and scores beside the controls."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..compare_job import CompareItem
from ..viewer.canvas import CanvasGroup, ImageCanvas
from .compare_export import display_name, grid_columns, item_caption

__all__ = ["ResultGrid", "ResultTable"]


class ResultGrid(QWidget):
    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        self.placeholder = QLabel(placeholder, self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)  # its length must not set the window's minimum width
        self.grid.addWidget(self.placeholder, 0, 0)
        self.cells: list[QWidget] = []
        self._group = CanvasGroup()

    def clear(self) -> None:
        for cell in self.cells:
            self.grid.removeWidget(cell)
            cell.deleteLater()
        self.cells = []
        self._group = CanvasGroup()
        self.placeholder.setVisible(True)

    def add(self, item: CompareItem) -> None:
        self.placeholder.setVisible(False)
        cell = QWidget(self)
        lay = QVBoxLayout(cell)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(1)
        label = QLabel(item_caption(item), cell)
        label.setToolTip(item.error or item_caption(item))
        # A long caption must not set the cell's minimum width: the window would widen itself.
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        label.setMinimumWidth(1)
        canvas = ImageCanvas(cell)
        if item.error:
            label.setStyleSheet("color: #d05050;")
        else:
            canvas.set_image(item.qimage)
        lay.addWidget(label)
        lay.addWidget(canvas, 1)
        self.cells.append(cell)
        self._group.add(canvas)
        cols = grid_columns(len(self.cells))
        for k, c in enumerate(self.cells):
            self.grid.removeWidget(c)
            self.grid.addWidget(c, k // cols, k % cols)
        if len(self.cells) > 1:
            canvas.set_view_state(self.cells[0].findChild(ImageCanvas).view_state())

    def update_captions(self, items: list[CompareItem]) -> None:
        for cell, item in zip(self.cells, items):
            label = cell.findChild(QLabel)
            if label is not None:
                label.setText(item_caption(item))

    def canvases(self) -> list[ImageCanvas]:
        return self._group.canvases()


class ResultTable(QTableWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 4, parent)
        self.setHorizontalHeaderLabels(["Model", "Seconds", "PSNR (dB)", "SSIM"])
        header = self.horizontalHeader()
        # Names are the point of the table: sized to their text (the table scrolls sideways when
        # the pane is narrow) instead of elided to "unet…".
        for col in range(4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

    def add(self, item: CompareItem) -> None:
        row = self.rowCount()
        self.insertRow(row)
        m = item.metrics
        values = [
            display_name(item) if not item.error else f"{item.name} (failed: {item.error})",
            "" if item.model_id == "input" else f"{item.seconds:.2f}",
            f"{m['psnr']:.2f}" if "psnr" in m else "",
            f"{m['ssim']:.4f}" if "ssim" in m else "",
        ]
        for col, v in enumerate(values):
            cell_item = QTableWidgetItem(v)
            if col == 0:
                cell_item.setToolTip(f"{v} ({item.model_id})")
            self.setItem(row, col, cell_item)

    def blank_metrics(self) -> None:
        for row in range(self.rowCount()):
            for col in (2, 3):
                self.setItem(row, col, QTableWidgetItem(""))

    def text(self) -> list[list[str]]:
        return [[self.item(r, c).text() if self.item(r, c) else "" for c in range(self.columnCount())]
                for r in range(self.rowCount())]
