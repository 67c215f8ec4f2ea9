"""The main window: tabs, drag & drop, opening files, commands, state. It composes; it decides nothing.

Tabs: Denoise (viewer + denoise panel), Compare, Batch, Training. The Batch and Training panels
are imported lazily so a missing or broken one becomes a placeholder tab instead of taking the
whole window down. Every tab gets the same ``AppSettings`` (what one takes from another it names
itself). Actions, menus and toolbar are in ``window_actions``, the status bar's readouts in
``status_bar``, the key filters in ``key_filters``, what it remembers in ``window_state``. Anything slow goes through the ``TaskRunner``;
worker failures arrive as signals and are shown with ``dialogs.error.show_error`` while the app
stays usable.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMainWindow, QMessageBox, QScrollArea, QSplitter, QTabWidget, QWidget

from denoise_desktop.settings import AppSettings

from . import jobs, qsettings
from .dialogs import error as error_dialog
from .document import ImageDocument
from .key_filters import SpaceFlip, ViewKeys
from .panels.choices import image_filter
from .panels.compare_panel import ComparePanel
from .panels.denoise_panel import DenoisePanel
from .status_bar import StatusReadouts
from .viewer.image_viewer import ImageViewer
from .wheel_guard import WheelGuard
from .window_actions import build_actions, build_menus, build_toolbar
from .window_state import restore_splitters, restore_window, save_window
from .workers import ErrorInfo, TaskRunner

__all__ = ["MainWindow"]

CATALOG_DELAY_MS = 150  # lets the window map and paint before the worker imports torch
log = logging.getLogger(__name__)

TAB_DENOISE, TAB_COMPARE, TAB_BATCH, TAB_TRAINING = range(4)


class MainWindow(QMainWindow):
    image_opened = Signal(Path)

    def __init__(self, runner: TaskRunner, settings: AppSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings if settings is not None else qsettings.load_settings()
        self.devices: list = []
        self.document = ImageDocument(self)
        self.setWindowTitle("Denoise Desktop")
        self.setAcceptDrops(True)
        self._open_task = None

        self.viewer = ImageViewer(self.document, runner, self)
        self.denoise_panel = DenoisePanel(runner, self.settings, self.document, self)
        self.compare_panel = ComparePanel(runner, self.settings, self.document, region_provider=self.viewer.region,
                                          parent=self)
        self.batch_panel = self._make_panel("batch_panel", "BatchPanel", runner, self.settings)
        self.training_panel = self._make_panel("training_panel", "TrainingPanel", self.settings)

        side = QScrollArea(self)
        side.setWidgetResizable(True)
        side.setWidget(self.denoise_panel)
        side.setMinimumWidth(280)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("denoiseSplitter")
        self.splitter.addWidget(self.viewer)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([900, 320])

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.splitter, "Denoise")
        self.tabs.addTab(self.compare_panel, "Compare")
        self.tabs.addTab(self.batch_panel, "Batch")
        self.tabs.addTab(self.training_panel, "Training")
        self.setCentralWidget(self.tabs)

        self._wheel_guard = WheelGuard(self)  # scrolling the panels never changes a control by accident
        build_actions(self)
        build_menus(self)
        build_toolbar(self)
        self.readouts = StatusReadouts(self.statusBar())
        self.pixel_label, self.zoom_label, self.device_label = (
            self.readouts.pixel_label, self.readouts.zoom_label, self.readouts.device_label)
        self._connect()
        self._space_flip, self._view_keys = SpaceFlip(self), ViewKeys(self)
        for f in (self._wheel_guard, self._space_flip, self._view_keys):
            QApplication.instance().installEventFilter(f)
        self.viewer.set_mode(self.settings.compare_mode if self.settings.compare_mode in ("split", "side_by_side", "diff") else "split")
        self._sync_view_actions(self.viewer.mode())
        restore_window(self)
        # The catalog imports torch (seconds): a worker thread still takes the GIL from the
        # window's first paint, so it starts only once the event loop runs.
        QTimer.singleShot(CATALOG_DELAY_MS, self, self._load_catalog)  # skipped if the window is gone

    def _load_catalog(self) -> None:
        self.denoise_panel.refresh_models()
        self._refresh_devices()

    # -- composition ---------------------------------------------------------------------------
    def _make_panel(self, module: str, cls_name: str, *args: Any) -> QWidget:
        """GUI-B's panels, or a placeholder naming what is missing (the window still works)."""
        try:
            mod = importlib.import_module(f"denoise_desktop.gui.panels.{module}")
            cls = getattr(mod, cls_name)
            return cls(*args, parent=self)
        except Exception as exc:  # noqa: BLE001 - one broken tab must not take down the app
            log.exception("could not create %s", cls_name)
            label = QLabel(f"This tab is not available: {type(exc).__name__}: {exc}", self)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            label.setObjectName(f"{module}_placeholder")
            return label

    def on_denoise_tab(self) -> bool:
        return self.tabs.currentIndex() == TAB_DENOISE

    def set_raw_on_mosaic(self, on: bool) -> None:
        """One setting for both tabs; the Batch tab's checkbox shows it too."""
        self.settings.raw_on_mosaic = bool(on)
        check = getattr(self.batch_panel, "raw_mosaic_check", None)
        if check is not None and check.isChecked() != bool(on):
            check.setChecked(bool(on))
        self.denoise_panel.settings_changed()  # a RAW's result was made the other way
        self.denoise_panel.refresh_estimate()

    def _connect(self) -> None:
        for panel in (self.denoise_panel, self.compare_panel):
            panel.status_message.connect(self.show_message)
            panel.error_occurred.connect(self.show_error)
        self.denoise_panel.models_changed.connect(self.compare_panel.set_models)
        for panel in (self.batch_panel, self.training_panel):
            if hasattr(panel, "set_models"):  # not on a placeholder tab
                self.denoise_panel.models_changed.connect(panel.set_models)
        self.denoise_panel.device_changed.connect(lambda d: self.readouts.show_device(d, self.devices))
        check = getattr(self.batch_panel, "raw_mosaic_check", None)  # (a placeholder if the tab failed)
        if check is not None:
            check.toggled.connect(self.act_raw_mosaic.setChecked)
            check.toggled.connect(lambda _on: self.denoise_panel.settings_changed())  # a RAW's result is stale
            check.toggled.connect(lambda _on: self.denoise_panel.refresh_estimate())
        self.denoise_panel.busy_changed.connect(lambda _b: self._update_actions())
        self.denoise_panel.saved.connect(lambda _p: self.save_settings())
        self.viewer.pixel_info.connect(self.pixel_label.setText)
        self.viewer.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f} %"))
        self.viewer.mode_changed.connect(self._on_view_mode)
        self.document.original_changed.connect(self._on_original)
        self.document.result_changed.connect(self._update_actions)
        self.tabs.currentChanged.connect(self._on_tab)
        trained = getattr(self.training_panel, "model_trained", None)
        if trained is not None:
            trained.connect(self._on_model_trained)
        for panel in (self.batch_panel, self.training_panel):
            changed = getattr(panel, "settings_changed", None)
            if changed is not None:
                changed.connect(lambda _s: self.save_settings())
        self._update_actions()

    # -- files -----------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image", self.settings.last_open_dir, image_filter())
        if path:
            self.open_image(path)

    def open_image(self, path: str | Path):
        """Read ``path`` in a worker; the viewer updates when it arrives. Returns the task."""
        path = Path(path)
        if self._open_task is not None and not self._open_task.done:
            self._open_task.cancel()
        task = self.runner.submit(jobs.open_image, path, lane="io")
        self._open_task = task
        task.signals.yielded.connect(lambda loaded, t=task: self._on_preview(t, loaded))
        task.signals.finished.connect(self._on_loaded)
        task.signals.failed.connect(lambda info, p=path: self._on_open_failed(p, info))
        self.show_message(f"Opening {path.name}…")
        return task

    def _on_preview(self, task, loaded: jobs.LoadedImage) -> None:
        """A camera RAW's quick preview, shown while its full develop runs (not the document)."""
        if task is not self._open_task or task.done:
            return
        self._showing_preview = True
        self.viewer.before_after.set_images(loaded.qimage, None)
        self.show_message(f"{loaded.path.name}: preview; developing the RAW file…")

    def _on_loaded(self, loaded: jobs.LoadedImage) -> None:
        self._showing_preview = False
        doc = self.document
        ref = doc.reference_path.name if doc.reference is not None and doc.reference_path else None
        doc.set_original(loaded.path, loaded.image, loaded.qimage)
        self.settings.add_recent(str(loaded.path))
        self.settings.last_open_dir = str(loaded.path.parent)
        img = loaded.image
        text = f"{loaded.path.name}: {img.width}×{img.height}, {img.channels} channel(s), {img.bit_depth}-bit {img.format}"
        if ref:  # say what happened to the Compare tab's reference: its PSNR must be about this picture
            text += (f"; reference {ref} kept (the same picture)" if doc.reference is not None
                     else f"; reference {ref} cleared (another picture)")
        self.show_message(text)
        self.image_opened.emit(loaded.path)

    def _on_open_failed(self, path: Path, info: ErrorInfo) -> None:
        if getattr(self, "_showing_preview", False):  # the RAW's preview goes: the document shows again
            self._showing_preview = False
            self.viewer.before_after.set_images(self.document.original_qimage, self.document.result_qimage)
        if str(path) in self.settings.recent_files and not path.exists():
            self.settings.recent_files.remove(str(path))
        self.show_error(f"Could not open {path.name}", info)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for p in self.settings.recent_files:
            a = self.recent_menu.addAction(p)
            a.triggered.connect(lambda _c=False, p=p: self.open_image(p))
        if not self.settings.recent_files:
            self.recent_menu.addAction("(none)").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear", self._clear_recent)

    def _clear_recent(self) -> None:
        self.settings.recent_files = []

    def _on_original(self) -> None:
        doc = self.document
        self.setWindowTitle(f"{doc.path.name} — Denoise Desktop" if doc.path else "Denoise Desktop")
        self.setWindowFilePath(str(doc.path) if doc.path else "")
        self._update_actions()
        if self.on_denoise_tab():
            self.viewer.before_after.setFocus()

    # -- drag & drop -------------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.handle_dropped(paths)
            event.acceptProposedAction()

    def handle_dropped(self, paths: list[Path]) -> None:
        """Models are imported; one image opens; folders or several images go to Batch."""
        models = [p for p in paths if p.suffix.lower() in jobs.MODEL_SUFFIXES]
        others = [p for p in paths if p not in models]
        for m in models:
            self.denoise_panel.import_model_file(m)
        if not others:
            return
        if len(others) == 1 and others[0].is_file():
            self.tabs.setCurrentIndex(TAB_DENOISE)
            self.open_image(others[0])
            return
        add = getattr(self.batch_panel, "add_inputs", None)
        if callable(add):
            add([str(p) for p in others])
            self.tabs.setCurrentIndex(TAB_BATCH)
            self.show_message(f"Added {len(others)} item(s) to the batch.")
        else:
            self.open_image(next(p for p in others if p.is_file()))

    # -- commands --------------------------------------------------------------------------------
    def set_view_mode(self, mode: str) -> None:
        self.tabs.setCurrentIndex(TAB_DENOISE)
        self.viewer.set_mode(mode)

    def _on_view_mode(self, mode: str) -> None:
        self.settings.compare_mode = mode
        self._sync_view_actions(mode)

    def _sync_view_actions(self, mode: str) -> None:
        {"split": self.act_split, "side_by_side": self.act_side, "diff": self.act_diff}[mode].setChecked(True)

    def _on_tab(self, index: int) -> None:
        on_viewer = index == TAB_DENOISE
        self.zoom_label.setVisible(on_viewer)  # zoom and readout describe the Denoise viewer
        self.pixel_label.setVisible(on_viewer)
        self._update_actions()

    def show_compare(self) -> None:
        self.tabs.setCurrentIndex(TAB_COMPARE)

    def cancel_work(self) -> None:
        if self.tabs.currentIndex() == TAB_COMPARE and self.compare_panel.is_busy():
            self.compare_panel.cancel()
        elif self.denoise_panel.is_busy():
            self.denoise_panel.cancel()
        elif self.compare_panel.is_busy():
            self.compare_panel.cancel()

    def _on_model_trained(self, path: str) -> None:
        self.show_message(f"New model: {Path(path).name}")
        self.denoise_panel.refresh_models()

    def show_about(self) -> None:
        from .dialogs.about import AboutDialog

        AboutDialog(self.devices, qsettings.settings_file(), self).exec()

    def _refresh_devices(self) -> None:
        task = self.runner.submit(jobs.discover_devices, lane="catalog")
        task.signals.finished.connect(self._on_devices)
        task.signals.failed.connect(lambda info: self.show_message(f"Could not list the devices: {info}"))

    def _on_devices(self, devices: list) -> None:
        self.devices = list(devices)
        self.denoise_panel.set_devices(self.devices)
        for panel in (self.batch_panel, self.training_panel):
            if hasattr(panel, "set_devices"):  # not on a placeholder tab
                panel.set_devices(self.devices)
        self.readouts.show_device(self.denoise_panel.device(), self.devices)

    def _update_actions(self) -> None:
        doc = self.document
        self.act_denoise.setEnabled(doc.has_image())
        self.act_save.setEnabled(doc.has_result())
        self.act_cancel.setEnabled(self.denoise_panel.is_busy() or self.compare_panel.is_busy())

    # -- messages & errors -----------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)
        self.statusBar().setToolTip(text)  # the whole line, where the window is too narrow for it

    def show_error(self, title: str, error: ErrorInfo | str) -> None:
        """Report a failure; the window stays usable (nothing is left busy)."""
        log.warning("%s: %s", title, error)
        self.show_message(f"{title}: {error}")
        error_dialog.show_error(self, title, error)

    # -- state -----------------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not getattr(self, "_splitters_restored", False):
            self._splitters_restored = True
            restore_splitters(self)

    def save_settings(self) -> None:
        qsettings.save_settings(self.settings)

    def save_state(self) -> None:
        save_window(self)
        self.save_settings()

    def confirm_quit_while_training(self) -> bool:
        """Ask before quitting stops a training run (tests patch this)."""
        answer = QMessageBox.question(
            self,
            "Training is running",
            "Quitting stops the training run (a checkpoint is saved and it can be resumed). Quit anyway?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def confirm_quit_while_batch(self) -> bool:
        """Ask before quitting cancels a running batch (tests patch this)."""
        answer = QMessageBox.question(
            self,
            "A batch is running",
            "Quitting cancels the batch: finished files are kept, the file in progress is not written "
            "(start again with \"Skip files whose output exists\" to go on). Quit anyway?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        running = getattr(self.training_panel, "is_running", None)
        if callable(running) and running() and not self.confirm_quit_while_training():
            event.ignore()
            return
        batch_running = getattr(self.batch_panel, "is_running", None)
        if callable(batch_running) and batch_running() and not self.confirm_quit_while_batch():
            event.ignore()
            return
        self.save_state()
        for panel in (self.batch_panel, self.training_panel):
            shutdown = getattr(panel, "shutdown", None)
            if callable(shutdown):
                try:
                    shutdown()
                except Exception:  # noqa: BLE001 - quitting must not fail
                    log.exception("shutting down %s", type(panel).__name__)
        self.denoise_panel.cancel()
        self.compare_panel.cancel()
        for f in (self._space_flip, self._view_keys):
            QApplication.instance().removeEventFilter(f)
        super().closeEvent(event)

    def focus_viewer(self) -> None:
        """Give the keyboard back to the image (after a number field was committed)."""
        canvas = self.viewer.current_canvas() if self.on_denoise_tab() else None
        if canvas is not None:
            canvas.setFocus(Qt.FocusReason.OtherFocusReason)
