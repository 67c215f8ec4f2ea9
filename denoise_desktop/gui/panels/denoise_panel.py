"""The Denoise tab's side panel: Model, Settings and Output boxes, Denoise / Cancel and progress.

It composes the boxes and wires them to the run: everything slow (listing models, estimating σ,
denoising, re-mixing, saving, importing a model) is submitted to the ``TaskRunner``; the boxes
write their choices into the one ``AppSettings`` the window shares with every tab.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from denoise_desktop import thirdparty
from denoise_desktop.blend import Strength
from denoise_desktop.settings import AppSettings

from .. import jobs
from ..document import ImageDocument
from ..viewmodels.denoise_status import note_little_noise, status_line
from ..workers import ErrorInfo, TaskRunner
from .denoise_settings import DenoiseSettings
from .model_picker import ModelPicker
from .output_box import OutputBox

__all__ = ["DenoisePanel"]


class DenoisePanel(QWidget):
    status_message = Signal(str)
    error_occurred = Signal(str, object)  # title, ErrorInfo | str
    busy_changed = Signal(bool)
    saved = Signal(Path)
    models_changed = Signal(list)  # registry entries, after every refresh
    device_changed = Signal(str)
    model_imported = Signal(Path)

    def __init__(
        self, runner: TaskRunner, settings: AppSettings, document: ImageDocument, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.document = document
        self._full: jobs.DenoiseOutput | None = None  # last result at full strength (for re-blending)
        self._full_source: Any = None  # the original it belongs to
        self._result_key: tuple | None = None  # the settings the shown result was made with
        self._blend_task = None
        self._task = None
        self._build()
        document.original_changed.connect(self._on_original)
        document.result_changed.connect(self._update_buttons)
        document.sigma_estimated.connect(self.settings_box.show_estimate)
        self._update_buttons()

    def _build(self) -> None:
        self.model_picker = ModelPicker(self.settings, self._channels, self)
        self.settings_box = DenoiseSettings(self.settings, self.document, self.current_entry, self)
        self.output_box = OutputBox(self.runner, self.settings, self.document, self)
        # the controls by name, as the window, tests and screenshot scripts reach them
        self.model_combo, self.import_button = self.model_picker.combo, self.model_picker.import_button
        box, out = self.settings_box, self.output_box
        self.sigma_auto, self.sigma_spin, self.sigma_estimate = box.sigma_auto, box.sigma_spin, box.sigma_estimate
        self.strength_controls = sc = box.strength_controls
        self.luma_spin, self.chroma_spin, self.grain_spin = sc.luma_spin, sc.chroma_spin, sc.grain_spin
        self.noise_combo, self.quality_combo = box.noise_combo, box.quality_combo
        self.device_combo, self.precision_combo, self.tile_combo = box.device_combo, box.precision_combo, box.tile_combo
        self.format_combo, self.quality_spin, self.save_button = out.format_combo, out.quality_spin, out.save_button

        self.denoise_button = QPushButton("Denoise", self)
        self.denoise_button.setToolTip("Denoise the image (Ctrl+D)")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop denoising (Esc)")
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress_label = QLabel("", self)
        self.progress_label.setWordWrap(True)
        run_row = QHBoxLayout()
        run_row.addWidget(self.denoise_button, 1)
        run_row.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.model_picker)
        lay.addWidget(self.settings_box)
        lay.addLayout(run_row)
        lay.addWidget(self.progress)
        lay.addWidget(self.progress_label)
        lay.addWidget(self.output_box)
        lay.addStretch(1)

        self.model_picker.changed.connect(self._on_model_changed)
        self.model_picker.models_changed.connect(self.models_changed)
        self.model_picker.status_message.connect(self.status_message)
        box.stored.connect(self.model_picker.store)
        box.result_setting_changed.connect(self.settings_changed)
        box.strength_changed.connect(self._reblend)
        box.device_changed.connect(self.device_changed)
        out.status_message.connect(self.status_message)
        out.error_occurred.connect(self.error_occurred)
        out.saved.connect(self.saved)
        self.denoise_button.clicked.connect(self.denoise)
        self.cancel_button.clicked.connect(self.cancel)
        self.import_button.clicked.connect(self.import_model_dialog)

    # -- models --------------------------------------------------------------------------------
    def refresh_models(self, select: str | None = None) -> None:
        """Re-read the registry in a worker; then select ``select`` (or the saved choice)."""
        task = self.runner.submit(jobs.list_models, lane="catalog")
        task.signals.finished.connect(lambda entries: self.set_models(entries, select))
        task.signals.failed.connect(lambda info: self.error_occurred.emit("Could not list the models", info))

    def set_models(self, entries: list, select: str | None = None) -> None:
        self.model_picker.set_models(entries, select)

    def model_ids(self) -> list[str]:
        return self.model_picker.ids()

    def current_model_id(self) -> str | None:
        return self.model_picker.current_id()

    def set_model(self, model_id: str) -> bool:
        return self.model_picker.select(model_id)

    def current_entry(self) -> Any:
        return self.model_picker.current_entry()

    def _on_model_changed(self) -> None:
        self.settings_box.update_sigma_controls()
        self.settings_box.store()
        self.settings_changed()

    def _channels(self) -> int:
        return int(self.document.original.channels) if self.document.has_image() else 3

    # -- σ, strength, device (the Settings box) --------------------------------------------------
    def refresh_estimate(self) -> None:
        """Say the estimate again (an app-wide setting that changes its wording changed)."""
        if self.document.has_image():
            self.settings_box.show_estimate(self.document.estimated_sigma)

    def strength(self) -> Strength:
        return self.settings_box.strength()

    def sigma_value(self) -> float | None:
        return self.settings_box.sigma_value()

    def device(self) -> str:
        return self.settings_box.device()

    def set_devices(self, devices: list) -> None:
        self.settings_box.set_devices(devices)

    # -- document --------------------------------------------------------------------------------
    def _on_original(self) -> None:
        self._full = self._full_source = None
        self.progress.setValue(0)
        self.progress_label.setText("")
        self.settings_box.show_estimate(None)
        self.strength_controls.set_color(self._channels() != 1)
        if self.document.has_image():
            # Gray and color images remember different models; with none remembered yet, the
            # default for this channel count (a gray photo must not stay on the color default).
            wanted = self.model_picker.saved_model() or self.model_picker.default_model()
            if wanted and wanted != self.current_model_id():
                self.set_model(wanted)
            task = self.runner.submit(jobs.estimate_noise, self.document.original, lane="analysis")
            image = self.document.original
            task.signals.finished.connect(
                lambda r, img=image: self.document.set_estimated_sigma(*r) if self.document.original is img else None
            )
        self._update_buttons()

    # -- denoise ---------------------------------------------------------------------------------
    def is_busy(self) -> bool:
        return self._task is not None and not self._task.done

    def denoise(self) -> None:
        if not self.document.has_image():
            self.status_message.emit("Open an image first.")
            return
        model_id = self.current_model_id()
        if not model_id:
            self.status_message.emit("Choose a model first.")
            return
        image = self.document.original
        sigma = self.sigma_value()
        if sigma is None and self.document.estimated_sigma is not None:
            sigma = self.document.estimated_sigma  # already estimated for this image: reuse it
        task = self.runner.submit(
            jobs.denoise,
            image,
            model_id,
            device=self.device(),
            sigma=sigma,
            strength=1.0,  # mixed here afterwards, so luminance/colour/grain are live
            tile=self.tile_combo.currentData(),
            ensemble=self.quality_combo.currentData(),
            noise=str(self.noise_combo.currentData() or "auto"),
            raw_mosaic=bool(self.settings.raw_on_mosaic) and self.sigma_auto.isChecked(),
            precision=str(self.precision_combo.currentData() or "auto"),
            lane="preview",
        )
        self._task = task
        task.signals.progress.connect(lambda f, m, t=task: self._on_progress(t, f, m))
        task.signals.finished.connect(lambda out, img=image, key=self.result_key(): self._on_denoised(out, img, key))
        task.signals.cancelled.connect(lambda t=task: self._on_cancelled(t))
        task.signals.failed.connect(lambda info, t=task: self._on_failed(t, info))
        self.progress.setValue(0)
        self.progress_label.setText(f"Denoising with {self.model_combo.currentText()}…")
        self._update_buttons()
        self.busy_changed.emit(True)

    def result_key(self) -> tuple:
        """What a result depends on; when any of it changes, the result shown is stale."""
        return (self.current_model_id(), self.sigma_value(), self.quality_combo.currentData(),
                self.noise_combo.currentData(), self.precision_combo.currentData(), bool(self.settings.raw_on_mosaic))

    def settings_changed(self, *_: object) -> None:
        """A setting the result depends on changed: drop the result rather than show (and let
        Save As write) one made with other settings."""
        if not self.document.has_result() or self._result_key == self.result_key():
            return
        self._full = self._full_source = None
        self.document.clear_result()
        self._say("Settings changed: press Denoise (Ctrl+D) for a new result.")

    def _say(self, message: str) -> None:
        self.progress_label.setText(message)
        self.progress_label.setToolTip(message)
        self.status_message.emit(message)
        self._update_buttons()

    def cancel(self) -> None:
        if self.is_busy():
            self._task.cancel()

    def _on_progress(self, task, fraction: float, message: str) -> None:
        if task is not self._task or task.done:
            return  # a late update must not overwrite "Cancelled." or a newer task's progress
        self.progress.setValue(int(fraction * 1000))
        if message:
            self.progress_label.setText(message)

    def _on_denoised(self, out: jobs.DenoiseOutput, image: Any, key: tuple | None = None) -> None:
        if self.document.original is not image:
            return  # another image was opened meanwhile
        if key is not None and key != self.result_key():
            self.progress.setValue(0)
            if self._task is not None:
                self._on_ended(self._task, "Settings changed while denoising: press Denoise (Ctrl+D) again.")
            return
        self._result_key = key
        auto = self.sigma_auto.isChecked()
        if auto and self.document.noise_kind and "noise_kind" not in out.info:
            out.info["noise_kind"] = self.document.noise_kind  # the estimate it reused found this kind
        self._full, self._full_source = out, image
        if self.strength().full:
            self.document.set_result(out.image, out.qimage, dict(out.info, **self.strength().info()))
        else:
            self._reblend()
        note_little_noise(out.info, auto)
        if out.info.get("sigma_estimated") is not None:
            self.document.set_estimated_sigma(float(out.info["sigma_estimated"]), out.info.get("noise_kind"))
        self.progress.setValue(1000)
        self._on_ended(self._task, status_line(out.info, auto))

    def _reblend(self, *_: object) -> None:
        """Luminance, colour or grain changed after denoising: mix again in a worker (no model run)."""
        if self._full is None or self._full_source is not self.document.original:
            return
        if self._blend_task is not None and not self._blend_task.done:
            self._blend_task.cancel()
        original, full = self._full_source, self._full
        task = self.runner.submit(jobs.blend, original, full.image, self.strength(), full.info, lane="blend")
        self._blend_task = task
        task.signals.finished.connect(
            lambda out, img=original: self.document.set_result(out.image, out.qimage, out.info)
            if self.document.original is img
            else None
        )
        task.signals.failed.connect(lambda info: self.error_occurred.emit("Could not apply the strength", info))

    def _on_cancelled(self, task) -> None:
        if task is self._task:  # an empty bar: a bar left ~97 % full would read as nearly done
            self.progress.setValue(0)
        self._on_ended(task, "Cancelled.")

    def _on_failed(self, task, info: ErrorInfo) -> None:
        self._on_ended(task, f"Failed: {info}")
        self.error_occurred.emit("Denoising failed", info)

    def _on_ended(self, task, message: str) -> None:
        if task is not self._task:
            return
        self.progress_label.setText(message)
        self.progress_label.setToolTip(message)  # whole, where a narrow panel cuts the label
        self.status_message.emit(message)
        self._update_buttons()
        self.busy_changed.emit(False)

    # -- save (the Output box) -------------------------------------------------------------------
    def output_suffix(self) -> str:
        return self.output_box.output_suffix()

    def save_as(self) -> None:
        self.output_box.save_as()

    def save_to(self, path: str | Path):
        return self.output_box.save_to(path)

    # -- import ----------------------------------------------------------------------------------
    def import_model_dialog(self) -> None:
        from ..dialogs.import_model import ask_model_file

        path = ask_model_file(self, self.settings.last_open_dir)
        if path:
            self.import_model_file(path)

    def import_model_file(self, path: str | Path):
        """Validate and copy a weights file into the user model folder (in a worker)."""
        path = Path(path)
        if path.suffix.lower() not in jobs.MODEL_SUFFIXES:
            self.error_occurred.emit(
                "Cannot import model",
                f"{path.name} is not a model file. Denoise Desktop imports .safetensors, .pth, .pt "
                "and .ckpt weights.",
            )
            return None
        task = self.runner.submit(jobs.import_model, path, lane="catalog")
        task.signals.finished.connect(self._on_imported)
        task.signals.failed.connect(
            lambda info: self.error_occurred.emit(f"Cannot use {path.name} as a model", _import_message(path, info))
        )
        self.status_message.emit(f"Importing {path.name}…")
        return task

    def _on_imported(self, imported: jobs.ImportedModel) -> None:
        self.status_message.emit(f"Imported model {imported.path.name}")
        self.model_imported.emit(imported.path)
        self.refresh_models(select=imported.model_id)

    def _update_buttons(self) -> None:
        self.denoise_button.setEnabled(self.document.has_image())
        self.cancel_button.setEnabled(self.is_busy())
        self.save_button.setEnabled(self.document.has_result())


def _import_message(path: Path, info: ErrorInfo) -> ErrorInfo:
    """Lead with what the user needs to know; keep the technical detail for 'Details'."""
    return ErrorInfo(
        info.type_name,
        f"{path.name} could not be imported: {info.message}\n\n"
        "Denoise Desktop can use weights saved by its own training (.safetensors), PyTorch state "
        "dicts of its architectures (.pth), and — with the optional 'spandrel' package — many "
        f"published denoisers (install: {thirdparty.INSTALL_COMMAND}).",
        info.traceback,
        info.user_error,
    )
