"""Denoise controls: model, σ (auto or manual), luminance/colour strength and grain, device, tile;
run, cancel, save.

Everything slow (listing models, estimating σ, denoising, saving, importing a model) is
submitted to the ``TaskRunner``; this widget only gathers choices, shows progress and results,
and writes the choices back into ``AppSettings``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from denoise_desktop import thirdparty
from denoise_desktop.blend import Strength
from denoise_desktop.engine import LOW_LEVEL, level_text, low_level_note
from denoise_desktop.settings import AppSettings

from .. import jobs
from ..document import ImageDocument
from ..workers import ErrorInfo, TaskRunner
from .choices import LEVEL_HELP, NOISE_CHOICES, NOISE_HELP, QUALITY_CHOICES, SIGMA_MAX, model_card_text
from .strength_controls import StrengthControls

__all__ = ["DenoisePanel", "SIGMA_MAX", "TILE_CHOICES", "QUALITY_CHOICES", "SAVE_FORMATS"]

TILE_CHOICES = (None, 128, 256, 512, 1024, 2048)
PRECISION_CHOICES = {"auto": "Auto (fastest at full quality)", "fp32": "fp32", "bf16": "bf16",
                     "fp16": "fp16 (GPU only)"}
#: settings value → (label, file suffix, imageio format name)
SAVE_FORMATS = {
    "keep": ("Same as input", None, None),
    "png": ("PNG", ".png", "PNG"),
    "tif": ("TIFF", ".tif", "TIFF"),
    "jpg": ("JPEG", ".jpg", "JPEG"),
}
_FILTERS = "PNG (*.png);;TIFF (*.tif *.tiff);;JPEG (*.jpg *.jpeg);;WebP (*.webp);;BMP (*.bmp)"


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
        self._entries: dict[str, Any] = {}
        self._broken_seen: set[tuple[str, str]] = set()  # broken model files already reported
        self._devices_loaded = False
        self._full: jobs.DenoiseOutput | None = None  # last result at full strength (for re-blending)
        self._full_source: Any = None  # the original it belongs to
        self._result_key: tuple | None = None  # the settings the shown result was made with
        self._blend_task = None
        self._task = None
        self._save_task = None
        self._build()
        self._apply_settings()
        document.original_changed.connect(self._on_original)
        document.result_changed.connect(self._update_buttons)
        document.sigma_estimated.connect(self._show_estimate)
        self._update_buttons()

    # -- layout ------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.model_combo = QComboBox(self)
        self.model_combo.setMinimumContentsLength(16)
        self.model_info = QLabel(self)
        self.model_info.setWordWrap(True)
        self.model_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.import_button = QPushButton("Import model…", self)

        self.sigma_auto = QCheckBox("Auto", self)
        self.sigma_auto.setToolTip(LEVEL_HELP)
        self.sigma_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.sigma_slider.setRange(0, SIGMA_MAX)
        self.sigma_spin = QSpinBox(self)
        self.sigma_spin.setRange(0, SIGMA_MAX)
        self.sigma_estimate = QLabel("", self)
        self.sigma_estimate.setWordWrap(True)  # "(noise std. dev., 0–255)" must not widen the panel
        # luminance / colour / grain and presets; moving them re-mixes without running the model
        self.strength_controls = StrengthControls(self.settings, self)
        self.luma_spin = self.strength_controls.luma_spin
        self.chroma_spin = self.strength_controls.chroma_spin
        self.grain_spin = self.strength_controls.grain_spin
        self.preset_combo = self.strength_controls.preset_combo
        self.device_combo = QComboBox(self)
        self.device_combo.addItem("Auto (best available)", "auto")
        self.precision_combo = QComboBox(self)
        for key, label in PRECISION_CHOICES.items():
            self.precision_combo.addItem(label, key)
        self.precision_combo.setToolTip("Arithmetic of the networks. Auto: bf16 on CPUs that compute it natively "
                                        "(AVX-512 BF16 / AMX; about 0.005 dB from fp32), fp16 on NVIDIA GPUs, "
                                        "else fp32 (also used by Compare and Batch)")
        self.tile_combo = QComboBox(self)
        for t in TILE_CHOICES:
            self.tile_combo.addItem("Auto (from free memory)" if t is None else f"{t} px", t)
        self.noise_combo = QComboBox(self)
        for key, label in NOISE_CHOICES.items():
            self.noise_combo.addItem(label, key)
        self.noise_combo.setToolTip(NOISE_HELP)
        # the longest choice must not widen the side panel: shown elided
        self.noise_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.noise_combo.setMinimumContentsLength(16)
        self.quality_combo = QComboBox(self)
        for n, label in QUALITY_CHOICES.items():
            self.quality_combo.addItem(label, n)
        self.quality_combo.setToolTip("Networks also run on flipped and rotated copies of the image and "
                                      "average the results: slightly cleaner, proportionally slower "
                                      "(also used by Compare and Batch)")

        self.denoise_button = QPushButton("Denoise", self)
        self.denoise_button.setToolTip("Denoise the image (Ctrl+D)")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop denoising (Esc)")
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress_label = QLabel("", self)
        self.progress_label.setWordWrap(True)

        self.format_combo = QComboBox(self)
        for key, (label, _suffix, _fmt) in SAVE_FORMATS.items():
            self.format_combo.addItem(label, key)
        self.quality_spin = QSpinBox(self)
        self.quality_spin.setRange(1, 100)
        self.quality_spin.setToolTip("JPEG quality")
        self.keep_metadata = QCheckBox("Keep metadata (EXIF, ICC)", self)
        self.save_button = QPushButton("Save as…", self)
        self.save_button.setToolTip("Save the denoised image (Ctrl+Shift+S)")

        model_box = QGroupBox("Model", self)
        f = QVBoxLayout(model_box)
        f.addWidget(self.model_combo)
        f.addWidget(self.model_info)
        f.addWidget(self.import_button)

        params = QGroupBox("Settings", self)
        form = QFormLayout(params)
        sigma_row = QHBoxLayout()
        sigma_row.addWidget(self.sigma_auto)
        sigma_row.addWidget(self.sigma_slider, 1)
        sigma_row.addWidget(self.sigma_spin)
        form.addRow("Noise", self.noise_combo)
        form.addRow("Noise σ", sigma_row)
        form.addRow("", self.sigma_estimate)
        form.addRow(self.strength_controls)
        form.addRow("Quality", self.quality_combo)
        form.addRow("Device", self.device_combo)
        form.addRow("Precision", self.precision_combo)
        form.addRow("Tile size", self.tile_combo)

        run_row = QHBoxLayout()
        run_row.addWidget(self.denoise_button, 1)
        run_row.addWidget(self.cancel_button)

        save_box = QGroupBox("Output", self)
        sf = QFormLayout(save_box)
        sf.addRow("Format", self.format_combo)
        sf.addRow("JPEG quality", self.quality_spin)
        sf.addRow(self.keep_metadata)
        sf.addRow(self.save_button)

        lay = QVBoxLayout(self)
        lay.addWidget(model_box)
        lay.addWidget(params)
        lay.addLayout(run_row)
        lay.addWidget(self.progress)
        lay.addWidget(self.progress_label)
        lay.addWidget(save_box)
        lay.addStretch(1)

        self.model_combo.currentIndexChanged.connect(self._on_model_changed)
        self.sigma_slider.valueChanged.connect(self.sigma_spin.setValue)
        self.sigma_spin.valueChanged.connect(self.sigma_slider.setValue)
        self.sigma_spin.valueChanged.connect(self._store)
        self.sigma_auto.toggled.connect(self._on_sigma_mode)
        self.strength_controls.changed.connect(self._store)
        self.strength_controls.changed.connect(self._reblend)
        self.device_combo.currentIndexChanged.connect(self._on_device)
        self.tile_combo.currentIndexChanged.connect(self._store)
        self.precision_combo.currentIndexChanged.connect(self._store)
        self.quality_combo.currentIndexChanged.connect(self._store)
        self.noise_combo.currentIndexChanged.connect(self._store)
        for changed in (self.model_combo.currentIndexChanged, self.sigma_spin.valueChanged, self.sigma_auto.toggled,
                        self.precision_combo.currentIndexChanged, self.quality_combo.currentIndexChanged,
                        self.noise_combo.currentIndexChanged):
            changed.connect(self.settings_changed)
        self.format_combo.currentIndexChanged.connect(self._on_format)
        self.quality_spin.valueChanged.connect(self._store)
        self.keep_metadata.toggled.connect(self._store)
        self.denoise_button.clicked.connect(self.denoise)
        self.cancel_button.clicked.connect(self.cancel)
        self.save_button.clicked.connect(self.save_as)
        self.import_button.clicked.connect(self.import_model_dialog)

    def _apply_settings(self) -> None:
        s = self.settings
        self._loading = True
        self.sigma_spin.setValue(int(round(min(SIGMA_MAX, s.sigma))))
        self.sigma_auto.setChecked(s.sigma_mode == "auto")
        self.strength_controls.set_value(s.blend(), emit=False)
        i = self.tile_combo.findData(s.tile)
        self.tile_combo.setCurrentIndex(max(0, i))
        i = self.quality_combo.findData(s.ensemble)
        self.quality_combo.setCurrentIndex(max(0, i))
        self.noise_combo.setCurrentIndex(max(0, self.noise_combo.findData(s.noise)))
        i = self.precision_combo.findData(s.precision)
        self.precision_combo.setCurrentIndex(max(0, i))
        jobs.set_precision(str(self.precision_combo.currentData()))
        i = self.format_combo.findData(s.output_format)
        self.format_combo.setCurrentIndex(max(0, i))
        self.quality_spin.setValue(s.jpeg_quality)
        self.keep_metadata.setChecked(s.keep_metadata)
        self._loading = False
        self._on_sigma_mode(self.sigma_auto.isChecked())
        self._on_format()

    def _store(self, *_: object) -> None:
        """Write the controls back into ``AppSettings`` (persisted by the main window)."""
        if getattr(self, "_loading", False):
            return
        s = self.settings
        s.sigma_mode = "auto" if self.sigma_auto.isChecked() else "manual"
        s.sigma = float(self.sigma_spin.value())
        s.set_blend(self.strength())
        dev = self.device_combo.currentData()
        if dev is not None and self._devices_loaded:  # before the list arrives only "auto" exists
            s.device = str(dev)
        s.tile = self.tile_combo.currentData()
        s.ensemble = int(self.quality_combo.currentData())
        s.noise = str(self.noise_combo.currentData() or "auto")
        s.precision = str(self.precision_combo.currentData() or "auto")
        jobs.set_precision(s.precision)
        s.output_format = str(self.format_combo.currentData() or "keep")
        s.jpeg_quality = int(self.quality_spin.value())
        s.keep_metadata = bool(self.keep_metadata.isChecked())
        model = self.current_model_id()
        if model:
            if self._channels() == 1:
                s.model_gray = model
            else:
                s.model_color = model

    # -- models --------------------------------------------------------------------------------
    def refresh_models(self, select: str | None = None) -> None:
        """Re-read the registry in a worker; then select ``select`` (or the saved choice)."""
        task = self.runner.submit(jobs.list_models, lane="catalog")
        task.signals.finished.connect(lambda entries: self.set_models(entries, select))
        task.signals.failed.connect(lambda info: self.error_occurred.emit("Could not list the models", info))

    def set_models(self, entries: list, select: str | None = None) -> None:
        previous = select or self.current_model_id() or self._saved_model()
        self._entries = {e.id: e for e in entries}
        self._loading = True
        self.model_combo.clear()
        networks = [e for e in entries if getattr(e, "kind", "") != "classical"]
        classical = [e for e in entries if getattr(e, "kind", "") == "classical"]
        for group in (networks, classical):
            if group and self.model_combo.count():
                self.model_combo.insertSeparator(self.model_combo.count())
            for e in group:
                suffix = " (classical)" if getattr(e, "kind", "") == "classical" else ""
                self.model_combo.addItem(f"{e.name}{suffix}", e.id)
                self.model_combo.setItemData(self.model_combo.count() - 1, model_card_text(e), Qt.ItemDataRole.ToolTipRole)
        self._loading = False
        target = previous if previous in self._entries else self._default_model()
        i = self.model_combo.findData(target) if target else -1
        if i < 0:
            i = next((k for k in range(self.model_combo.count()) if self.model_combo.itemData(k)), -1)
        self.model_combo.setCurrentIndex(i)
        self._on_model_changed()
        self.models_changed.emit(list(entries))
        self._report_broken(getattr(entries, "broken", []))

    def _report_broken(self, broken: list) -> None:
        """A model file that cannot be used is missing from the pickers: say which and why, once."""
        new = [b for b in broken if (b.id, b.reason) not in self._broken_seen]
        self._broken_seen.update((b.id, b.reason) for b in broken)
        if new:
            first = new[0]
            more = f" (and {len(new) - 1} more: {', '.join(b.id for b in new[1:])})" if len(new) > 1 else ""
            self.status_message.emit(f"Model file not usable, left out of the list: {first.reason}{more}")

    def _saved_model(self) -> str | None:
        return self.settings.model_gray if self._channels() == 1 else self.settings.model_color

    def _default_model(self) -> str | None:
        try:
            from denoise_desktop import registry

            return registry.default_model_id((self._channels(),))
        except Exception:  # noqa: BLE001 - no default is fine: the first entry is used
            return None

    def _channels(self) -> int:
        return int(self.document.original.channels) if self.document.has_image() else 3

    def model_ids(self) -> list[str]:
        """Ids in the picker, in order (separators skipped)."""
        ids = [self.model_combo.itemData(i) for i in range(self.model_combo.count())]
        return [str(i) for i in ids if i]

    def current_model_id(self) -> str | None:
        data = self.model_combo.currentData()
        return str(data) if data else None

    def set_model(self, model_id: str) -> bool:
        i = self.model_combo.findData(model_id)
        if i >= 0:
            self.model_combo.setCurrentIndex(i)
        return i >= 0

    def current_entry(self) -> Any:
        return self._entries.get(self.current_model_id() or "")

    def _on_model_changed(self, *_: object) -> None:
        if getattr(self, "_loading", False):
            return
        entry = self.current_entry()
        if entry is None:
            self.model_info.setText("No model selected.")
            self.model_combo.setToolTip("")
        else:
            text = model_card_text(entry)
            self.model_info.setText(text.split("\n", 1)[1] if "\n" in text else text)
            self.model_combo.setToolTip(text)
        self._on_sigma_mode(self.sigma_auto.isChecked())
        self._store()

    # -- σ, device ------------------------------------------------------------------------------
    def _on_sigma_mode(self, auto: bool) -> None:
        entry = self.current_entry()
        takes = bool(getattr(entry, "takes_sigma", True)) if entry is not None else True
        self.sigma_auto.setEnabled(takes)
        self.sigma_slider.setEnabled(takes and not auto)
        self.sigma_spin.setEnabled(takes and not auto)
        if not takes:
            self.sigma_estimate.setText("This model finds the noise level by itself.")
        else:
            self._show_estimate(self.document.estimated_sigma)
        self._store()

    def _show_estimate(self, sigma: float | None) -> None:
        entry = self.current_entry()
        if entry is not None and not getattr(entry, "takes_sigma", True):
            return
        if sigma is None:
            self.sigma_estimate.setText("Estimated: —" if self.document.has_image() else "")
        else:
            kind = self.document.noise_kind
            what = f"{kind}; std. dev., 0–255" if kind else "noise std. dev., 0–255"
            text = f"Estimated: {sigma:.1f} ({what})"
            if self._raw_on_mosaic():  # that level is the developed image's; the mosaic gets its own fit
                text += "; the RAW is denoised on its sensor mosaic, with the noise fitted there"
            self.sigma_estimate.setText(text)
            self.sigma_estimate.setToolTip(LEVEL_HELP)
            if self.sigma_auto.isChecked():
                self._loading = True
                self.sigma_spin.setValue(int(round(min(SIGMA_MAX, sigma))))
                self._loading = False

    def refresh_estimate(self) -> None:
        """Say the estimate again (an app-wide setting that changes its wording changed)."""
        if self.document.has_image():
            self._show_estimate(self.document.estimated_sigma)

    def _raw_on_mosaic(self) -> bool:
        """Whether Denoise will take the open RAW's mosaic path (jobs.denoise decides the same)."""
        img = self.document.original if self.document.has_image() else None
        entry = self.current_entry()
        return (img is not None and getattr(img, "format", None) == "RAW"
                and bool(getattr(self.settings, "raw_on_mosaic", True)) and self.sigma_auto.isChecked()
                and (self.noise_combo.currentData() or "auto") == "auto"
                and getattr(entry, "source", "") == "bundled" and (getattr(entry, "card", {}) or {}).get("default") is True)

    def strength(self) -> Strength:
        """Luminance, colour and grain as chosen (``blend.Strength``)."""
        return self.strength_controls.value()

    def sigma_value(self) -> float | None:
        """σ to use (0–255 scale), or None for auto."""
        return None if self.sigma_auto.isChecked() else float(self.sigma_spin.value())

    def set_devices(self, devices: list) -> None:
        wanted = self.settings.device
        self._loading = True
        self.device_combo.clear()
        self.device_combo.addItem("Auto (best available)", "auto")
        for d in devices:
            self.device_combo.addItem(d.label() if hasattr(d, "label") else str(d), d.id)
        self._loading = False
        self._devices_loaded = True
        i = self.device_combo.findData(wanted)
        if i < 0 and wanted == "cuda":
            i = self.device_combo.findData("cuda:0")
        self.device_combo.setCurrentIndex(max(0, i))
        self._on_device()

    def refresh_devices(self) -> None:
        task = self.runner.submit(jobs.discover_devices, lane="catalog")
        task.signals.finished.connect(self.set_devices)
        task.signals.failed.connect(lambda info: self.error_occurred.emit("Could not list the devices", info))

    def device(self) -> str:
        return str(self.device_combo.currentData() or "auto")

    def _on_device(self, *_: object) -> None:
        if getattr(self, "_loading", False):
            return
        self._store()
        self.device_changed.emit(self.device())

    def _on_format(self, *_: object) -> None:
        self.quality_spin.setEnabled(self.format_combo.currentData() in ("jpg", "keep"))
        self._store()

    # -- document --------------------------------------------------------------------------------
    def _on_original(self) -> None:
        self._full = self._full_source = None
        self.progress.setValue(0)
        self.progress_label.setText("")
        self._show_estimate(None)
        self.strength_controls.set_color(self._channels() != 1)
        if self.document.has_image():
            # Gray and color images remember different models; with none remembered yet, the
            # default for this channel count (a gray photo must not stay on the color default).
            wanted = self._saved_model() or self._default_model()
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
            raw_mosaic=bool(getattr(self.settings, "raw_on_mosaic", True)) and self.sigma_auto.isChecked(),
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
                self.noise_combo.currentData(), self.precision_combo.currentData(),
                bool(getattr(self.settings, "raw_on_mosaic", True)))

    def settings_changed(self, *_: object) -> None:
        """A setting the result depends on changed: drop the result rather than show (and let
        Save As write) one made with other settings."""
        if getattr(self, "_loading", False) or not self.document.has_result():
            return
        if self._result_key == self.result_key():
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
        if self.sigma_auto.isChecked() and self.document.noise_kind and "noise_kind" not in out.info:
            out.info["noise_kind"] = self.document.noise_kind  # the estimate it reused found this kind
        self._full, self._full_source = out, image
        if self.strength().full:
            self.document.set_result(out.image, out.qimage, dict(out.info, **self.strength().info()))
        else:
            self._reblend()
        info = out.info
        parts = [f"Done in {info.get('seconds', 0):.2f} s"]
        ran = info.get("model_used") or info.get("model")
        level = level_text(info, estimated=self.sigma_auto.isChecked())
        if ran and ran not in (level or ""):  # the network that ran: a default routes between several
            parts.append(f"by {ran}")
        if level:
            parts.append(level)
        used = info.get("sigma_used")
        if (self.sigma_auto.isChecked() and used is not None and float(used) < LOW_LEVEL
                and not info.get("sigma_note")):  # (the estimate was made before the run: say it here)
            info["sigma_note"] = low_level_note(float(used))
        if info.get("sigma_estimated") is not None:
            self.document.set_estimated_sigma(float(info["sigma_estimated"]), info.get("noise_kind"))
        if info.get("tiles", 1) and info.get("tiles", 1) > 1:
            parts.append(f"{info['tiles']} tiles")
        if (info.get("ensemble") or 1) > 1:
            parts.append(f"{info['ensemble']} passes")
        if info.get("device"):
            parts.append(" ".join(str(info[k]) for k in ("device", "precision") if info.get(k)))
        if info.get("runtime_note"):
            parts.append(info["runtime_note"])
        if info.get("sigma_note"):
            parts.append(info["sigma_note"])
        if info.get("trained_on_note"):
            parts.append(info["trained_on_note"])
        self.progress.setValue(1000)
        self._on_ended(self._task, ", ".join(parts))

    def _reblend(self, *_: object) -> None:
        """Luminance, colour or grain changed after denoising: mix again in a worker (no model run)."""
        if self._full is None or self._full_source is not self.document.original:
            return
        if self._blend_task is not None and not self._blend_task.done:
            self._blend_task.cancel()
        original, full = self._full_source, self._full
        task = self.runner.submit(
            jobs.blend, original, full.image, self.strength(), full.info, lane="blend"
        )
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

    # -- save ------------------------------------------------------------------------------------
    def output_suffix(self) -> str:
        key = self.format_combo.currentData() or "keep"
        suffix = SAVE_FORMATS.get(key, SAVE_FORMATS["keep"])[1]
        if suffix is None:
            from denoise_desktop.imageio import output_suffix_for

            src = self.document.path.suffix.lower() if self.document.path else ""
            # A GIF is read (first frame) but not written: palette-based, it would lose the
            # result; PNG. A camera RAW is read, not written: 16-bit TIFF.
            suffix = output_suffix_for(src) if src else ".png"
        return suffix

    def save_as(self) -> None:
        if not self.document.has_result():
            self.status_message.emit("Nothing to save yet: denoise the image first.")
            return
        start_dir = self.settings.last_save_dir or (str(self.document.path.parent) if self.document.path else "")
        suggested = str(Path(start_dir) / self.document.suggested_output_name(self.output_suffix()))
        suffix = self.output_suffix()
        selected = next((f for f in _FILTERS.split(";;") if f"*{suffix}" in f), "")
        path, _filter = QFileDialog.getSaveFileName(self, "Save denoised image", suggested, _FILTERS, selected)
        if path:
            self.save_to(path)

    def save_to(self, path: str | Path):
        """Save the result to ``path`` in a worker; returns the task (or None when refused)."""
        if not self.document.has_result():
            self.status_message.emit("Nothing to save yet: denoise the image first.")
            return None
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(self.output_suffix())
        if self.document.path is not None and path.resolve() == self.document.path.resolve():
            self.error_occurred.emit(
                "Not saved", f"{path.name} is the input image; Denoise Desktop never overwrites it. Choose another name."
            )
            return None
        self.settings.last_save_dir = str(path.parent)
        task = self.runner.submit(
            jobs.save_image,
            self.document.result,
            path,
            fmt=None,  # the suffix decides, so "photo.png" is always a PNG
            quality=self.quality_spin.value(),
            keep_metadata=self.keep_metadata.isChecked(),
            forbidden=(self.document.path,) if self.document.path else (),
            lane="io",
        )
        self._save_task = task
        task.signals.finished.connect(self._on_saved)
        task.signals.failed.connect(lambda info: self.error_occurred.emit(f"Could not save {path.name}", info))
        self.status_message.emit(f"Saving {path.name}…")
        return task

    def _on_saved(self, path: Path) -> None:
        self.status_message.emit(f"Saved {path}")
        self.saved.emit(Path(path))

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
        busy = self.is_busy()
        self.denoise_button.setEnabled(self.document.has_image())
        self.cancel_button.setEnabled(busy)
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
