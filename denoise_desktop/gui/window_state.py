"""What the main window remembers beside ``AppSettings`` (``qsettings``' ``window/`` and ``gui/``
keys): geometry, toolbar state, splitter positions, the open tab and the models ticked in Compare."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow

from . import qsettings

__all__ = ["restore_window", "restore_splitters", "save_window"]


def _splitters(w: QMainWindow) -> tuple:
    return (w.splitter, w.compare_panel.splitter)


def restore_window(w: QMainWindow) -> None:
    """Geometry, toolbar state and tab now; Compare's ticks once its list arrives."""
    geometry = qsettings.load_bytes("geometry")
    if geometry is not None:
        w.restoreGeometry(geometry)
    else:
        w.resize(1280, 820)
    state = qsettings.load_bytes("state")
    if state is not None:
        w.restoreState(state)
    tab = qsettings.get_value("current_tab", 0, int)
    if 0 <= tab < w.tabs.count():
        w.tabs.setCurrentIndex(tab)
    checked = qsettings.get_value("compare_models", [], list)
    if checked:
        pending = [checked]

        def tick(_entries: list) -> None:  # the first list the Denoise tab hands to Compare
            if pending:
                w.compare_panel.set_checked(pending.pop())

        w.denoise_panel.models_changed.connect(tick)


def restore_splitters(w: QMainWindow) -> None:
    """Only once the window has its real size: a splitter restored earlier is re-shared
    proportionally by the first resize and loses the saved positions."""
    for splitter in _splitters(w):
        s = qsettings.load_bytes(splitter.objectName())
        if s is not None:
            splitter.restoreState(s)


def save_window(w: QMainWindow) -> None:
    qsettings.save_bytes("geometry", w.saveGeometry())
    qsettings.save_bytes("state", w.saveState())
    for splitter in _splitters(w):
        qsettings.save_bytes(splitter.objectName(), splitter.saveState())
    qsettings.set_value("current_tab", w.tabs.currentIndex())
    qsettings.set_value("compare_models", w.compare_panel.checked_models())
