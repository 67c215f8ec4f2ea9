"""Batch tab: a queue of files/folders denoised in the worker while the user keeps browsing.

The whole job is one generator task on the ``"batch"`` lane (``gui/batch_job.py``): first
``batch.plan()`` (paths only, but thousands of them can take seconds, so not on the GUI
thread), then the model load, then ``batch.run()``. A ``BatchError`` from planning ends the task
before anything is loaded or written and becomes a message box. Each yielded ``ItemResult``
updates ``BatchQueueModel``. Cancelling stops inside the current image (the engine checks
between tiles and ``imageio.atomic_write`` never leaves a partial file); the rows not reached
say "not started", and Start with "skip existing" finishes them. Inputs and options are the
boxes of ``batch_options``; this module is the queue and the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from denoise_desktop import batch
from denoise_desktop.settings import AppSettings

from .. import batch_job
from ..batch_job import PlanRequest, Planned
from ..viewmodels.batch_progress import BatchClock, progress_text, summary_text
from ..viewmodels.batch_queue_model import BatchQueueModel
from .batch_options import BatchInputsBox, BatchModelBox, BatchOutputBox

__all__ = ["BatchPanel"]

LANE = "batch"


class BatchPanel(QWidget):
    """The Batch tab; its options live in the shared ``AppSettings`` and are kept up to date."""

    settings_changed = Signal(object)  # the AppSettings after a user change (main window persists it)
    batch_started = Signal(int)  # number of items
    batch_finished = Signal(dict)  # {"done", "failed", "skipped", "cancelled", "queued", "seconds", "state"}
    item_written = Signal(object)  # a BatchItem whose output is complete (emitted from the writer thread)
    batch_refused = Signal(str)  # why the batch could not start (also shown in a message box)

    def __init__(self, runner, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.task = None
        self.model = BatchQueueModel(self)
        self.item_written.connect(self._on_written)
        self._fraction = 0.0
        self.clock = BatchClock()
        self._plan_notes: list[str] = []  # what planning left out or will replace, kept in the summary
        self._catalog_task = None
        batch_job.preload_native_modules()
        self.setAcceptDrops(True)
        self._build()
        self._eta_timer = QTimer(self)
        self._eta_timer.setInterval(500)
        self._eta_timer.timeout.connect(self._update_progress_label)
        self._update_buttons()

    # -- construction ---------------------------------------------------------------------
    def _build(self) -> None:
        # A side column (inputs, output, model; scrolls when short) beside the queue, which gets
        # the tab's full height — and the window's minimum width stays small.
        side = QWidget()
        top = QVBoxLayout(side)
        self.inputs_box = BatchInputsBox(self._update_buttons)
        self.input_list = self.inputs_box.input_list
        self.add_files_button, self.add_folder_button = self.inputs_box.add_files_button, self.inputs_box.add_folder_button
        self.remove_button, self.clear_button = self.inputs_box.remove_button, self.inputs_box.clear_button
        top.addWidget(self.inputs_box, 1)
        self.output_box = out = BatchOutputBox(self.settings, self._choose_out_dir)
        self.model_box = box = BatchModelBox(self.settings)
        top.addWidget(out)
        top.addWidget(box)
        for b in (out, box):
            b.changed.connect(lambda: self.settings_changed.emit(self.settings))
        # the controls by name, as the window, tests and benchmarks reach them
        self.out_dir_edit, self.naming_edit, self.format_combo = out.out_dir_edit, out.naming_edit, out.format_combo
        self.quality_spin, self.raw_colour_combo, self.raw_mosaic_check = (
            out.quality_spin, out.raw_colour_combo, out.raw_mosaic_check)
        self.recursive_check, self.skip_existing_check = out.recursive_check, out.skip_existing_check
        self.model_combo, self.ensemble_combo, self.noise_combo = box.model_combo, box.ensemble_combo, box.noise_combo
        self.sigma_auto_check, self.sigma_spin, self.device_combo = box.sigma_auto_check, box.sigma_spin, box.device_combo
        self.strength_controls = sc = box.strength_controls
        self.luma_spin, self.chroma_spin, self.grain_spin = sc.luma_spin, sc.chroma_spin, sc.grain_spin
        self.precision_label = box.precision_label

        main = QWidget()
        layout = QVBoxLayout(main)
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
        for w in (self.progress_bar, self.progress_label, self.summary_label):
            layout.addWidget(w)
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.cancel_button = QPushButton("Cancel")
        for b, slot in ((self.start_button, self.start), (self.pause_button, self.pause),
                        (self.resume_button, self.resume), (self.cancel_button, self.cancel)):
            buttons.addWidget(b)
            b.clicked.connect(slot)
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
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.splitter)

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
        self.model_box.set_model_choices(choices)

    def set_devices(self, devices: list) -> None:
        self.model_box.set_devices(devices)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        # The tab is shown after the user may have trained or imported a model elsewhere.
        if self.task is None:
            self.refresh_models()
        self.model_box.show_shared()
        super().showEvent(event)

    def strength(self):
        """Luminance, colour and grain (``blend.Strength``)."""
        return self.strength_controls.value()

    # -- inputs ---------------------------------------------------------------------------
    def inputs(self) -> list[Path]:
        return self.inputs_box.inputs()

    def add_inputs(self, paths) -> None:
        self.inputs_box.add(paths)

    def remove_selected(self) -> None:
        self.inputs_box.remove_selected()

    def clear_inputs(self) -> None:
        self.inputs_box.clear()

    def _choose_out_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Output folder", self.out_dir_edit.text())
        if folder:
            self.out_dir_edit.setText(folder)
            self.output_box.store()

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
        self.output_box.store()  # (a folder typed but not yet committed with Enter)
        out_dir = self.out_dir_edit.text().strip()
        if not self.inputs():
            return self._refuse("Add files or folders to the queue first.")
        if not out_dir:
            return self._refuse("Choose an output folder first.")
        model_id = self.model_combo.currentData()
        if model_id is None:
            return self._refuse("No model is available.")
        request = PlanRequest(inputs=self.inputs(), out_dir=Path(out_dir), recursive=self.recursive_check.isChecked(),
                              fmt=self.format_combo.currentText(), skip_existing=self.skip_existing_check.isChecked(),
                              naming=self.naming_edit.text().strip() or "{stem}")
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
            keep_metadata=bool(self.settings.keep_metadata),  # the Denoise tab's, named in the Model box
            ensemble=int(self.ensemble_combo.currentData()),
            noise=self.noise_combo.currentData() or "auto",
            raw_color_space=self.raw_colour_combo.currentData() or "srgb",
            raw_on_mosaic=self.raw_mosaic_check.isChecked(),
            on_written=self.item_written.emit,  # (a queued signal: safe from the writer thread)
            precision=str(self.settings.precision),  # app-wide, set on the Denoise tab
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
        self.clock.start()
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
        self.clock.stop()
        self._update_buttons()
        self._update_progress_label()

    def resume(self) -> None:
        if self.task is None or not self.task.paused:
            return
        self.task.resume()
        self.clock.resume()
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
        self.clock.stop()
        self.task = None
        self._eta_timer.stop()
        self.model.cancel_unfinished()
        counts = self.model.counts()
        self.summary_label.setText(summary_text(how, counts, self.clock.seconds(), self._plan_notes))
        if how == "finished":
            self.progress_bar.setValue(1000)
        self.progress_label.setText("")
        self._update_buttons()
        if how != "invalid":  # a refused plan never started: batch_refused said why
            self.batch_finished.emit({"state": how, **{k: counts[k] for k in ("done", "failed", "skipped", "cancelled")},
                                      "queued": counts["queued"] + counts["not started"],
                                      "seconds": self.clock.seconds()})

    # -- display --------------------------------------------------------------------------
    def _done_fraction(self) -> float:
        n = self.model.rowCount()
        by_count = self.model.finished_count() / n if n else 0.0
        return max(by_count, min(1.0, self._fraction))

    def active_seconds(self) -> float:
        return self.clock.seconds()

    def _update_progress_label(self) -> None:
        if self.task is None:
            return
        f = self._done_fraction()
        self.progress_bar.setValue(int(round(1000 * f)))
        self.progress_label.setText(progress_text(self.model.finished_count(), self.model.rowCount(), f,
                                                  self.clock.seconds(), self.task.paused))

    def _update_buttons(self) -> None:
        running = self.task is not None
        paused = running and self.task.paused
        self.start_button.setEnabled(not running and self.input_list.count() > 0)
        self.pause_button.setEnabled(running and not paused)
        self.resume_button.setEnabled(running and paused)
        self.cancel_button.setEnabled(running)
        for w in (self.add_files_button, self.add_folder_button, self.remove_button, self.clear_button):
            w.setEnabled(not running)
