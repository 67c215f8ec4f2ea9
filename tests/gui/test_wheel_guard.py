"""Issue 26, item 8: the wheel over the side panel scrolls it, never the control under the pointer."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication


def _wheel(widget, steps: int = -1) -> None:
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    ev = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120 * steps),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def test_wheel_over_an_unfocused_spin_box_leaves_its_value(qtbot, window):
    panel = window.denoise_panel
    spin = panel.quality_spin
    spin.setEnabled(True)
    before = spin.value()
    window.setFocus()
    _wheel(spin)
    assert spin.value() == before  # JPEG quality stays
    combo = panel.noise_combo
    index = combo.currentIndex()
    _wheel(combo)
    assert combo.currentIndex() == index
    spin.setFocus()  # clicked into: the wheel is the user's intent
    qtbot.waitUntil(spin.hasFocus, timeout=2000)
    _wheel(spin)
    assert spin.value() != before
