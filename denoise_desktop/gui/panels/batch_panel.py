"""Batch tab: a queue of files/folders denoised in the worker while the user keeps browsing.

The whole job is one generator task on the ``"batch"`` lane (``gui/batch_job.py``): first
``batch.plan()`` (paths only, but thousands of them can take seconds, so not on the GUI
thread), then the model load, then ``batch.run()``. A ``BatchError`` from planning ends the task
before anything is loaded or written and becomes a message box. Each yielded ``ItemResult``
updates ``BatchQueueModel``. Cancelling stops inside the current image (the engine checks
between tiles and ``imageio.atomic_write`` never leaves a partial file); the rows not reached
say "not started", and Start with "skip existing" finishes them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from denoise_desktop import batch
from denoise_desktop.engine import DEFAULT_ENSEMBLE
from denoise_desktop.gui import batch_job
from denoise_desktop.gui.batch_job import AUTO_MODEL, PlanRequest, Planned
from denoise_desktop.gui.viewmodels.batch_queue_model import BatchQueueModel
from denoise_desktop.gui.panels.choices import LEVEL_HELP, NOISE_CHOICES, NOISE_HELP, QUALITY_CHOICES
from denoise_desktop.gui.panels.strength_controls import StrengthControls
from denoise_desktop.gui.widgets import fill_device_combo, path_row

__all__ = ["BatchPanel", "FORMATS"]

FORMATS = ("keep", "png", "jpg", "tif")
LANE = "batch"
def _format_seconds(s: float) -> str:
    s = max(0, int(round(s)))
    if s >= 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


class BatchPanel(QWidget):
    """The Batch tab. ``settings`` is an ``AppSettings``; its batch fields are kept up to date."""

    settings_changed = Signal(object)  # the AppSettings after a user change (main window persists it)
    batch_started = Signal(int)  # number of items
    batch_finished = Signal(dict)  # {"done", "failed", "skipped", "cancelled", "queued", "seconds", "state"}
    item_written = Signal(object)  # a BatchItem whose output is complete (emitted from the writer thread)
    batch_refused = Signal(str)  # why the batch could not start (also shown in a message box)

    def __init__(self, runner, settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.task = None
        self.model = BatchQueueModel(self)
        self.item_written.connect(self._on_written)
        self._fraction = 0.0
        self._active_s = 0.0  # time spent running, pauses excluded
        self._resumed_at: float | None = None
        self._loading = True
        self._plan_notes: list[str] = []  # what planning left out or will replace, kept in the summary
        self._catalog_task = None
        self._devices_listed = False
        batch_job.preload_native_modules()
        self.setAcceptDrops(True)
        self._build()
        self._load_settings()
        self._loading = False
        self._eta_timer = QTimer(self)
        self._eta_timer.setInterval(500)
        self._eta_timer.timeout.connect(self._update_progress_label)
        self._update_buttons()

    # -- construction ---------------------------------------------------------------------
    def _build(self) -> None:
        # A side column (inputs, output, model; scrolls when short) beside the queue, which gets
        # the tab's full height — and the window's minimum width stays small.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        side = QWidget()
        top = QVBoxLayout(side)
        main = QWidget()
        layout = QVBoxLayout(main)

        inputs = QGroupBox("Inputs (files and folders; drop them here)")
        in_layout = QVBoxLayout(inputs)
        self.input_list = QListWidget()
        self.input_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        in_layout.addWidget(self.input_list)
        row = QGridLayout()
        self.add_files_button = QPushButton("Add files…")
        self.add_folder_button = QPushButton("Add folder…")
        self.remove_button = QPushButton("Remove")
        self.clear_button = QPushButton("Clear")
        for k, b in enumerate((self.add_files_button, self.add_folder_button, self.remove_button, self.clear_button)):
            row.addWidget(b, k // 2, k % 2)
        in_layout.addLayout(row)
        self.add_files_button.clicked.connect(self._choose_files)
        self.add_folder_button.clicked.connect(self._choose_folder)
        self.remove_button.clicked.connect(self.remove_selected)
        self.clear_button.clicked.connect(self.clear_inputs)
        top.addWidget(inputs, 1)

        options = QGroupBox("Output")
        form = QFormLayout(options)
        out_row, self.out_dir_edit, self.out_dir_button = path_row("output folder", self._choose_out_dir)
        form.addRow("Output folder", out_row)
        self.naming_edit = QLineEdit("{stem}")
        self.naming_edit.setPlaceholderText("{stem}_denoised")
        self.naming_edit.setToolTip("File name without suffix; {stem} is the input's name, e.g. {stem}_denoised.")
        form.addRow("Name pattern", self.naming_edit)
        fmt_row = QHBoxLayout()
        self.format_combo = QComboBox()
        self.format_combo.addItems(list(FORMATS))
        self.quality_spin = QSpinBox()
        self.quality_spin.setRange(1, 100)
        self.quality_spin.setValue(95)
        self.quality_spin.setPrefix("JPEG quality ")
        fmt_row.addWidget(self.format_combo)
        fmt_row.addWidget(self.quality_spin)
        fmt_row.addStretch(1)
        form.addRow("Format", fmt_row)
        self.raw_colour_combo = QComboBox()
        for key, label in (("srgb", "sRGB"), ("adobe", "Adobe RGB"), ("prophoto", "ProPhoto RGB")):
            self.raw_colour_combo.addItem(label, key)
        self.raw_colour_combo.setToolTip("Colour space camera RAW files are developed into (the matching "
                                         "ICC profile is attached to the output); other files are unchanged")
        form.addRow("RAW colour", self.raw_colour_combo)
        self.raw_mosaic_check = QCheckBox("Denoise RAW files on the sensor mosaic")
        self.raw_mosaic_check.setChecked(True)
        self.raw_mosaic_check.setToolTip(
            "With the Automatic model and noise: a camera RAW file is denoised before development, on its "
            "Bayer mosaic, where the sensor's noise is still white and fitted exactly (ahead of developing "
            "first: docs/benchmarks.md). Off: developed, then denoised like a photo")
        form.addRow("", self.raw_mosaic_check)
        self.recursive_check = QCheckBox("Include sub-folders")
        self.skip_existing_check = QCheckBox("Skip files whose output exists")
        self.skip_existing_check.setChecked(True)
        form.addRow("", self.recursive_check)
        form.addRow("", self.skip_existing_check)
        top.addWidget(options)
        model_box = QGroupBox("Model")
        form = QFormLayout(model_box)
        self.model_combo = QComboBox()
        self._model_channels: dict[str, tuple[int, ...]] = {}
        self.set_model_choices([])  # the models arrive from a worker
        form.addRow("Model", self.model_combo)
        self.ensemble_combo = QComboBox()
        for n, label in QUALITY_CHOICES.items():
            self.ensemble_combo.addItem(label, n)
        self.ensemble_combo.setToolTip("Networks also run on flipped/rotated copies and average them: "
                                       "more passes, a little cleaner, proportionally slower.")
        form.addRow("Quality", self.ensemble_combo)
        self.noise_combo = QComboBox()
        for key, label in NOISE_CHOICES.items():
            self.noise_combo.addItem(label, key)
        self.noise_combo.setToolTip(NOISE_HELP)
        form.addRow("Noise", self.noise_combo)
        sigma_row = QHBoxLayout()
        self.sigma_auto_check = QCheckBox("estimate per image")
        self.sigma_auto_check.setChecked(True)
        self.sigma_auto_check.setToolTip(LEVEL_HELP)
        self.sigma_spin = QDoubleSpinBox()
        self.sigma_spin.setRange(0.0, 100.0)
        self.sigma_spin.setDecimals(1)
        self.sigma_spin.setValue(25.0)
        self.sigma_spin.setEnabled(False)
        self.sigma_auto_check.toggled.connect(lambda on: self.sigma_spin.setEnabled(not on))
        sigma_row.addWidget(self.sigma_auto_check)
        sigma_row.addWidget(self.sigma_spin)
        sigma_row.addStretch(1)
        form.addRow("Noise σ (0–255)", sigma_row)
        # luminance / colour / grain in % like the Denoise tab's, and the same presets
        self.strength_controls = StrengthControls(self.settings, self, sliders=False)
        self.luma_spin = self.strength_controls.luma_spin
        self.chroma_spin = self.strength_controls.chroma_spin
        self.grain_spin = self.strength_controls.grain_spin
        self.preset_combo = self.strength_controls.preset_combo
        self.strength_controls.setToolTip("Luminance, colour and grain in %, as on the Denoise tab")
        form.addRow("Luma/colour/grain", self.strength_controls)
        self.device_combo = QComboBox()
        fill_device_combo(self.device_combo)  # the rest arrive from a worker: set_devices
        self.device_combo.setToolTip("Where the networks run. Their arithmetic (Precision) is the app-wide "
                                     "setting on the Denoise tab")
        form.addRow("Device", self.device_combo)
        self.precision_label = QLabel()  # app-wide, chosen on the Denoise tab: shown here, not silent
        self.precision_label.setToolTip("The networks' arithmetic, set on the Denoise tab for the whole app")
        form.addRow("Precision", self.precision_label)
        for combo in (self.model_combo, self.ensemble_combo, self.noise_combo, self.device_combo):
            # long model names must not widen the side column (and the window): shown elided
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        top.addWidget(model_box)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.progress_label = QLabel("")
        self.summary_label = QLabel("")
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.summary_label)

        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.cancel_button = QPushButton("Cancel")
        for b in (self.start_button, self.pause_button, self.resume_button, self.cancel_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        scroll = QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(side.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("batchSplitter")
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(main)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        outer.addWidget(self.splitter)
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(self.resume)
        self.cancel_button.clicked.connect(self.cancel)

        for signal in (
            self.out_dir_edit.editingFinished,
            self.naming_edit.editingFinished,
            self.format_combo.currentIndexChanged,
            self.quality_spin.valueChanged,
            self.raw_colour_combo.currentIndexChanged,
            self.raw_mosaic_check.toggled,
            self.recursive_check.toggled,
            self.skip_existing_check.toggled,
            self.model_combo.currentIndexChanged,
            self.ensemble_combo.currentIndexChanged,
            self.noise_combo.currentIndexChanged,
            self.sigma_auto_check.toggled,
            self.sigma_spin.valueChanged,
            self.strength_controls.changed,
            self.device_combo.currentIndexChanged,
        ):
            signal.connect(self._store_settings)
        self.format_combo.currentTextChanged.connect(
            lambda f: self.quality_spin.setEnabled(f in ("jpg", "keep"))
        )

    def refresh_models(self) -> None:
        """Re-list models and devices in a worker (listing imports torch: seconds, the first time)."""
        if self._catalog_task is not None:
            return
        task = self.runner.submit(batch_job.catalog, lane="catalog")
        self._catalog_task = task
        task.signals.finished.connect(self._on_catalog)
        task.signals.failed.connect(self._on_catalog_failed)

    def _on_catalog(self, result: tuple) -> None:
        self._catalog_task = None
        choices, devices = result
        self.set_model_choices(choices)
        self.set_devices(devices)

    def _on_catalog_failed(self, info: Any) -> None:
        self._catalog_task = None
        self.summary_label.setText(f"Could not list the models: {info}")

    def set_models(self, entries: list) -> None:
        """The registry's entries, as the Denoise tab listed them."""
        self.set_model_choices(batch_job.choices_from_entries(entries))

    def set_model_choices(self, choices: list[tuple[str, str, tuple[int, ...]]]) -> None:
        """Fill the model box with (label, id, channels), keeping the current choice."""
        current = self.model_combo.currentData()
        self.model_combo.blockSignals(True)
        try:
            self.model_combo.clear()
            self._model_channels = {}
            self.model_combo.addItem("Automatic (best for each image)", AUTO_MODEL)
            for label, model_id, channels in choices:
                self.model_combo.addItem(label, model_id)
                self._model_channels[model_id] = tuple(channels)
            _select_data(self.model_combo, current if current not in (None, AUTO_MODEL) else self._wanted_model())
        finally:
            self.model_combo.blockSignals(False)

    def _wanted_model(self) -> str | None:
        return _get(self.settings, "batch_model", None) or AUTO_MODEL

    def set_devices(self, devices: list) -> None:
        """The devices found (a worker lists them); keeps or restores the chosen one."""
        wanted = self.device_combo.currentData() if self._devices_listed else _get(self.settings, "device", "auto")
        fill_device_combo(self.device_combo, devices, wanted)
        self._devices_listed = True

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        # The tab is shown after the user may have trained or imported a model elsewhere.
        if self.task is None:
            self.refresh_models()
        self._show_precision()
        super().showEvent(event)

    def _show_precision(self) -> None:
        chosen = str(_get(self.settings, "precision", "auto"))
        self.precision_label.setText(f"{chosen} (from the Denoise tab)")

    # -- settings -------------------------------------------------------------------------
    def _load_settings(self) -> None:
        s = self.settings
        self.out_dir_edit.setText(str(_get(s, "last_batch_out_dir", "") or ""))
        self.naming_edit.setText(_get(s, "naming", "{stem}") or "{stem}")
        _select_text(self.format_combo, _get(s, "output_format", "keep"))
        self.quality_spin.setValue(int(_get(s, "jpeg_quality", 95)))
        _select_data(self.raw_colour_combo, _get(s, "raw_color_space", "srgb"))
        self.raw_mosaic_check.setChecked(bool(_get(s, "raw_on_mosaic", True)))
        self.quality_spin.setEnabled(self.format_combo.currentText() in ("jpg", "keep"))
        self.recursive_check.setChecked(bool(_get(s, "recursive", False)))
        self.skip_existing_check.setChecked(bool(_get(s, "skip_existing", False)))
        _select_data(self.model_combo, self._wanted_model())  # Automatic until the list arrives
        _select_data(self.ensemble_combo, int(_get(s, "batch_ensemble", DEFAULT_ENSEMBLE)))
        _select_data(self.noise_combo, _get(s, "batch_noise", "auto"))
        self.sigma_auto_check.setChecked(_get(s, "sigma_mode", "auto") != "manual")
        self.sigma_spin.setValue(float(_get(s, "sigma", 25.0)))
        if hasattr(s, "blend"):
            self.strength_controls.set_value(s.blend(), emit=False)
        _select_data(self.device_combo, _get(s, "device", "auto"))

    def strength(self):
        """Luminance, colour and grain (``blend.Strength``)."""
        return self.strength_controls.value()

    def _store_settings(self, *_: Any) -> None:
        """Write the controls into the ``AppSettings`` fields they share with the rest of the app."""
        if self._loading or self.settings is None:
            return
        s = self.settings
        _set(s, "last_batch_out_dir", self.out_dir_edit.text().strip())
        naming = self.naming_edit.text().strip()
        if "{stem}" in naming:
            _set(s, "naming", naming)
        _set(s, "output_format", self.format_combo.currentText())
        _set(s, "jpeg_quality", self.quality_spin.value())
        _set(s, "raw_color_space", self.raw_colour_combo.currentData() or "srgb")
        _set(s, "raw_on_mosaic", self.raw_mosaic_check.isChecked())
        _set(s, "recursive", self.recursive_check.isChecked())
        _set(s, "skip_existing", self.skip_existing_check.isChecked())
        model_id = self.model_combo.currentData()
        if model_id is not None and self.model_combo.count() > 1:  # not while the list is empty
            _set(s, "batch_model", None if model_id == AUTO_MODEL else model_id)
        _set(s, "batch_ensemble", int(self.ensemble_combo.currentData()))
        _set(s, "batch_noise", self.noise_combo.currentData() or "auto")
        _set(s, "sigma_mode", "auto" if self.sigma_auto_check.isChecked() else "manual")
        _set(s, "sigma", self.sigma_spin.value())
        if hasattr(s, "set_blend"):
            s.set_blend(self.strength())
        _set(s, "device", self.device_combo.currentData() or "auto")
        self.settings_changed.emit(s)

    # -- inputs ---------------------------------------------------------------------------
    def inputs(self) -> list[Path]:
        return [Path(self.input_list.item(i).text()) for i in range(self.input_list.count())]

    def add_inputs(self, paths) -> None:
        known = {str(p) for p in self.inputs()}
        for p in paths:
            text = str(Path(p))
            if text not in known:
                self.input_list.addItem(text)
                known.add(text)
        self._update_buttons()

    def remove_selected(self) -> None:
        for item in self.input_list.selectedItems():
            self.input_list.takeItem(self.input_list.row(item))
        self._update_buttons()

    def clear_inputs(self) -> None:
        self.input_list.clear()
        self._update_buttons()

    def _choose_files(self) -> None:
        from .compare_panel import image_filter  # every readable type, camera RAW included

        files, _ = QFileDialog.getOpenFileNames(self, "Add images", "", image_filter())
        self.add_inputs(files)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add folder")
        if folder:
            self.add_inputs([folder])

    def _choose_out_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Output folder", self.out_dir_edit.text())
        if folder:
            self.out_dir_edit.setText(folder)
            self._store_settings()

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.add_inputs(paths)
            event.acceptProposedAction()

    # -- running --------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.task is not None

    def start(self) -> bool:
        """Queue the batch; False (with a message) when it obviously cannot run.

        ``batch.plan()`` runs as the task's first step: listing and resolving thousands of files
        (or a slow network share) must not freeze the window. A ``BatchError`` from it ends the
        task before any model is loaded or file written, and is shown like the checks here.
        """
        if self.task is not None:
            return False
        self._store_settings()
        out_dir = self.out_dir_edit.text().strip()
        if not self.inputs():
            return self._refuse("Add files or folders to the queue first.")
        if not out_dir:
            return self._refuse("Choose an output folder first.")
        model_id = self.model_combo.currentData()
        if model_id is None:
            return self._refuse("No model is available.")
        request = PlanRequest(
            inputs=self.inputs(),
            out_dir=Path(out_dir),
            recursive=self.recursive_check.isChecked(),
            fmt=self.format_combo.currentText(),
            skip_existing=self.skip_existing_check.isChecked(),
            naming=self.naming_edit.text().strip() or "{stem}",
        )
        sigma = None if self.sigma_auto_check.isChecked() else self.sigma_spin.value()
        # The runner starts tasks from the event loop, so connecting after submit() is safe.
        task = self.runner.submit(
            batch_job.run_batch,
            request,
            model_id,
            self.device_combo.currentData() or "auto",
            sigma,
            self.strength(),
            jpeg_quality=self.quality_spin.value(),
            keep_metadata=bool(_get(self.settings, "keep_metadata", True)),
            ensemble=int(self.ensemble_combo.currentData()),
            noise=self.noise_combo.currentData() or "auto",
            raw_color_space=self.raw_colour_combo.currentData() or "srgb",
            raw_on_mosaic=self.raw_mosaic_check.isChecked(),
            on_written=self.item_written.emit,  # (a queued signal: safe from the writer thread)
            precision=str(_get(self.settings, "precision", "auto")),  # app-wide, set on the Denoise tab
            lane=LANE,
        )
        self.task = task
        task.signals.yielded.connect(self._on_yielded)
        task.signals.progress.connect(self._on_progress)
        task.signals.finished.connect(lambda _r: self._on_end("finished"))
        task.signals.cancelled.connect(lambda: self._on_end("cancelled"))
        task.signals.failed.connect(self._on_failed)
        self.model.clear()
        self._fraction = 0.0
        self._active_s = 0.0
        self._resumed_at = time.monotonic()
        self.progress_bar.setValue(0)
        self._plan_notes = []
        self.summary_label.setText("")
        self.progress_label.setText("Checking the inputs…")
        self._eta_timer.start()
        self._update_buttons()
        return True

    def _refuse(self, message: str) -> bool:
        QMessageBox.warning(self, "Cannot start the batch", message)
        self.batch_refused.emit(message)
        return False

    def pause(self) -> None:
        if self.task is None or self.task.paused:
            return
        self.task.pause()
        if self._resumed_at is not None:
            self._active_s += time.monotonic() - self._resumed_at
            self._resumed_at = None
        self._update_buttons()
        self._update_progress_label()

    def resume(self) -> None:
        if self.task is None or not self.task.paused:
            return
        self.task.resume()
        self._resumed_at = time.monotonic()
        self._update_buttons()
        self._update_progress_label()

    def cancel(self) -> None:
        if self.task is not None:
            self.progress_label.setText("Cancelling…")
            self.task.cancel()
            self.cancel_button.setEnabled(False)

    def shutdown(self) -> None:
        """App quitting: cancel the batch (the runner waits for the worker)."""
        if self.task is not None:
            self.task.cancel()

    # -- worker signals (GUI thread) ------------------------------------------------------
    def _on_written(self, item: Any) -> None:
        """An output is complete on disk: the row says done now, not when the next file has been
        through the network (or, paused, never); its result fills in time and details later."""
        if self.task is None:
            return
        i = self.model.find(item)
        if i >= 0 and self.model.row(i).state == "running":
            self.model.set_state(i, "done", "written")
            self.model.mark_next_running(i + 1)
            self._update_progress_label()

    def _on_yielded(self, value: Any) -> None:
        if isinstance(value, Planned):
            self.model.set_items(value.items)
            self.model.mark_next_running()
            self.batch_started.emit(len(value.items))
            # what planning left out (files in the output folder, unsupported files) or will replace
            self._plan_notes = value.items.notes(max_names=5) if hasattr(value.items, "notes") else []
            self.summary_label.setText("\n".join(self._plan_notes))
        else:
            i = self.model.apply_result(value)
            if self.task is not None and not self.task.token.cancelled:
                self.model.mark_next_running(i + 1)
        self._update_progress_label()

    def _on_progress(self, fraction: float, message: str) -> None:
        self._fraction = max(self._fraction, float(fraction))
        self.progress_bar.setValue(int(round(1000 * self._done_fraction())))

    def _on_failed(self, error: Any) -> None:
        if getattr(error, "type_name", "") == batch.BatchError.__name__:
            # plan() refused the job: nothing was loaded or written; say why, as for start().
            self._on_end("invalid")
            self._refuse(getattr(error, "message", str(error)))
            return
        # Items are isolated by batch.run(); reaching here means the batch as a whole could not
        # run (the model did not load, the device vanished).
        self.model.fail_unfinished(str(error))
        self._on_end("failed")
        QMessageBox.critical(self, "Batch failed", str(error))

    def _on_end(self, how: str) -> None:
        if self.task is None:
            return
        if self._resumed_at is not None:
            self._active_s += time.monotonic() - self._resumed_at
            self._resumed_at = None
        self.task = None
        self._eta_timer.stop()
        self.model.cancel_unfinished()
        counts = self.model.counts()
        summary = {
            "state": how,
            "done": counts["done"],
            "failed": counts["failed"],
            "skipped": counts["skipped"],
            "cancelled": counts["cancelled"],
            "queued": counts["queued"] + counts["not started"],
            "seconds": self._active_s,
        }
        parts = [f"{counts['done']} done", f"{counts['failed']} failed", f"{counts['skipped']} skipped"]
        left = counts["cancelled"] + counts["queued"] + counts["not started"]
        if left:
            parts.append(f"{left} not processed (Start again with “skip existing” to finish them)")
        title = {"finished": "Batch finished", "cancelled": "Batch cancelled", "failed": "Batch failed",
                 "invalid": "Batch not started"}[how]
        if how == "invalid":
            self.summary_label.setText(title + ".")
        else:
            lines = [f"{title}: {', '.join(parts)} in {_format_seconds(self._active_s)}.", *self._plan_notes]
            self.summary_label.setText("\n".join(lines))
        if how == "finished":
            self.progress_bar.setValue(1000)
        self.progress_label.setText("")
        self._update_buttons()
        if how != "invalid":  # a refused plan never started: batch_refused said why
            self.batch_finished.emit(summary)

    # -- display --------------------------------------------------------------------------
    def _done_fraction(self) -> float:
        n = self.model.rowCount()
        by_count = self.model.finished_count() / n if n else 0.0
        return max(by_count, min(1.0, self._fraction))

    def active_seconds(self) -> float:
        extra = time.monotonic() - self._resumed_at if self._resumed_at is not None else 0.0
        return self._active_s + extra

    def _update_progress_label(self) -> None:
        if self.task is None:
            return
        n = self.model.rowCount()
        done = self.model.finished_count()
        f = self._done_fraction()
        self.progress_bar.setValue(int(round(1000 * f)))
        elapsed = self.active_seconds()
        text = f"{done} / {n} — elapsed {_format_seconds(elapsed)}"
        if self.task.paused:
            text += " — paused"
        elif 0.0 < f < 1.0 and elapsed > 1.0:
            text += f" — about {_format_seconds(elapsed * (1.0 - f) / f)} left"
        self.progress_label.setText(text)

    def _update_buttons(self) -> None:
        running = self.task is not None
        paused = running and self.task.paused
        self.start_button.setEnabled(not running and self.input_list.count() > 0)
        self.pause_button.setEnabled(running and not paused)
        self.resume_button.setEnabled(running and paused)
        self.cancel_button.setEnabled(running)
        for w in (self.add_files_button, self.add_folder_button, self.remove_button, self.clear_button):
            w.setEnabled(not running)


def _get(settings: Any, name: str, default: Any) -> Any:
    return getattr(settings, name, default) if settings is not None else default


def _set(settings: Any, name: str, value: Any) -> None:
    if settings is not None and hasattr(settings, name):
        setattr(settings, name, value)


def _select_text(combo: QComboBox, text: Any) -> None:
    i = combo.findText(str(text))
    if i >= 0:
        combo.setCurrentIndex(i)


def _select_data(combo: QComboBox, data: Any) -> None:
    if data is None:
        return
    i = combo.findData(data)
    if i >= 0:
        combo.setCurrentIndex(i)
