"""Where denoising changed the image: |after − before| amplified, with an adjustable gain.

The difference image is computed by a worker (``difference_qimage`` on full-resolution data), so
dragging the gain slider never stalls the GUI on a large image; a new gain replaces the pending
computation.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from .canvas import ImageCanvas
from .convert import difference_qimage

__all__ = ["DiffView", "AMPLIFICATION_RANGE"]

AMPLIFICATION_RANGE = (1, 64)


def _compute(before: np.ndarray, after: np.ndarray, amplification: float, *, progress) -> QImage:
    return difference_qimage(before, after, amplification)


class DiffView(QWidget):
    amplification_changed = Signal(int)
    image_updated = Signal()  # a new difference image is on screen

    def __init__(self, runner=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._before: np.ndarray | None = None
        self._after: np.ndarray | None = None
        self._task = None
        self.canvas = ImageCanvas(self)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(*AMPLIFICATION_RANGE)
        self.slider.setValue(4)
        self.slider.setToolTip("Amplification of the difference (×)")
        self.value_label = QLabel(self)
        self.info = QLabel("Denoise an image to see what changed.", self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Amplify", self))
        bar.addWidget(self.slider, 1)
        bar.addWidget(self.value_label)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(bar)
        lay.addWidget(self.info)
        lay.addWidget(self.canvas, 1)
        self.slider.valueChanged.connect(self._on_amplification)
        self._on_amplification(self.slider.value(), recompute=False)

    def amplification(self) -> int:
        return self.slider.value()

    def set_amplification(self, value: int) -> None:
        self.slider.setValue(int(value))

    def set_data(self, before: np.ndarray | None, after: np.ndarray | None) -> None:
        """Full-resolution original and result pixels (same dtype and shape), or None to clear."""
        self._before, self._after = before, after
        self._recompute()

    def _on_amplification(self, value: int, recompute: bool = True) -> None:
        self.value_label.setText(f"{value}×")
        self.amplification_changed.emit(value)
        if recompute:
            self._recompute()

    def _recompute(self) -> None:
        if self._before is None or self._after is None or self._before.shape != self._after.shape:
            self.canvas.set_image(None)
            self.info.setVisible(True)
            return
        self.info.setVisible(False)
        args = (self._before, self._after, float(self.slider.value()))
        if self._runner is None:
            self._show(_compute(*args, progress=None))
            return
        if self._task is not None and not self._task.done:
            self._task.cancel()
        self._task = self._runner.submit(_compute, *args, lane="view")
        self._task.signals.finished.connect(self._show)

    def _show(self, image: QImage) -> None:
        self.canvas.set_image(image, keep_view=True)
        self.image_updated.emit()
