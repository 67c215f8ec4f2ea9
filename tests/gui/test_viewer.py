"""Viewer widgets: zoom/fit/1:1, crisp pixels, wheel anchor, before/after divider and flip,
side-by-side synchronisation, difference view, 16-bit display and readout."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from denoise_desktop.gui.viewer.before_after import MODE_AFTER, MODE_BEFORE, BeforeAfterView
from denoise_desktop.gui.viewer.canvas import CRISP_FROM, ImageCanvas
from denoise_desktop.gui.viewer.convert import difference_qimage, pixel_text, to_display_uint8, to_qimage
from denoise_desktop.gui.viewer.diff_view import DiffView
from denoise_desktop.gui.viewer.side_by_side import SideBySideView


def _rgb(h=120, w=160, seed=0, dtype=np.uint8):
    rng = np.random.default_rng(seed)
    hi = 255 if dtype == np.uint8 else 65535
    return rng.integers(0, hi + 1, size=(h, w, 3)).astype(dtype)


def _show(qtbot, widget, w=400, h=300):
    qtbot.addWidget(widget)
    widget.resize(w, h)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_display_conversion_16bit_and_gray():
    px16 = np.array([[[0, 256, 65535]]], dtype=np.uint16)
    assert to_display_uint8(px16).tolist() == [[[0, 1, 255]]]
    gray = np.full((5, 7, 1), 200, np.uint8)
    img = to_qimage(gray)
    assert (img.width(), img.height()) == (7, 5)
    assert img.pixelColor(3, 2).red() == 200
    rgb16 = np.zeros((4, 4, 3), np.uint16)
    rgb16[1, 2] = (65535, 32768, 0)
    c = to_qimage(rgb16).pixelColor(2, 1)
    assert (c.red(), c.green(), c.blue()) == (255, 128, 0)


def test_pixel_text_shows_16bit_values():
    before = np.zeros((3, 3, 3), np.uint16)
    before[1, 2] = (1000, 2000, 65535)
    after = before.copy()
    after[1, 2] = (900, 2100, 60000)
    text = pixel_text(2, 1, before, after)
    assert "x 2" in text and "y 1" in text
    assert "1000,2000,65535" in text and "900,2100,60000" in text
    assert pixel_text(9, 9, before, after) == ""


def test_zoom_fit_and_actual_size_change_scale(qtbot):
    view = _show(qtbot, ImageCanvas())
    view.set_image(to_qimage(_rgb(600, 800)))
    fit = view.scale_factor()
    assert fit < 1.0 and view.is_fit_mode()
    r = view.visible_image_rect()
    assert r.width() >= 799 and r.height() >= 599  # whole image in view
    view.actual_size()
    assert view.scale_factor() == pytest.approx(1.0)
    assert not view.is_fit_mode()
    view.zoom_in()
    assert view.scale_factor() > 1.0
    view.zoom_out()
    view.zoom_out()
    assert view.scale_factor() < 1.0
    view.fit()
    assert view.scale_factor() == pytest.approx(fit)


def test_crisp_pixels_when_zoomed_in(qtbot):
    view = _show(qtbot, ImageCanvas())
    view.set_image(to_qimage(_rgb(40, 40)))
    view.set_zoom(1.0)
    assert not view.is_crisp()
    view.set_zoom(CRISP_FROM + 1)
    assert view.is_crisp()
    assert view._item.transformationMode() == Qt.TransformationMode.FastTransformation


def test_wheel_zooms_toward_cursor(qtbot):
    view = _show(qtbot, ImageCanvas())
    view.set_image(to_qimage(_rgb(600, 800)))
    view.actual_size()
    pos = QPointF(100, 80)
    before = view.mapToScene(pos.toPoint())
    ev = QWheelEvent(pos, view.viewport().mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), ev)
    assert view.scale_factor() > 1.0
    after = view.mapToScene(pos.toPoint())
    assert abs(after.x() - before.x()) <= 2 and abs(after.y() - before.y()) <= 2


def test_pixel_hover_reports_image_coordinates(qtbot):
    view = _show(qtbot, ImageCanvas())
    view.set_image(to_qimage(_rgb(50, 60)))
    view.set_zoom(4.0)
    seen = []
    view.pixel_hovered.connect(lambda x, y: seen.append((x, y)))
    target = view.mapFromScene(QPointF(10.5, 20.5))
    qtbot.mouseMove(view.viewport(), target)
    qtbot.waitUntil(lambda: (10, 20) in seen, timeout=2000)


def test_before_after_divider_drag_and_flip(qtbot):
    view = _show(qtbot, BeforeAfterView())
    before, after = _rgb(100, 200, seed=1), _rgb(100, 200, seed=2)
    view.set_images(to_qimage(before), to_qimage(after))
    view.actual_size()
    assert view.has_after()
    assert view.visible_side_at(10) == "before" and view.visible_side_at(190) == "after"
    # drag the divider from the middle to 3/4 of the width
    start = view.mapFromScene(QPointF(100, 50))
    end = view.mapFromScene(QPointF(150, 50))
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view.viewport(), end)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=end)
    assert view.divider() == pytest.approx(0.75, abs=0.02)
    assert view.visible_side_at(120) == "before" and view.visible_side_at(160) == "after"
    # hold Space: the whole image is the original; release: back to the split
    view.setFocus()
    qtbot.keyPress(view, Qt.Key.Key_Space)
    assert view.is_showing_original()
    assert view.visible_side_at(190) == "before"
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    assert not view.is_showing_original()
    assert view.visible_side_at(190) == "after"
    # the rendered pixels follow: right edge shows the denoised image
    grab = view.grab().toImage()
    p = view.mapFromScene(QPointF(190, 50))  # top-left corner of image pixel (190, 50)
    c = grab.pixelColor(p.x(), p.y())
    assert (c.red(), c.green(), c.blue()) == tuple(int(v) for v in after[50, 190])
    view.set_mode(MODE_BEFORE)
    assert view.visible_side_at(190) == "before"
    view.set_mode(MODE_AFTER)
    assert view.visible_side_at(5) == "after"


def test_side_by_side_sync(qtbot):
    view = _show(qtbot, SideBySideView(), 800, 400)
    imgs = [to_qimage(_rgb(300, 400, seed=i)) for i in range(3)]
    view.set_panes([("a", imgs[0]), ("b", imgs[1]), ("c", imgs[2])])
    a, b, c = view.canvases()
    assert view.titles() == ["a", "b", "c"]
    a.set_zoom(3.0)
    assert b.scale_factor() == pytest.approx(3.0) and c.scale_factor() == pytest.approx(3.0)
    a.horizontalScrollBar().setValue(a.horizontalScrollBar().value() + 120)
    a.verticalScrollBar().setValue(a.verticalScrollBar().value() + 60)
    ca, cb = a.view_center(), b.view_center()
    assert abs(ca.x() - cb.x()) <= 2 and abs(ca.y() - cb.y()) <= 2
    b.fit()
    assert a.scale_factor() == pytest.approx(b.scale_factor())
    view.set_panes([(str(i), imgs[i % 3]) for i in range(4)])
    assert len(view.canvases()) == 4


def test_diff_view_amplifies_difference(qtbot):
    view = _show(qtbot, DiffView(runner=None))
    before = np.full((20, 30, 3), 100, np.uint8)
    after = before.copy()
    after[5, 7] = (110, 95, 100)
    view.set_amplification(4)
    view.set_data(before, after)
    img = view.canvas.image()
    c = img.pixelColor(7, 5)
    assert (c.red(), c.green(), c.blue()) == (40, 20, 0)
    assert img.pixelColor(0, 0).red() == 0
    view.set_amplification(10)
    c = view.canvas.image().pixelColor(7, 5)
    assert (c.red(), c.green()) == (100, 50)


def test_diff_view_in_worker(qtbot, runner):
    view = _show(qtbot, DiffView(runner=runner))
    before = np.zeros((8, 8, 1), np.uint16)
    after = before.copy()
    after[2, 3] = 65535 // 16  # 1/16 of full scale
    with qtbot.waitSignal(view.image_updated, timeout=5000):
        view.set_amplification(8)
        view.set_data(before, after)
    assert view.canvas.image().pixelColor(3, 2).red() == pytest.approx(127, abs=1)


def test_difference_requires_same_shape():
    with pytest.raises(ValueError, match="shapes"):
        difference_qimage(np.zeros((2, 2, 3), np.uint8), np.zeros((2, 3, 3), np.uint8), 1)


def test_shift_drag_selects_a_region(qtbot):
    view = _show(qtbot, BeforeAfterView())
    view.set_images(to_qimage(_rgb(100, 200, seed=1)), to_qimage(_rgb(100, 200, seed=2)))
    view.set_zoom(2.0)
    view.centerOn(50, 50)
    got = []
    view.selection_changed.connect(got.append)
    start, end = view.mapFromScene(QPointF(10, 20)), view.mapFromScene(QPointF(40, 35))
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, start)
    qtbot.mouseMove(view.viewport(), end)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, end)
    sel = view.selection()
    assert (sel.x(), sel.y(), sel.width(), sel.height()) == (10, 20, 30, 15)
    assert got and got[-1] == sel
    # a plain click (pan gesture) leaves the selection alone
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=end)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    assert view.selection() == sel
    # a Shift+click without dragging clears it
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, start)
    assert view.selection() is None
    view.set_selection(sel)
    view.set_images(to_qimage(_rgb(50, 60)), None)  # another image size: selection cleared
    assert view.selection() is None


def test_fit_enlarges_a_small_image(qtbot):
    view = _show(qtbot, ImageCanvas())
    view.set_image(to_qimage(_rgb(20, 30)))
    assert view.scale_factor() > CRISP_FROM  # a tiny image fills the view, pixels crisp
    r = view.visible_image_rect()
    assert (r.width(), r.height()) == (30, 20)


def test_captions_say_which_side_shows_when_the_divider_is_off_screen(qtbot):
    view = _show(qtbot, BeforeAfterView())
    assert view.side_labels() == []  # nothing loaded: the hint is drawn instead
    before, after = _rgb(100, 200, seed=1), _rgb(100, 200, seed=2)
    view.set_images(to_qimage(before), to_qimage(after))
    view.fit()
    assert [t for t, _x, _a in view.side_labels()] == ["Original", "Denoised"]
    # 16× zoom on the right edge: only the result is on screen, the divider far to the left
    view.set_view_state((16.0, QPointF(190, 50), False))
    (text, x, _align), = view.side_labels()
    assert text.startswith("Denoised") and "left" in text and view.visible_side_at(190) == "after"
    view.set_view_state((16.0, QPointF(10, 50), False))
    (text, x, _align), = view.side_labels()
    assert text.startswith("Original") and "right" in text and x < view.viewport().width()
    view.grab()  # painting with the captions does not raise


def test_fit_never_enlarges_a_photo_past_one_to_one(qtbot):
    """Issue 26, item 10: a 300×400 image in a bigger view is shown 1:1, not blown up soft."""
    view = _show(qtbot, ImageCanvas())
    view.resize(1000, 800)
    view.set_image(to_qimage(_rgb(300, 400)))
    view.fit()
    assert view.scale_factor() == pytest.approx(1.0) and view.is_fit_mode()
    view.set_image(to_qimage(_rgb(20, 30)))  # a thumbnail: a whole factor, crisp
    view.fit()
    assert view.scale_factor() > 1.0 and view.scale_factor() == int(view.scale_factor())
