"""The Training tab's right side: loss and validation-PSNR plots over the trainer's log.

Curves are created once; ``show_run`` only hands new points to ``setData`` (pyqtgraph's fast
path), so a 5 Hz refresh of a 100k-step run stays cheap."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QPlainTextEdit, QSplitter, QWidget

from ..viewmodels.training_run import TrainingRun

__all__ = ["TrainingPlots"]


def _frame(plot: Any, xs: Any, ys: Any) -> None:
    """One point: a small window around it (pyqtgraph's auto-range frames a lone point with
    −100…100 axes, which reads as a broken plot); more points: auto-range as usual."""
    if len(xs) == 1:
        x, y = float(xs[0]), float(ys[0])
        pad = abs(y) * 0.1 or 1.0
        plot.setXRange(x - 1.0, x + 1.0, padding=0)
        plot.setYRange(y - pad, y + pad, padding=0)
    elif len(xs) > 1:
        plot.enableAutoRange()


class TrainingPlots(QSplitter):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.loss_plot = pg.PlotWidget(title="Training loss")
        self.loss_plot.setLabel("bottom", "step")
        self.psnr_plot = pg.PlotWidget(title="Validation PSNR (dB)")
        self.psnr_plot.setLabel("bottom", "step")
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(5000)
        self.log_view.setFont(QFont("monospace"))
        for w in (self.loss_plot, self.psnr_plot, self.log_view):
            self.addWidget(w)
        # Peak downsampling keeps 100k-step runs cheap. No grid and no clip-to-view: the grid
        # costs 10–25 ms a repaint on a slow CPU, and the view auto-ranges to all the data, so
        # clipping saves nothing.
        for plot in (self.loss_plot, self.psnr_plot):
            plot.setDownsampling(auto=True, mode="peak")
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen((60, 120, 220), width=1))
        self.psnr_curve = self.psnr_plot.plot(pen=pg.mkPen((220, 120, 40), width=2), symbol="o", symbolSize=5)
        self._shown = (0, 0)  # points already handed to (loss, PSNR) curves

    def clear(self) -> None:
        self.loss_curve.setData([], [])
        self.psnr_curve.setData([], [])
        self._shown = (0, 0)

    def show_run(self, run: TrainingRun) -> None:
        """Hand the curves that got new points their data (the others are not touched)."""
        if len(run.train_loss) != self._shown[0]:
            self.loss_curve.setData(run.train_loss.x, run.train_loss.y)
            _frame(self.loss_plot, run.train_loss.x, run.train_loss.y)
        if len(run.val_psnr) != self._shown[1]:
            self.psnr_curve.setData(run.val_psnr.x, run.val_psnr.y)
            _frame(self.psnr_plot, run.val_psnr.x, run.val_psnr.y)
        self._shown = (len(run.train_loss), len(run.val_psnr))
