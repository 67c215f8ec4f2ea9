"""Application-wide key handling of the main window (``MainWindow``: its ``viewer``,
``on_denoise_tab`` and ``focus_viewer``): hold Space to see the original, and the single-key
view shortcuts (F, 1) while a number field has focus."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QTextEdit,
)

__all__ = ["SpaceFlip", "ViewKeys"]


class SpaceFlip(QObject):
    """Hold Space anywhere on the Denoise tab to see the original (not while typing)."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            return False
        if event.key() != Qt.Key.Key_Space or event.isAutoRepeat():
            return event.key() == Qt.Key.Key_Space and self._active()
        if not self._active():
            return False
        self._window.viewer.before_after.set_show_original(event.type() == QEvent.Type.KeyPress)
        return True

    def _active(self) -> bool:
        w = self._window
        if not w.isActiveWindow() or not w.on_denoise_tab():
            return False
        focus = QApplication.focusWidget()
        # Space keeps its own meaning where it has one: typing, pressing a button, toggling a box.
        own_use = (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit, QAbstractButton, QComboBox, QAbstractItemView)
        return not isinstance(focus, own_use) and w.viewer.mode() == "split"


class ViewKeys(QObject):
    """Single-key view shortcuts (F, 1) keep working while a number field has focus.

    A spin box claims every printable key, so F did nothing after the user touched the σ field.
    Letters mean nothing to our numeric fields: they go to the shortcuts. Digits still type into
    the field; Enter commits it and hands the keyboard back to the viewer, so 1 then works too."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        etype = event.type()
        if etype not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        focus = QApplication.focusWidget()
        if not isinstance(focus, QAbstractSpinBox) or focus.window() is not self._window or obj is not focus:
            return False
        plain = not (event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier))
        if etype == QEvent.Type.ShortcutOverride:
            if plain and Qt.Key.Key_A <= event.key() <= Qt.Key.Key_Z:
                event.ignore()  # not claimed: the shortcut map gets the key
                return True
            return False
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QTimer.singleShot(0, self._window, self._window.focus_viewer)
        return False
