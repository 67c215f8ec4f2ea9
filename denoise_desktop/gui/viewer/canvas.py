"""A zoomable, pannable image view: the building block of every viewer mode.

Zoom with the wheel toward the cursor, fit, 1:1, zoom in/out; pan by dragging or scrollbars;
Shift+drag selects a rectangle of the image (e.g. the region a comparison runs on).
Pixels are drawn smoothly when zoomed out and crisp (nearest neighbour) from ~300 % up, so
noise can be judged pixel by pixel. ``CanvasGroup`` keeps several canvases at the same zoom and
position (side-by-side and compare grids).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QWidget,
)

__all__ = ["ImageCanvas", "CanvasGroup", "ZOOM_MIN", "ZOOM_MAX", "ZOOM_STEP", "CRISP_FROM"]

ZOOM_MIN, ZOOM_MAX = 0.02, 64.0
ZOOM_STEP = 1.25
#: from this scale up, pixels are drawn as sharp squares (no interpolation)
CRISP_FROM = 3.0
THUMBNAIL = 128  # px: smaller images are enlarged by Fit (digits, CIFAR thumbnails); larger ones never past 1:1


class ImageCanvas(QGraphicsView):
    """Shows one image (a ``QImage``); subclasses may draw more in the same scene."""

    zoom_changed = Signal(float)
    view_changed = Signal()  # zoom or scroll position changed (for synchronised views)
    pixel_hovered = Signal(int, int)  # image coordinates under the cursor; (-1, -1) when off it
    selection_changed = Signal(object)  # QRect in image pixels, or None when cleared

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self._item = QGraphicsPixmapItem()
        self._item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self.scene().addItem(self._item)
        self._image_size = (0, 0)  # (w, h)
        self._qimage: QImage | None = None
        self._fit_mode = True  # keep fitting on resize until the user zooms
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setBackgroundBrush(QBrush(QColor(48, 48, 48)))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        pen = QPen(QColor(255, 210, 0), 0, Qt.PenStyle.DashLine)  # width 0: cosmetic, 1 screen px
        self._sel_item = QGraphicsRectItem()
        self._sel_item.setPen(pen)
        self._sel_item.setBrush(QColor(255, 210, 0, 40))
        self._sel_item.setZValue(10)
        self._sel_item.setVisible(False)
        self.scene().addItem(self._sel_item)
        self._selection: QRect | None = None
        self._sel_origin: QPointF | None = None
        self.horizontalScrollBar().valueChanged.connect(self._emit_view_changed)
        self.verticalScrollBar().valueChanged.connect(self._emit_view_changed)
        self._update_smoothing()

    # -- content -----------------------------------------------------------------------------
    def set_image(self, image: QImage | None, *, keep_view: bool = False) -> None:
        """Show ``image`` (None clears). ``keep_view`` keeps zoom/position when the size is unchanged."""
        valid = image is not None and not image.isNull()
        self._qimage = image if valid else None
        pixmap = QPixmap.fromImage(image) if valid else QPixmap()
        self._item.setPixmap(pixmap)
        new_size = (pixmap.width(), pixmap.height())
        same = new_size == self._image_size
        self._image_size = new_size
        self.scene().setSceneRect(QRectF(0, 0, *new_size) if new_size[0] else QRectF())
        if not same:
            self.clear_selection()
        if not (keep_view and same):
            self.fit()
        self.viewport().update()

    def has_image(self) -> bool:
        return self._image_size[0] > 0

    def image(self) -> QImage | None:
        """The image shown (the one given to ``set_image``), or None."""
        return self._qimage

    def image_size(self) -> tuple[int, int]:
        return self._image_size

    # -- zoom ----------------------------------------------------------------------------------
    def scale_factor(self) -> float:
        return float(self.transform().m11())

    def is_fit_mode(self) -> bool:
        return self._fit_mode

    def is_crisp(self) -> bool:
        return self.scale_factor() >= CRISP_FROM

    def set_zoom(self, factor: float, *, anchor: QPointF | None = None) -> None:
        """Set an absolute scale; ``anchor`` (viewport coords) stays over the same image point."""
        factor = min(ZOOM_MAX, max(ZOOM_MIN, float(factor)))
        self._fit_mode = False
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        scene_before = self.mapToScene(anchor.toPoint())
        old_anchor = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setTransform(self.transform().fromScale(factor, factor))
        # Scroll so that the scene point under the anchor is back under it.
        delta = self.mapFromScene(scene_before) - anchor.toPoint()
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + delta.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + delta.y())
        self.setTransformationAnchor(old_anchor)
        self._after_zoom()

    def zoom_in(self, anchor: QPointF | None = None) -> None:
        self.set_zoom(self.scale_factor() * ZOOM_STEP, anchor=anchor)

    def zoom_out(self, anchor: QPointF | None = None) -> None:
        self.set_zoom(self.scale_factor() / ZOOM_STEP, anchor=anchor)

    def actual_size(self) -> None:
        """1:1 — one image pixel per screen pixel, keeping the centre."""
        self.set_zoom(1.0)

    def fit(self) -> None:
        """Whole image in view, and keep fitting on resize. A photo is never enlarged past 1:1 (it
        would only look soft); a thumbnail (a digit, a CIFAR image: under ``THUMBNAIL`` px) is, by
        a whole factor, so its pixels stay crisp squares."""
        self._fit_mode = True
        if not self.has_image():
            self.resetTransform()
            self._after_zoom()
            return
        w, h = self._image_size
        vp = self.viewport().rect()
        factor = min(vp.width() / w, vp.height() / h) if vp.width() > 0 and vp.height() > 0 else 1.0
        if factor > 1.0:
            factor = float(int(factor)) if max(w, h) < THUMBNAIL else 1.0
        factor = min(ZOOM_MAX, max(ZOOM_MIN, factor))
        self.setTransform(self.transform().fromScale(factor, factor))
        self.centerOn(w / 2, h / 2)
        self._after_zoom()

    def _after_zoom(self) -> None:
        self._update_smoothing()
        self.zoom_changed.emit(self.scale_factor())
        self._emit_view_changed()

    def _update_smoothing(self) -> None:
        smooth = not self.is_crisp()
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        self._item.setTransformationMode(
            Qt.TransformationMode.SmoothTransformation if smooth else Qt.TransformationMode.FastTransformation
        )

    # -- view state for synchronisation -----------------------------------------------------------
    def view_center(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    def view_state(self) -> tuple[float, QPointF, bool]:
        return self.scale_factor(), self.view_center(), self._fit_mode

    def set_view_state(self, state: tuple[float, QPointF, bool]) -> None:
        factor, center, fit = state
        if fit:
            self.fit()
            return
        self._fit_mode = False
        self.setTransform(self.transform().fromScale(factor, factor))
        self.centerOn(center)
        self._update_smoothing()
        self.zoom_changed.emit(self.scale_factor())

    def visible_image_rect(self) -> QRect:
        """The part of the image currently on screen, in image pixel coordinates."""
        if not self.has_image():
            return QRect()
        poly = self.mapToScene(self.viewport().rect())
        r = poly.boundingRect().toAlignedRect()
        return r.intersected(QRect(0, 0, *self._image_size))

    # -- selection ---------------------------------------------------------------------------------
    def selection(self) -> QRect | None:
        """The Shift+dragged rectangle in image pixels, or None."""
        return QRect(self._selection) if self._selection is not None else None

    def set_selection(self, rect: QRect | None) -> None:
        if rect is not None:
            rect = QRect(rect).intersected(QRect(0, 0, *self._image_size))
            if rect.width() < 2 or rect.height() < 2:
                rect = None
        self._selection = rect
        self._sel_item.setVisible(rect is not None)
        if rect is not None:
            self._sel_item.setRect(QRectF(rect))
        self.selection_changed.emit(self.selection())

    def clear_selection(self) -> None:
        if self._selection is not None or self._sel_item.isVisible():
            self.set_selection(None)

    def _clamped_scene_point(self, view_pos: QPointF) -> QPointF:
        p = self.mapToScene(view_pos.toPoint())
        w, h = self._image_size
        return QPointF(min(max(p.x(), 0.0), w), min(max(p.y(), 0.0), h))

    def _emit_view_changed(self, *_: object) -> None:
        self.view_changed.emit()

    # -- events ------------------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        if not self.has_image():
            return
        steps = event.angleDelta().y() / 120.0
        if steps == 0:
            return
        self.set_zoom(self.scale_factor() * (ZOOM_STEP**steps), anchor=event.position())
        event.accept()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self._fit_mode:
            self.fit()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if event.button() == Qt.MouseButton.LeftButton and shift and self.has_image():
            self._sel_origin = self._clamped_scene_point(event.position())
            self.setDragMode(QGraphicsView.DragMode.NoDrag)
            self._sel_item.setRect(QRectF(self._sel_origin, self._sel_origin))
            self._sel_item.setVisible(True)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._sel_origin is not None:
            p = self._clamped_scene_point(event.position())
            self._sel_item.setRect(QRectF(self._sel_origin, p).normalized())
            self._report_pixel(event.position().toPoint())
            event.accept()
            return
        super().mouseMoveEvent(event)
        self._report_pixel(event.position().toPoint())

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._sel_origin is not None and event.button() == Qt.MouseButton.LeftButton:
            p = self._clamped_scene_point(event.position())
            r = QRectF(self._sel_origin, p).normalized()
            self._sel_origin = None
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            # Whole pixels: from the pixel under the start to the one under the end.
            x0, y0 = int(r.left()), int(r.top())
            x1, y1 = int(-(-r.right() // 1)), int(-(-r.bottom() // 1))
            self.set_selection(QRect(x0, y0, x1 - x0, y1 - y0))
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802
        super().leaveEvent(event)
        self.pixel_hovered.emit(-1, -1)

    def _report_pixel(self, view_pos) -> None:
        p = self.mapToScene(view_pos)
        x, y = int(p.x() // 1), int(p.y() // 1)
        w, h = self._image_size
        if 0 <= x < w and 0 <= y < h:
            self.pixel_hovered.emit(x, y)
        else:
            self.pixel_hovered.emit(-1, -1)


class CanvasGroup:
    """Keeps canvases at the same zoom and centre: move one, the others follow."""

    def __init__(self, canvases: list[ImageCanvas] | None = None) -> None:
        self._canvases: list[ImageCanvas] = []
        self._syncing = False
        for c in canvases or []:
            self.add(c)

    def add(self, canvas: ImageCanvas) -> None:
        self._canvases.append(canvas)
        canvas.view_changed.connect(lambda c=canvas: self._sync_from(c))

    def clear(self) -> None:
        self._canvases.clear()

    def canvases(self) -> list[ImageCanvas]:
        return list(self._canvases)

    def _sync_from(self, source: ImageCanvas) -> None:
        if self._syncing or source not in self._canvases:
            return
        self._syncing = True
        try:
            state = source.view_state()
            for other in self._canvases:
                if other is not source:
                    other.set_view_state(state)
        finally:
            self._syncing = False
