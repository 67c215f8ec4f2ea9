"""Training tab: pick a recipe or a data folder, start the trainer as a child process, watch it.

The trainer is never imported here (it would pull torch and its threads into the GUI process):
recipes are found through ``importlib.util.find_spec`` and read with ``training.config`` (plain
TOML, no torch), the run is a ``TrainingProcess`` and everything we learn comes back as
``training.events`` lines. Events only append to ``TrainingRun`` buffers; a 5 Hz timer pushes
them into curves created once, so a fast GPU printing hundreds of events per second costs the
event loop almost nothing.
"""

from __future__ import annotations

import filecmp
import importlib.util
import re
import time
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from denoise_desktop import paths
from denoise_desktop.gui.training_process import TrainingProcess, training_command
from denoise_desktop.gui.viewmodels.training_run import TrainingRun
from denoise_desktop.gui.widgets import fill_device_combo, path_row
from training.config import ConfigError, read_recipe_table
from training.events import parse_line


__all__ = ["TrainingPanel", "recipes_dir", "list_recipes", "OVERRIDE_KEYS"]

REFRESH_MS = 200  # 5 Hz plot refresh
DEFAULT_RECIPE = "default_color"  # what the bundled color model was trained with
HISTORY_MAX_BYTES = 32 << 20  # a resumed run's past events: read at most the last 32 MiB

def _slug(text: str) -> str:
    """A file-name-safe short form of a folder name."""
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:40]


#: Recipe keys (``--set section.key=value``) behind each control; matches training/config.py.
OVERRIDE_KEYS = {
    "arch": "model.arch",
    "sigma": "noise.sigma",  # a number, or [lo, hi] for blind training
    "epochs": "train.epochs",
    "steps_per_epoch": "train.steps_per_epoch",  # 0 = from the data size
    "batch_size": "data.batch_size",
    "patch_size": "data.patch_size",
    "data_kind": "data.kind",
    "data_dir": "data.train",
    "val_dir": "data.val",
}


RECIPE_INIT = "__recipe__"  # "Start from": the weights the recipe itself names (model.init)

#: What the trainer uses when a recipe leaves a key out (mirrors training.config; a test checks).
RECIPE_DEFAULTS = {
    "arch": "dncnn",
    "sigma": 25.0,
    "epochs": 10,
    "steps_per_epoch": 0,
    "batch_size": 16,
    "patch_size": 64,
}


def recipes_dir() -> Path | None:
    """``training/recipes`` located without importing ``training`` (no torch in the GUI)."""
    spec = importlib.util.find_spec("training")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "recipes"
        if candidate.is_dir():
            return candidate
    return None


def list_recipes() -> list[Path]:
    folder = recipes_dir()
    return sorted(folder.glob("*.toml")) if folder is not None else []


def _read_recipe(path: Path) -> dict:
    """The recipe's table with its ``extends`` chain merged in, so the form shows what will run."""
    try:
        return read_recipe_table(path)
    except (OSError, ConfigError):
        return {}


