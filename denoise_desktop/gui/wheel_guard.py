"""The mouse wheel scrolls a side panel; it changes a spin box, combo or slider only once the
user has clicked into it. Without this, scrolling a long panel stops on whatever control comes
under the pointer and changes it (JPEG quality 95 → 93 without a word)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollBar,
    QWidget,
)

__all__ = ["WheelGuard"]

_GUARDED = (QAbstractSpinBox, QComboBox, QAbstractSlider)


class WheelGuard(QObject):
    """App-wide event filter: a wheel event over an unfocused control inside a scroll area goes
    to the scroll area instead (controls made later are covered too)."""

    _forwarding = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        # (a scroll area hands the wheel to its own scroll bar, a slider too: that one is left alone)
        if (event.type() != QEvent.Type.Wheel or self._forwarding or not isinstance(obj, _GUARDED)
                or isinstance(obj, QScrollBar) or obj.hasFocus()):
            return False
        area = _scroll_area_of(obj)
        if area is None:
            return False  # not in a scrolling panel (a toolbar, a dialog): the control's own behaviour
        self._forwarding = True
        try:
            QApplication.sendEvent(area.viewport(), event)
        finally:
            self._forwarding = False
        return True


def _scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    p = widget.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea) and not isinstance(p, _GUARDED):
            return p
        p = p.parentWidget()
    return None
