"""Original vs denoised in one view: a draggable vertical divider, and a hold-to-flip key.

Left of the divider is the original, right of it the denoised result. Holding Space (or calling
``set_show_original(True)``) shows the whole original; releasing shows the result again.
The denoised image is a second pixmap clipped by a parent rectangle, so no custom painting of
pixels is needed and zoom/crispness behave exactly as in ``ImageCanvas``.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPixmapItem, QGraphicsRectItem, QGraphicsView, QWidget

from .canvas import ImageCanvas

__all__ = ["BeforeAfterView", "MODE_SPLIT", "MODE_AFTER", "MODE_BEFORE"]

MODE_SPLIT, MODE_AFTER, MODE_BEFORE = "split", "after", "before"
_GRAB_PX = 8  # how close (screen pixels) a press must be to the divider to grab it


class BeforeAfterView(ImageCanvas):
    divider_moved = Signal(float)  # fraction of the image width, 0..1
    showing_original_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clip = QGraphicsRectItem()
        self._clip.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape, True)
        self._clip.setPen(QPen(Qt.PenStyle.NoPen))
        self._after = QGraphicsPixmapItem(self._clip)
        self._after.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self.scene().addItem(self._clip)
        self._divider = 0.5
        self._mode = MODE_SPLIT
        self._show_original = False
        self._dragging_divider = False
        self._has_after = False
        self._update_after()

    # -- content ---------------------------------------------------------------------------------
    def set_images(self, before: QImage | None, after: QImage | None = None, *, keep_view: bool = False) -> None:
        self.set_image(before, keep_view=keep_view)
        self.set_after(after)

    def set_after(self, after: QImage | None) -> None:
        """Set or clear the denoised image (same size as the original)."""
        pixmap = QPixmap.fromImage(after) if after is not None and not after.isNull() else QPixmap()
        self._after.setPixmap(pixmap)
        self._has_after = not pixmap.isNull()
        self._update_after()

    def has_after(self) -> bool:
        return self._has_after

    # -- divider and modes -----------------------------------------------------------------------
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in (MODE_SPLIT, MODE_AFTER, MODE_BEFORE):
            raise ValueError(f"unknown before/after mode {mode!r}")
        self._mode = mode
        self._update_after()

    def divider(self) -> float:
        return self._divider

    def set_divider(self, fraction: float) -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        if fraction != self._divider:
            self._divider = fraction
            self._update_after()
            self.divider_moved.emit(fraction)

    def is_showing_original(self) -> bool:
        return self._show_original

    def set_show_original(self, on: bool) -> None:
        if on != self._show_original:
            self._show_original = on
            self._update_after()
            self.showing_original_changed.emit(on)

    def visible_side_at(self, x: int) -> str:
        """Which image the viewer shows at image column ``x``: "before" or "after"."""
        if not self._has_after or not self._after.isVisible():
            return "before"
        return "after" if x >= self._clip.rect().left() else "before"

    def _update_after(self) -> None:
        w, h = self.image_size()
        self._after.setTransformationMode(
            Qt.TransformationMode.FastTransformation if self.is_crisp() else Qt.TransformationMode.SmoothTransformation
        )
        visible = self._has_after and not self._show_original and self._mode != MODE_BEFORE
        self._clip.setVisible(visible)
        left = self._divider * w if self._mode == MODE_SPLIT else 0.0
        self._clip.setRect(QRectF(left, 0, max(0.0, w - left), h))
        self.viewport().update()

    def _update_smoothing(self) -> None:
        super()._update_smoothing()
        if hasattr(self, "_after"):
            self._update_after()

    def _divider_view_x(self) -> float | None:
        if not (self._has_after and self._mode == MODE_SPLIT and not self._show_original):
            return None
        w, _h = self.image_size()
        return float(self.mapFromScene(QPointF(self._divider * w, 0)).x())

    EMPTY_HINT = "Open an image (Ctrl+O) or drop one here"

    def side_labels(self) -> list[tuple[str, float, Qt.AlignmentFlag]]:
        """The captions drawn over the view: (text, viewport x, which side of x). At high zoom
        the divider can be off-screen; the one caption then says which image fills the view and
        where the divider is, so nobody takes the original for the result."""
        if not self.has_image() or not self._has_after:
            return []
        vx = self._divider_view_x()
        left, right = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight
        if vx is None:
            text = "Original" if (self._show_original or self._mode == MODE_BEFORE) else "Denoised"
            return [(text, 8.0, left)]
        width = self.viewport().width()
        if vx <= 0:
            return [("Denoised · divider ◂ off to the left", 8.0, left)]
        if vx >= width:
            return [("Original · divider off to the right ▸", width - 8.0, right)]
        return [("Original", vx - 8, right), ("Denoised", vx + 8, left)]

    # -- drawing -----------------------------------------------------------------------------------
    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 - Qt override
        super().drawForeground(painter, rect)
        if not self.has_image():
            painter.save()
            painter.resetTransform()
            painter.setPen(QColor(170, 170, 170))
            painter.drawText(QRectF(self.viewport().rect()), Qt.AlignmentFlag.AlignCenter, self.EMPTY_HINT)
            painter.restore()
            return
        if not self._has_after:
            return
        w, h = self.image_size()
        painter.save()
        painter.resetTransform()  # draw in viewport pixels: constant line width and text size
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        vx = self._divider_view_x()
        top = self.mapFromScene(QPointF(0, 0)).y()
        bottom = self.mapFromScene(QPointF(0, h)).y()
        if vx is not None:
            painter.setPen(QPen(QColor(0, 0, 0, 160), 3))
            painter.drawLine(QPointF(vx, top), QPointF(vx, bottom))
            painter.setPen(QPen(QColor(255, 255, 255), 1))
            painter.drawLine(QPointF(vx, top), QPointF(vx, bottom))
            mid = (max(top, 0) + min(bottom, self.viewport().height())) / 2
            painter.setBrush(QColor(255, 255, 255))
            painter.drawEllipse(QPointF(vx, mid), 7, 7)
        for text, x, align in self.side_labels():
            self._label(painter, QPointF(x, 8), text, align)
        painter.restore()

    @staticmethod
    def _label(painter: QPainter, at: QPointF, text: str, align: Qt.AlignmentFlag) -> None:
        metrics = painter.fontMetrics()
        tw, th = metrics.horizontalAdvance(text) + 10, metrics.height() + 4
        x = at.x() - tw if align == Qt.AlignmentFlag.AlignRight else at.x()
        box = QRectF(x, at.y(), tw, th)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    # -- interaction -------------------------------------------------------------------------------
    def _near_divider(self, x: float) -> bool:
        vx = self._divider_view_x()
        return vx is not None and abs(x - vx) <= _GRAB_PX

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self._near_divider(event.position().x()):
            self._dragging_divider = True
            self.setDragMode(QGraphicsView.DragMode.NoDrag)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._dragging_divider:
            w, _h = self.image_size()
            x = self.mapToScene(event.position().toPoint()).x()
            self.set_divider(x / w if w else 0.5)
            self._report_pixel(event.position().toPoint())
            event.accept()
            return
        if self._near_divider(event.position().x()):
            self.viewport().setCursor(Qt.CursorShape.SplitHCursor)
        elif self.dragMode() == QGraphicsView.DragMode.ScrollHandDrag and not event.buttons():
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._dragging_divider:
            self._dragging_divider = False
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.set_show_original(True)
            event.accept()
            return
        if event.key() == Qt.Key.Key_Space:
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.set_show_original(False)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        # A release we never see (focus moved while Space was held) must not leave it flipped.
        self.set_show_original(False)
        super().focusOutEvent(event)
