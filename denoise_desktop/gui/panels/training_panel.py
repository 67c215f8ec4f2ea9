"""Training tab: pick a recipe or a data folder, start the trainer as a child process, watch it.

The trainer is never imported here (it would pull torch and its threads into the GUI process):
recipes are found through ``importlib.util.find_spec`` and read with ``training.config`` (plain
TOML, no torch; ``training_job``), the run is a ``TrainingProcess`` and everything we learn comes
back as ``training.events`` lines. Events only append to ``TrainingRun`` buffers; a 5 Hz timer
pushes them into curves created once (``training_plots``), so a fast GPU printing hundreds of
events per second costs the event loop almost nothing. The form is ``training_form``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from denoise_desktop import paths
from training.events import parse_line

from ..training_job import device_args, format_duration, install_export
from ..training_process import TrainingProcess, training_command
from ..viewmodels.training_run import TrainingRun
from .training_form import TrainingForm
from .training_plots import TrainingPlots

__all__ = ["TrainingPanel"]

REFRESH_MS = 200  # 5 Hz plot refresh
HISTORY_MAX_BYTES = 32 << 20  # a resumed run's past events: read at most the last 32 MiB


class TrainingPanel(QWidget):
    """The Training tab. ``model_trained(path)`` fires when a run ends with an exported model."""

    model_trained = Signal(str)

    def __init__(self, settings=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.process = TrainingProcess(self)
        self.run = TrainingRun()
        self._build()
        self.process.events_received.connect(self._on_events)
        self.process.stderr_text.connect(self._append_log)
        self.process.stdout_text.connect(self._append_log)
        self.process.error_occurred.connect(self._append_log)
        self.process.finished.connect(self._on_finished)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh)
        self._update_buttons()

    def _build(self) -> None:
        outer = QHBoxLayout(self)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.form = f = TrainingForm(self.settings)
        left_layout.addWidget(f)
        # the controls by name, as tests and benchmarks reach them
        self.recipe_combo, self.recipe_radio, self.folder_radio = f.recipe_combo, f.recipe_radio, f.folder_radio
        self.open_recipe_button, self.data_dir_edit, self.arch_combo = f.open_recipe_button, f.data_dir_edit, f.arch_combo
        self.init_combo, self.sigma_min_spin, self.sigma_max_spin = f.init_combo, f.sigma_min_spin, f.sigma_max_spin
        self.epochs_spin, self.steps_spin, self.batch_spin = f.epochs_spin, f.steps_spin, f.batch_spin
        self.patch_spin, self.device_combo = f.patch_spin, f.device_combo
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start")
        self.stop_button = QPushButton("Stop")
        self.resume_button = QPushButton("Resume…")
        for b, slot in ((self.start_button, self.start), (self.stop_button, self.stop),
                        (self.resume_button, self._choose_resume)):
            buttons.addWidget(b)
            b.clicked.connect(slot)
        left_layout.addLayout(buttons)
        self.status_label = QLabel("Idle")
        self.status_label.setWordWrap(True)
        self.step_label = QLabel("")
        self.speed_label = QLabel("")
        self.eta_label = QLabel("")
        self.psnr_label = QLabel("")
        for label in (self.status_label, self.step_label, self.speed_label, self.eta_label, self.psnr_label):
            left_layout.addWidget(label)
        left_layout.addStretch(1)
        outer.addWidget(left)
        self.plots = TrainingPlots()
        self.loss_plot, self.psnr_plot, self.log_view = self.plots.loss_plot, self.plots.psnr_plot, self.plots.log_view
        self.loss_curve, self.psnr_curve = self.plots.loss_curve, self.plots.psnr_curve
        outer.addWidget(self.plots, 1)

    # -- the form -------------------------------------------------------------------------
    def set_devices(self, devices: list) -> None:
        self.form.set_devices(devices)

    def set_models(self, entries: list) -> None:
        self.form.set_models(entries)

    def recipe_path(self) -> Path | None:
        return self.form.recipe_path()

    def overrides(self, *, all_fields: bool = False) -> dict[str, Any]:
        return self.form.overrides(all_fields=all_fields)

    def add_recipe(self, path: str | Path) -> None:
        """Add a recipe file to the list (if new) and select it."""
        self.form.add_recipe(path)
        self._update_buttons()

    def _choose_resume(self) -> None:
        start = self.run.run_dir or str(paths.runs_dir())
        folder = QFileDialog.getExistingDirectory(self, "Resume which run?", start)
        if folder:
            self.resume(folder)

    # -- control --------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.process.is_running()

    def start(self, *, extra_overrides: dict[str, Any] | None = None, run_dir: str | None = None) -> bool:
        if self.process.is_running():
            return False
        recipe = self.recipe_path()
        if recipe is None:
            return self._refuse("No training recipe was found (training/recipes/*.toml).")
        if self.folder_radio.isChecked():
            folder = self.data_dir_edit.text().strip()
            if not folder or not Path(folder).is_dir():
                return self._refuse(f"The data folder {folder!r} does not exist.")
        overrides = self.overrides()
        device, device_override = device_args(self.device_combo.currentData())
        if device_override:
            overrides["train.device"] = device_override
        overrides.update(extra_overrides or {})
        command = training_command(recipe, overrides=overrides, run_dir=run_dir, device=device)
        self._launch(command, f"Training {recipe.stem}")
        return True

    def resume(self, run_dir: str) -> bool:
        if self.process.is_running():
            return False
        device, device_override = device_args(self.device_combo.currentData())
        overrides = {"train.device": device_override} if device_override else {}
        command = training_command(None, overrides=overrides, resume=run_dir, device=device)
        self._launch(command, f"Resuming {Path(run_dir).name}", history=Path(run_dir) / "events.jsonl")
        return True

    def start_command(self, command: list[str], title: str = "Training") -> None:
        """Start an arbitrary event-printing command (tests, alternative launchers)."""
        self._launch(command, title)

    def _launch(self, command: list[str], title: str, history: Path | None = None) -> None:
        self.run.reset()
        self.plots.clear()
        if history is not None:
            self._load_history(history)
        self.log_view.appendPlainText("$ " + " ".join(command))
        self.status_label.setText(title + "…")
        self.process.start(command, cwd=str(paths.runs_dir()))
        self.refresh_timer.start()
        self._update_buttons()

    def _load_history(self, events_file: Path) -> None:
        """A resumed run's curves start with what it logged before (the run's events.jsonl)."""
        try:
            with open(events_file, "rb") as f:
                f.seek(0, 2)
                f.seek(max(0, f.tell() - HISTORY_MAX_BYTES))
                lines = f.read().decode("utf-8", errors="replace").splitlines()
        except OSError:
            return
        for line in lines:
            try:
                event = parse_line(line)
            except ValueError:
                continue
            if event is not None and event.type in ("step", "epoch"):
                self.run.apply(event)
        self.run.state = "idle"
        self.refresh()

    def stop(self) -> None:
        """First press: ask the trainer to save and exit. Second press: force it."""
        if not self.process.is_running():
            return
        if self.process.escalation:
            self.status_label.setText("Forcing the trainer to stop…")
            self.process.force_stop()
        else:
            self.status_label.setText("Stopping (saving a checkpoint)…")
            self.process.stop()
        self._update_buttons()

    def shutdown(self, wait_ms: int = 10_000) -> None:
        """App quitting: ask the trainer to stop, wait a little, then kill it."""
        if self.process.is_running():
            self.process.stop()
            if not self.process.wait(wait_ms):
                self.process.kill()
                self.process.wait(2000)

    def _refuse(self, message: str) -> bool:
        QMessageBox.warning(self, "Cannot start training", message)
        return False

    # -- process output -------------------------------------------------------------------
    def _on_events(self, events: list) -> None:
        for event in events:
            self.run.apply(event)
            kind = event.type
            if kind == "checkpoint":
                self._append_log(f"checkpoint saved at step {self.run.step}")
            elif kind == "export" and self.run.export_path:
                self._append_log(f"model exported: {self.run.export_path}")
            elif kind == "error" and self.run.error:
                self._append_log(f"error: {self.run.error}")

    def _append_log(self, text: str) -> None:
        self.log_view.appendPlainText(text.rstrip("\n"))

    def _on_finished(self, exit_code: int, how: str) -> None:
        self.refresh_timer.stop()
        self.refresh()
        if how == "exited" and exit_code == 0:
            state = "Stopped" if self.process.escalation == "stop" else "Finished"
        elif how in ("terminated", "killed"):
            state = f"Stopped by force ({how})"
        elif how == "failed-to-start":
            state = "Could not start the trainer"
        else:
            state = f"Failed (exit code {exit_code})" + (f": {self.run.error}" if self.run.error else "")
        self.status_label.setText(state)
        self._append_log(f"[process {how}, exit code {exit_code}]")
        self._update_buttons()
        if how == "exited" and exit_code == 0 and self.run.export_path:
            path = self._install(self.run.export_path)
            if path is not None:
                self.model_trained.emit(path)

    def _install(self, exported: str) -> str | None:
        """The exported file's place among the user's models (``training_job.install_export``)."""
        try:
            return install_export(exported)
        except Exception as exc:  # noqa: BLE001 - show it; the run itself succeeded
            self._append_log(f"could not add the model to your models: {exc}")
            QMessageBox.warning(self, "Model not imported", f"{exported}:\n{exc}")
            return None

    # -- display --------------------------------------------------------------------------
    def refresh(self) -> None:
        """5 Hz: push new points into the curves and update the figures.

        Repainting a plot costs 10–50 ms on a slow CPU, so only a curve that got new points is
        touched, and nothing while the tab is hidden (``showEvent`` catches up).
        """
        run = self.run
        if not run.dirty or not self.isVisible():
            return
        run.dirty = False
        self.plots.show_run(run)
        step = f"step {run.step}" + (f" / {run.total_steps}" if run.total_steps else "")
        if run.epoch is not None:
            step += f" · epoch {run.epoch}" + (f" / {run.total_epochs}" if run.total_epochs else "")
        self.step_label.setText(step)
        self.speed_label.setText(f"{run.images_per_s:.1f} images/s" if run.images_per_s else "– images/s")
        running = self.process.is_running()
        self.eta_label.setText(f"ETA {format_duration(run.eta_s)}" if running else "")  # not "0:00" once stopped
        self.psnr_label.setText(f"best validation PSNR {run.best_psnr:.2f} dB" if run.best_psnr is not None else "")

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.refresh()

    def _update_buttons(self) -> None:
        running = self.process.is_running()
        self.start_button.setEnabled(not running and self.recipe_combo.count() > 0)
        self.resume_button.setEnabled(not running)
        self.open_recipe_button.setEnabled(not running)
        self.stop_button.setEnabled(running and self.process.escalation != "kill")
        self.stop_button.setText("Force stop" if running and self.process.escalation else "Stop")
