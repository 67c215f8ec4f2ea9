"""The viewer area of the Denoise tab: one of three views of the current ``ImageDocument``.

Modes (the values of ``AppSettings.compare_mode``): ``"split"`` (before/after divider),
``"side_by_side"`` (original, denoised, reference, difference — as many as exist, up to four)
and ``"diff"`` (amplified difference). Zoom commands go to whichever view is showing; the pixel
readout under the cursor is emitted as text for the status bar.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QWidget

from ..document import ImageDocument
from .before_after import BeforeAfterView
from .canvas import ImageCanvas
from .convert import pixel_text
from .diff_view import DiffView
from .side_by_side import SideBySideView

__all__ = ["ImageViewer", "MODES"]

MODES = ("split", "side_by_side", "diff")


class ImageViewer(QStackedWidget):
    mode_changed = Signal(str)
    pixel_info = Signal(str)  # readout for the status bar ("" when off the image)
    zoom_changed = Signal(float)

    def __init__(self, document: ImageDocument, runner=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.before_after = BeforeAfterView(self)
        self.side_by_side = SideBySideView(self)
        self.diff = DiffView(runner, self)
        for page in (self.before_after, self.side_by_side, self.diff):
            self.addWidget(page)
        self._mode = "split"
        self._watch(self.before_after)
        self._watch(self.diff.canvas)
        self._watch(self.side_by_side)
        document.original_changed.connect(self._on_original)
        document.result_changed.connect(self._on_result)
        document.reference_changed.connect(self._refresh_side_by_side)
        self.diff.image_updated.connect(self._on_diff_image)
        self._pending_state = None  # view to apply once the difference image arrives

    def _watch(self, page) -> None:
        page.pixel_hovered.connect(self._on_pixel)
        # Only the view on screen reports its zoom (hidden ones fit/reset on their own).
        page.zoom_changed.connect(lambda z, p=page: self.zoom_changed.emit(z) if self._page_is_current(p) else None)

    def _page_is_current(self, page) -> bool:
        current = self.currentWidget()
        return page is current or (current is self.diff and page is self.diff.canvas)

    # -- modes ---------------------------------------------------------------------------------
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown viewer mode {mode!r}; use one of {', '.join(MODES)}")
        if mode == self._mode:
            return
        old = self.current_canvas()
        state = old.view_state() if old is not None and old.has_image() else None
        self._mode = mode
        self.setCurrentWidget({"split": self.before_after, "side_by_side": self.side_by_side, "diff": self.diff}[mode])
        if mode == "side_by_side":
            self._refresh_side_by_side()
        new = self.current_canvas()
        self._pending_state = None
        if state is not None and new is not None:
            if new.has_image():
                new.set_view_state(state)  # switching views keeps the zoom and the place
            else:
                self._pending_state = state
        if new is not None:
            self.zoom_changed.emit(new.scale_factor())
        self.mode_changed.emit(mode)

    def _on_diff_image(self) -> None:
        if self._pending_state is not None and self._mode == "diff":
            self.diff.canvas.set_view_state(self._pending_state)
            self._pending_state = None
        self._refresh_side_by_side()

    def current_canvas(self) -> ImageCanvas | None:
        if self._mode == "split":
            return self.before_after
        if self._mode == "diff":
            return self.diff.canvas
        canvases = self.side_by_side.canvases()
        return canvases[0] if canvases else None

    # -- zoom commands ---------------------------------------------------------------------------
    def fit(self) -> None:
        c = self.current_canvas()
        if c is not None:
            c.fit()

    def actual_size(self) -> None:
        c = self.current_canvas()
        if c is not None:
            c.actual_size()

    def zoom_in(self) -> None:
        c = self.current_canvas()
        if c is not None:
            c.zoom_in()

    def zoom_out(self) -> None:
        c = self.current_canvas()
        if c is not None:
            c.zoom_out()

    def region(self, kind: str = "visible") -> tuple[int, int, int, int] | None:
        """(x, y, w, h) of the ``"visible"`` part or the ``"selection"``; None = whole image."""
        if kind == "selection":
            r = self.before_after.selection()
            return (r.x(), r.y(), r.width(), r.height()) if r is not None else None
        return self.visible_region()

    def visible_region(self) -> tuple[int, int, int, int] | None:
        """(x, y, w, h) of the image part on screen, or None when the whole image shows."""
        c = self.current_canvas()
        if c is None or not c.has_image():
            return None
        r = c.visible_image_rect()
        w, h = c.image_size()
        if r.isEmpty() or (r.width() >= w and r.height() >= h):
            return None
        return (r.x(), r.y(), r.width(), r.height())

    # -- document --------------------------------------------------------------------------------
    def _on_original(self) -> None:
        doc = self.document
        self.before_after.set_images(doc.original_qimage, None)
        self.diff.set_data(None, None)
        self._refresh_side_by_side(keep_view=False)

    def _on_result(self) -> None:
        doc = self.document
        self.before_after.set_after(doc.result_qimage)
        if doc.has_result():
            self.diff.set_data(doc.original.pixels, doc.result.pixels)
        else:
            self.diff.set_data(None, None)
        self._refresh_side_by_side()

    def _refresh_side_by_side(self, keep_view: bool = True) -> None:
        if self._mode != "side_by_side":
            return  # built lazily when shown: four pixmaps of a large image are not free
        doc = self.document
        panes = []
        if doc.original_qimage is not None:
            panes.append(("Original", doc.original_qimage))
        if doc.result_qimage is not None:
            panes.append(("Denoised", doc.result_qimage))
        if doc.reference_qimage is not None:
            panes.append(("Reference (clean)", doc.reference_qimage))
        diff_image = self.diff.canvas.image()
        if doc.result_qimage is not None and diff_image is not None:
            panes.append((f"Difference ×{self.diff.amplification()}", diff_image))
        self.side_by_side.set_panes(panes, keep_view=keep_view)

    def _on_pixel(self, x: int, y: int) -> None:
        doc = self.document
        if x < 0 or doc.original is None:
            self.pixel_info.emit("")
            return
        after = doc.result.pixels if doc.result is not None else None
        self.pixel_info.emit(pixel_text(x, y, doc.original.pixels, after))
