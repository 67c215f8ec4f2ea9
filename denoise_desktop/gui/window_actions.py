"""The main window's actions (text, shortcut, tip, slot), its menus and its toolbar. The slots
are the window's and its panels'; nothing here decides anything."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow

__all__ = ["build_actions", "build_menus", "build_toolbar"]


def _action(w: QMainWindow, text: str, slot, shortcut=None, tip: str = "", checkable: bool = False) -> QAction:
    a = QAction(text, w)
    if shortcut is not None:
        if isinstance(shortcut, (list, tuple)):
            a.setShortcuts([QKeySequence(s) for s in shortcut])
        else:
            a.setShortcut(QKeySequence(shortcut))
    if tip:
        a.setStatusTip(tip)
        a.setToolTip(tip)
    a.setCheckable(checkable)
    if slot is not None:
        a.triggered.connect(slot)
    w.addAction(a)  # shortcuts work even when the menu bar is hidden
    return a


def build_actions(w) -> None:
    """``w.act_*`` for the ``MainWindow`` ``w``."""
    K = QKeySequence.StandardKey
    w.act_open = _action(w, "&Open…", w.open_dialog, K.Open, "Open an image")
    w.act_save = _action(w, "&Save As…", w.denoise_panel.save_as, "Ctrl+Shift+S", "Save the denoised image")
    w.act_quit = _action(w, "&Quit", w.close, "Ctrl+Q")
    w.act_quit.setMenuRole(QAction.MenuRole.QuitRole)
    w.act_fit = _action(w, "&Fit to Window", w.viewer.fit, "F", "Show the whole image")
    w.act_actual = _action(w, "&Actual Size (1:1)", w.viewer.actual_size, "1", "One image pixel per screen pixel")
    w.act_zoom_in = _action(w, "Zoom &In", w.viewer.zoom_in, ["Ctrl+=", "Ctrl++"])
    w.act_zoom_out = _action(w, "Zoom &Out", w.viewer.zoom_out, "Ctrl+-")
    w.act_split = _action(w, "&Before / After", lambda: w.set_view_mode("split"), "Ctrl+1", checkable=True)
    w.act_side = _action(w, "&Side by Side", lambda: w.set_view_mode("side_by_side"), "Ctrl+2", checkable=True)
    w.act_diff = _action(w, "&Difference", lambda: w.set_view_mode("diff"), "Ctrl+3", checkable=True)
    group = QActionGroup(w)
    for a in (w.act_split, w.act_side, w.act_diff):
        group.addAction(a)
    w.act_denoise = _action(w, "&Denoise", w.denoise_panel.denoise, "Ctrl+D", "Denoise the image")
    w.act_cancel = _action(w, "&Cancel", w.cancel_work, "Esc", "Stop the running denoise or comparison")
    w.act_compare = _action(w, "&Compare Models…", w.show_compare, "Ctrl+K", "Compare models on this image")
    w.act_import = _action(w, "&Import Model…", w.denoise_panel.import_model_dialog, None, "Add a model file")
    w.act_raw_mosaic = _action(
        w, "Denoise RAW Files on the Sensor &Mosaic", w.set_raw_on_mosaic, None,
        "Camera RAW with the default model and Auto noise: denoised before development, on the Bayer mosaic "
        "(Denoise and Batch tabs)", checkable=True)
    w.act_raw_mosaic.setChecked(bool(w.settings.raw_on_mosaic))
    w.act_reference = _action(w, "Load &Reference…", w.compare_panel.load_reference_dialog)
    w.act_about = _action(w, "&About Denoise Desktop", w.show_about)
    w.act_about.setMenuRole(QAction.MenuRole.AboutRole)


def build_menus(w) -> None:
    mb = w.menuBar()
    m = mb.addMenu("&File")
    m.addAction(w.act_open)
    w.recent_menu = m.addMenu("Open &Recent")
    w.recent_menu.aboutToShow.connect(w._fill_recent_menu)
    w._fill_recent_menu()
    m.addAction(w.act_save)
    m.addAction(w.act_reference)
    m.addSeparator()
    m.addAction(w.act_quit)
    m = mb.addMenu("&View")
    for a in (w.act_fit, w.act_actual, w.act_zoom_in, w.act_zoom_out):
        m.addAction(a)
    m.addSeparator()
    for a in (w.act_split, w.act_side, w.act_diff):
        m.addAction(a)
    m = mb.addMenu("&Tools")
    for a in (w.act_denoise, w.act_cancel, w.act_compare, w.act_import):
        m.addAction(a)
    m.addSeparator()
    m.addAction(w.act_raw_mosaic)
    m = mb.addMenu("&Help")
    m.addAction(w.act_about)


def build_toolbar(w) -> None:
    tb = w.addToolBar("Main")
    tb.setObjectName("mainToolbar")
    tb.setMovable(False)
    for a in (w.act_open, w.act_save):
        tb.addAction(a)
    tb.addSeparator()
    tb.addAction(w.act_denoise)
    tb.addAction(w.act_cancel)
    tb.addSeparator()
    for a in (w.act_fit, w.act_actual, w.act_zoom_in, w.act_zoom_out):
        tb.addAction(a)
    tb.addSeparator()
    for a in (w.act_split, w.act_side, w.act_diff):
        tb.addAction(a)