def _lookup(data: dict, dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _frame(plot: Any, xs: Any, ys: Any) -> None:
    """One point: a small window around it (pyqtgraph's auto-range frames a lone point with
    −100…100 axes, which reads as a broken plot); more points: auto-range as usual."""
    if len(xs) == 1:
        x, y = float(xs[0]), float(ys[0])
        pad = abs(y) * 0.1 or 1.0
        plot.setXRange(x - 1.0, x + 1.0, padding=0)
        plot.setYRange(y - pad, y + pad, padding=0)
    elif len(xs) > 1:
        plot.enableAutoRange()


def _fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    s = max(0, int(round(seconds)))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class TrainingPanel(QWidget):
    """The Training tab. ``model_trained(path)`` fires when a run ends with an exported model."""

    model_trained = Signal(str)

    def __init__(self, settings=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.process = TrainingProcess(self)
        self.run = TrainingRun()
        self._shown = (0, 0)  # points already handed to (loss, PSNR) curves
        self._build()
        self._create_curves()
        self.process.events_received.connect(self._on_events)
        self.process.stderr_text.connect(self._append_log)
        self.process.stdout_text.connect(self._append_log)
        self.process.error_occurred.connect(self._append_log)
        self.process.finished.connect(self._on_finished)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh)
        self._on_recipe_changed()
        self._update_buttons()

    # -- construction ---------------------------------------------------------------------
    def set_devices(self, devices: list) -> None:
        """The devices found by the main window's worker (the trainer takes CPU or CUDA)."""
        wanted = self.device_combo.currentData() if self._devices_listed else getattr(self.settings, "device", "auto")
        fill_device_combo(self.device_combo, devices, wanted, kinds=("cpu", "cuda"))
        self._devices_listed = bool(devices)

    def set_models(self, entries: list) -> None:
        """The registry's entries (from the main window's worker): trained networks to start from."""
        self._networks = [e for e in entries if getattr(e, "kind", "") == "network" and getattr(e, "path", None)]
        self._fill_init_choices()

    def _fill_init_choices(self, select: str | None = None) -> None:
        """Random weights, the recipe's own starting weights (when it names some), and the trained
        networks of the chosen architecture; keeps the current choice unless ``select`` is given."""
        current = self.init_combo.currentData() if select is None else select
        arch = self.arch_combo.currentData()
        recipe_init = getattr(self, "_recipe_init", "")
        self.init_combo.blockSignals(True)
        try:
            self.init_combo.clear()
            self.init_combo.addItem("Random weights (train from scratch)", None)
            if recipe_init and arch == getattr(self, "_recipe_arch", None):
                self.init_combo.addItem(f"The recipe's weights: {Path(recipe_init).name} (fine-tune)", RECIPE_INIT)
            for e in self._networks:
                if e.arch == arch:
                    self.init_combo.addItem(f"{e.name} (fine-tune)", e.id)
            i = self.init_combo.findData(current) if current is not None else -1
            self.init_combo.setCurrentIndex(max(i, 0))
        finally:
            self.init_combo.blockSignals(False)

    def _init_overrides(self) -> dict[str, Any]:
        """model.init and the trained model's own shape (hparams, channels) for fine-tuning."""
        chosen = self.init_combo.currentData()
        if chosen == RECIPE_INIT:
            return {}
        entry = next((e for e in self._networks if e.id == chosen), None)
        if entry is None:
            # Random weights chosen: a recipe that fine-tunes by default must be told so.
            return {"model.init": ""} if getattr(self, "_recipe_init", "") and chosen is None else {}
        out: dict[str, Any] = {"model.init": str(entry.path)}
        hparams = entry.card.get("hparams") if isinstance(entry.card, dict) else None
        if isinstance(hparams, dict):
            out["model.hparams"] = dict(hparams)
        if entry.channels and entry.channels[0] in (1, 3):
            out["data.channels"] = int(entry.channels[0])
            out["model.variant"] = "gray" if entry.channels[0] == 1 else "color"
        return out

    def _build(self) -> None:
        outer = QHBoxLayout(self)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)

        source = QGroupBox("Training data")
        src_form = QFormLayout(source)
        self.recipe_radio = QRadioButton("Recipe")
        self.folder_radio = QRadioButton("Data folder")
        self.recipe_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.recipe_radio)
        group.addButton(self.folder_radio)
        self.recipe_combo = QComboBox()
        for path in list_recipes():
            self.recipe_combo.addItem(path.stem, str(path))
        default = self.recipe_combo.findText(DEFAULT_RECIPE)
        if default >= 0:
            self.recipe_combo.setCurrentIndex(default)
        self.recipe_combo.currentIndexChanged.connect(self._on_recipe_changed)
        recipe_row = QHBoxLayout()
        recipe_row.addWidget(self.recipe_combo, 1)
        self.open_recipe_button = QPushButton("Open…")
        self.open_recipe_button.setToolTip("Use a recipe file of your own (.toml)")
        self.open_recipe_button.clicked.connect(self._choose_recipe)
        recipe_row.addWidget(self.open_recipe_button)
        src_form.addRow(self.recipe_radio, recipe_row)
        folder_row, self.data_dir_edit, self.data_dir_button = path_row("folder of clean images", self._choose_data_dir)
        src_form.addRow(self.folder_radio, folder_row)
        left_layout.addWidget(source)

        params = QGroupBox("Settings (start from the recipe's values)")
        form = QFormLayout(params)
        self.arch_combo = QComboBox()
        from denoise_desktop.arch_names import ARCH_NAMES  # not models: that imports torch

        for arch_id, name in ARCH_NAMES.items():
            self.arch_combo.addItem(name, arch_id)
        form.addRow("Architecture", self.arch_combo)
        self.init_combo = QComboBox()
        self.init_combo.setToolTip("Fine-tune: start from a trained model of this architecture "
                                   "(e.g. the bundled one) instead of random weights")
        self._networks: list = []
        self._fill_init_choices()
        self.arch_combo.currentIndexChanged.connect(lambda _i: self._fill_init_choices())
        form.addRow("Start from", self.init_combo)
        sigma_row = QHBoxLayout()
        self.sigma_min_spin = QDoubleSpinBox()
        self.sigma_max_spin = QDoubleSpinBox()
        for spin in (self.sigma_min_spin, self.sigma_max_spin):
            spin.setRange(0.0, 255.0)
            spin.setDecimals(1)
        self.sigma_max_spin.setValue(50.0)
        sigma_row.addWidget(self.sigma_min_spin)
        sigma_row.addWidget(QLabel("to"))
        sigma_row.addWidget(self.sigma_max_spin)
        form.addRow("Noise σ (0–255)", sigma_row)
        self.epochs_spin = _spin(1, 100_000, 10)
        form.addRow("Epochs", self.epochs_spin)
        self.steps_spin = _spin(0, 10_000_000, 0)
        self.steps_spin.setSpecialValueText("from the data size")
        form.addRow("Steps per epoch", self.steps_spin)
        self.batch_spin = _spin(1, 4096, 16)
        form.addRow("Batch size", self.batch_spin)
        self.patch_spin = _spin(0, 1024, 64)
        self.patch_spin.setSingleStep(8)
        self.patch_spin.setSpecialValueText("whole images")
        form.addRow("Patch size", self.patch_spin)
        self.device_combo = QComboBox()
        self._devices_listed = False
        self.set_devices([])  # the rest arrive from the main window's worker
        form.addRow("Device", self.device_combo)
        left_layout.addWidget(params)

        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start")
        self.stop_button = QPushButton("Stop")
        self.resume_button = QPushButton("Resume…")
        for b in (self.start_button, self.stop_button, self.resume_button):
            buttons.addWidget(b)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.resume_button.clicked.connect(self._choose_resume)
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

        right = QSplitter(Qt.Orientation.Vertical)
        self.loss_plot = pg.PlotWidget(title="Training loss")
        self.loss_plot.setLabel("bottom", "step")
        self.psnr_plot = pg.PlotWidget(title="Validation PSNR (dB)")
        self.psnr_plot.setLabel("bottom", "step")
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(5000)
        self.log_view.setFont(QFont("monospace"))
        right.addWidget(self.loss_plot)
        right.addWidget(self.psnr_plot)
        right.addWidget(self.log_view)
        outer.addWidget(right, 1)

    def _create_curves(self) -> None:
        # Created once; refresh() only calls setData (pyqtgraph's fast path). Peak downsampling
        # keeps 100k-step runs cheap. No grid and no clip-to-view: the grid costs 10–25 ms a
        # repaint on a slow CPU, and the view auto-ranges to all the data, so clipping saves nothing.
        for plot in (self.loss_plot, self.psnr_plot):
            plot.setDownsampling(auto=True, mode="peak")
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen((60, 120, 220), width=1))
        self.psnr_curve = self.psnr_plot.plot(pen=pg.mkPen((220, 120, 40), width=2), symbol="o", symbolSize=5)

    # -- form -----------------------------------------------------------------------------
    def recipe_path(self) -> Path | None:
        data = self.recipe_combo.currentData()
        return Path(data) if data else None

    def _on_recipe_changed(self, *_: Any) -> None:
        path = self.recipe_path()
        recipe = _read_recipe(path) if path is not None else {}

        def value(name: str) -> Any:
            found = _lookup(recipe, OVERRIDE_KEYS[name])
            return RECIPE_DEFAULTS[name] if found is None else found

        self._recipe_arch = value("arch")
        init = _lookup(recipe, "model.init")
        self._recipe_init = init if isinstance(init, str) else ""
        i = self.arch_combo.findData(self._recipe_arch)
        if i >= 0:
            self.arch_combo.setCurrentIndex(i)
        # what the recipe starts from, shown as it will run (a user's pick is then an override)
        self._fill_init_choices(select=RECIPE_INIT if self._recipe_init else "")
        sigma = value("sigma")
        if isinstance(sigma, list) and len(sigma) == 2:
            self.sigma_min_spin.setValue(float(sigma[0]))
            self.sigma_max_spin.setValue(float(sigma[1]))
        elif isinstance(sigma, (int, float)) and not isinstance(sigma, bool):
            self.sigma_min_spin.setValue(float(sigma))
            self.sigma_max_spin.setValue(float(sigma))
        for name, spin in (
            ("epochs", self.epochs_spin),
            ("steps_per_epoch", self.steps_spin),
            ("batch_size", self.batch_spin),
            ("patch_size", self.patch_spin),
        ):
            v = value(name)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                spin.setValue(v)
        self._recipe_values = self.overrides(all_fields=True)

    def overrides(self, *, all_fields: bool = False) -> dict[str, Any]:
        """``--set`` values: the fields that differ from the recipe (or all of them)."""
        lo, hi = sorted((self.sigma_min_spin.value(), self.sigma_max_spin.value()))
        values: dict[str, Any] = {
            OVERRIDE_KEYS["sigma"]: lo if lo == hi else [lo, hi],
            OVERRIDE_KEYS["epochs"]: self.epochs_spin.value(),
            OVERRIDE_KEYS["steps_per_epoch"]: self.steps_spin.value(),
            OVERRIDE_KEYS["batch_size"]: self.batch_spin.value(),
            OVERRIDE_KEYS["patch_size"]: self.patch_spin.value(),
        }
        if self.arch_combo.currentData() is not None:
            values[OVERRIDE_KEYS["arch"]] = self.arch_combo.currentData()
        if all_fields:
            return values
        base = getattr(self, "_recipe_values", {})
        changed = {k: v for k, v in values.items() if base.get(k) != v}
        if OVERRIDE_KEYS["arch"] in changed and self.arch_combo.currentData() != self._recipe_arch:
            # The recipe's hparams belong to its own architecture; start from the new one's defaults.
            changed["model.hparams"] = {}
        if self.folder_radio.isChecked() and self.data_dir_edit.text().strip():
            folder = self.data_dir_edit.text().strip()
            changed[OVERRIDE_KEYS["data_kind"]] = "folder"
            changed[OVERRIDE_KEYS["data_dir"]] = folder
            changed[OVERRIDE_KEYS["val_dir"]] = ""  # validate on a split of the same folder
            # Its own name, run folder and card: never the recipe's (that names the bundled model
            # and its data set), so it cannot be mistaken for, or shadow, a bundled model.
            recipe = self.recipe_path()
            stem = _slug(Path(folder).name) or "photos"
            arch = self.arch_combo.currentData() or self._recipe_arch or "model"
            changed["name"] = stem
            changed["export.name"] = f"{arch}_{stem}_{time.strftime('%Y%m%d-%H%M')}"
            changed["export.description"] = (f"Trained here on the folder '{Path(folder).name}'"
                                             + (f" with the {recipe.stem} recipe" if recipe else ""))
        changed.update(self._init_overrides())
        return changed

    def add_recipe(self, path: str | Path) -> None:
        """Add a recipe file to the list (if new) and select it."""
        path = Path(path)
        i = self.recipe_combo.findData(str(path))
        if i < 0:
            self.recipe_combo.addItem(path.stem, str(path))
            i = self.recipe_combo.count() - 1
        self.recipe_combo.setCurrentIndex(i)
        self.recipe_radio.setChecked(True)
        self._update_buttons()

    def _choose_recipe(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a training recipe", "", "Recipes (*.toml)")
        if path:
            self.add_recipe(path)

    def _choose_data_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of clean training images")
        if folder:
            self.data_dir_edit.setText(folder)
            self.folder_radio.setChecked(True)

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
        device, device_override = _device_args(self.device_combo.currentData())
        if device_override:
            overrides["train.device"] = device_override
        overrides.update(extra_overrides or {})
        command = training_command(recipe, overrides=overrides, run_dir=run_dir, device=device)
        self._launch(command, f"Training {recipe.stem}")
        return True

    def resume(self, run_dir: str) -> bool:
        if self.process.is_running():
            return False
        device, device_override = _device_args(self.device_combo.currentData())
        overrides = {"train.device": device_override} if device_override else {}
        command = training_command(None, overrides=overrides, resume=run_dir, device=device)
        self._launch(command, f"Resuming {Path(run_dir).name}", history=Path(run_dir) / "events.jsonl")
        return True

    def start_command(self, command: list[str], title: str = "Training") -> None:
        """Start an arbitrary event-printing command (tests, alternative launchers)."""
        self._launch(command, title)

    def _launch(self, command: list[str], title: str, history: Path | None = None) -> None:
        self.run.reset()
        self.loss_curve.setData([], [])
        self.psnr_curve.setData([], [])
        self._shown = (0, 0)
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
        """The exported file's place among the user's models.

        The export stays in its run folder; ``weights.import_model`` validates it and stores a
        copy under a unique name, so training the same recipe twice never overwrites a model
        (the trainer's own ``export.to_user_models`` copy, if a recipe asks for it, is reused).
        """
        source = Path(exported)
        models_dir = paths.user_models_dir().resolve()
        try:
            if source.resolve().parent == models_dir:
                return str(source)
            copy = models_dir / source.name  # export.to_user_models copies it there
            # the same bytes, not only the same size: a resumed run re-exports the same shapes
            if copy.is_file() and source.is_file() and filecmp.cmp(copy, source, shallow=False):
                return str(copy)
            from denoise_desktop import weights

            digest = weights.file_sha256(source)
            for card_file in sorted(models_dir.glob("*.json")):  # imported before, these very bytes
                try:
                    if weights.read_card(card_file.with_suffix(".safetensors")).get("imported_sha256") == digest:
                        return str(card_file.with_suffix(".safetensors"))
                except Exception:  # noqa: BLE001 - an unreadable card is simply not a match
                    continue
            return str(weights.import_model(source))
        except Exception as exc:  # noqa: BLE001 - show it; the run itself succeeded
            self._append_log(f"could not add the model to your models: {exc}")
            QMessageBox.warning(self, "Model not imported", f"{source}:\n{exc}")
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
        if len(run.train_loss) != self._shown[0]:
            self.loss_curve.setData(run.train_loss.x, run.train_loss.y)
            _frame(self.loss_plot, run.train_loss.x, run.train_loss.y)
        if len(run.val_psnr) != self._shown[1]:
            self.psnr_curve.setData(run.val_psnr.x, run.val_psnr.y)
            _frame(self.psnr_plot, run.val_psnr.x, run.val_psnr.y)
        self._shown = (len(run.train_loss), len(run.val_psnr))
        step = f"step {run.step}" + (f" / {run.total_steps}" if run.total_steps else "")
        if run.epoch is not None:
            step += f" · epoch {run.epoch}" + (f" / {run.total_epochs}" if run.total_epochs else "")
        self.step_label.setText(step)
        self.speed_label.setText(f"{run.images_per_s:.1f} images/s" if run.images_per_s else "– images/s")
        running = self.process.is_running()
        self.eta_label.setText(f"ETA {_fmt_duration(run.eta_s)}" if running else "")  # not "0:00" once stopped
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


def _device_args(device: str | None) -> tuple[str | None, str | None]:
    """(``--device`` value, ``train.device`` override): the CLI flag takes auto/cpu/cuda only."""
    if device in (None, "auto"):
        return None, None  # keep the recipe's choice
    if device.startswith("cuda:"):
        return None, device
    return device, None


def _spin(lo: int, hi: int, value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(lo, hi)
    spin.setValue(value)
    return spin
