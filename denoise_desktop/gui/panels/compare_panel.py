"""Compare models and classical baselines on the current image (or the part on screen).

Checked models run one after another in a worker (``compare_job.compare``, a generator: each
finished model appears at once) in the results grid and table (``compare_results``), with PSNR/
SSIM when a clean reference is loaded; Export writes the grid PNG and the CSV
(``compare_export``). Its own level and Quality; device, tile, precision and strength are the
Denoise tab's, read from the shared settings and named in the panel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from denoise_desktop.settings import AppSettings

from .. import compare_job, jobs
from ..document import ImageDocument
from ..workers import ErrorInfo, TaskRunner
from .choices import LEVEL_HELP, SIGMA_MAX, image_filter
from .compare_export import compose_grid, export
from .compare_results import ResultGrid, ResultTable
from .model_checklist import ModelChecklist
from .quality import quality_combo

__all__ = ["ComparePanel"]

CLASSIC_HELP = ("Tick the classic experiments this field started from, reproduced and bundled here "
                "(conv autoencoders on MNIST digits and Fashion-MNIST, an upsampling autoencoder on photos, "
                "RED-Net on CIFAR-10 thumbnails, DnCNN). Each was trained on its own kind of image (its "
                "tooltip in the list says which): on other images expect poor results.")
MANUAL_LEVEL_HELP = "Noise level (σ, 0–255) given to σ-aware models when Auto is off"


class ComparePanel(QWidget):
    status_message = Signal(str)
    error_occurred = Signal(str, object)
    comparison_finished = Signal(list)  # list[CompareItem]

    def __init__(
        self,
        runner: TaskRunner,
        settings: AppSettings,
        document: ImageDocument,
        region_provider: Callable[[str], tuple[int, int, int, int] | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.document = document
        # region_provider("visible" | "selection") -> (x, y, w, h) or None for the whole image
        self.region_provider = region_provider or (lambda _kind: None)
        self.items: list[compare_job.CompareItem] = []
        self._compared = None  # the document image the grid and table are about
        self._scored_reference = None  # the reference their PSNR/SSIM were measured against
        self._task = None
        self._run_context: dict = {}  # passes / region / image of the results shown
        self._build()
        document.original_changed.connect(self._on_document)
        document.reference_changed.connect(self._on_reference)
        document.sigma_estimated.connect(lambda _s: self._show_level())
        self._on_reference()
        self._update_buttons()

    def _build(self) -> None:
        self.model_list = ModelChecklist(self)
        self.classic_button = QPushButton("Add classic models", self)
        self.classic_button.setToolTip(CLASSIC_HELP)
        self.classic_button.setEnabled(False)  # until set_models lists one
        self.region_combo = QComboBox(self)
        self.region_combo.addItem("Whole image", "whole")
        self.region_combo.addItem("Visible part of the viewer", "visible")
        self.region_combo.addItem("Selection (Shift+drag in the viewer)", "selection")
        self.reference_button = QPushButton("Load reference…", self)
        self.reference_button.setToolTip("A clean version of this image: enables PSNR and SSIM")
        self.clear_reference_button = QPushButton("Clear", self)
        self.reference_label = QLabel(self)
        self.reference_label.setWordWrap(True)
        # Its own level and Quality (remembered apart from the Denoise tab's): the table and CSV
        # say what ran; device, tile, precision and strength are the Denoise tab's, and the label says so.
        self.sigma_auto = QCheckBox("Auto", self)
        self.sigma_auto.setToolTip(LEVEL_HELP + " Every model of a comparison gets the same level.")
        self.sigma_spin = QSpinBox(self)
        self.sigma_spin.setRange(0, SIGMA_MAX)
        self.sigma_spin.setToolTip(MANUAL_LEVEL_HELP)
        self.quality_combo = quality_combo(self.settings, "compare", self)
        self.shared_label = QLabel(self)
        self.shared_label.setWordWrap(True)
        self.shared_label.setObjectName("compareSharedOptions")
        self.run_button = QPushButton("Run comparison", self)
        self.cancel_button = QPushButton("Cancel", self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.export_button = QPushButton("Export PNG + CSV…", self)
        self.table = ResultTable(self)

        controls = QWidget(self)
        cl = QVBoxLayout(controls)
        cl.addWidget(QLabel("Models and baselines", controls))
        cl.addWidget(self.model_list, 1)
        cl.addWidget(self.classic_button)
        cl.addWidget(QLabel("Region", controls))
        cl.addWidget(self.region_combo)
        level_row = QHBoxLayout()
        level_row.addWidget(QLabel("Noise level", controls))
        level_row.addWidget(self.sigma_auto)
        level_row.addWidget(self.sigma_spin)
        level_row.addStretch(1)
        cl.addLayout(level_row)
        quality_row = QHBoxLayout()
        quality_row.addWidget(QLabel("Quality", controls))
        quality_row.addWidget(self.quality_combo, 1)
        cl.addLayout(quality_row)
        cl.addWidget(self.shared_label)
        ref_row = QHBoxLayout()
        ref_row.addWidget(self.reference_button, 1)
        ref_row.addWidget(self.clear_reference_button)
        cl.addLayout(ref_row)
        cl.addWidget(self.reference_label)
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button, 1)
        run_row.addWidget(self.cancel_button)
        cl.addLayout(run_row)
        cl.addWidget(self.progress)
        cl.addWidget(self.table, 1)
        cl.addWidget(self.export_button)

        self.grid_host = ResultGrid("Tick models and baselines in the list on the right, then Run comparison.", self)
        self.placeholder = self.grid_host.placeholder
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("compareSplitter")
        self.splitter.addWidget(self.grid_host)
        self.splitter.addWidget(controls)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([900, 420])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.splitter)

        self.run_button.clicked.connect(self.run)
        self.classic_button.clicked.connect(self.add_classic_models)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button.clicked.connect(self.export_dialog)
        self.reference_button.clicked.connect(self.load_reference_dialog)
        self.clear_reference_button.clicked.connect(lambda: self.document.set_reference(None, None, None))
        self.model_list.itemChanged.connect(lambda _i: self._update_buttons())
        s = self.settings
        self.sigma_spin.setValue(int(round(min(SIGMA_MAX, s.compare_sigma))))
        self.sigma_auto.setChecked(s.compare_sigma_mode == "auto")
        self.sigma_spin.setEnabled(not self.sigma_auto.isChecked())
        self.sigma_auto.toggled.connect(self._show_level)  # first: the box gets the manual σ back
        self.sigma_auto.toggled.connect(self._store_options)
        self.sigma_spin.valueChanged.connect(self._store_options)
        self._show_level()
        self._update_shared_label()

    # -- options ---------------------------------------------------------------------------------
    def _store_options(self, *_args) -> None:
        s = self.settings
        s.compare_sigma_mode = "auto" if self.sigma_auto.isChecked() else "manual"
        if not self.sigma_auto.isChecked():  # (under Auto the box shows the estimate, not the user's σ)
            s.compare_sigma = float(self.sigma_spin.value())
        self.sigma_spin.setEnabled(not self.sigma_auto.isChecked())
        self._show_level()

    def _show_level(self, *_: object) -> None:
        """Under Auto the greyed box shows the level Auto found for this image ("auto" before the
        estimate), never the manual σ it will not use; off Auto, the user's σ again."""
        auto = self.sigma_auto.isChecked()
        est = self.document.estimated_sigma if self.document.has_image() else None
        with QSignalBlocker(self.sigma_spin):
            if auto:
                self.sigma_spin.setSpecialValueText("auto")
                self.sigma_spin.setValue(int(round(est)) if est is not None else self.sigma_spin.minimum())
                self.sigma_spin.setToolTip(f"Auto: σ {est:.2f} estimated on this image" if est is not None
                                           else "Auto: estimated per image when the comparison runs")
            else:
                self.sigma_spin.setSpecialValueText("")
                self.sigma_spin.setValue(int(round(min(SIGMA_MAX, self.settings.compare_sigma))))
                self.sigma_spin.setToolTip(MANUAL_LEVEL_HELP)

    def shared_options(self) -> dict:
        """What Compare takes from the Denoise tab (through the shared settings; the label names it)."""
        s = self.settings
        return {"device": s.device, "tile": s.tile, "precision": s.precision, "strength": s.blend()}

    def run_options(self) -> dict:
        """Device, tile, precision and strength (luminance, colour, grain) from the Denoise tab;
        level and Quality from this tab."""
        opts = self.shared_options()
        opts["sigma"] = None if self.sigma_auto.isChecked() else float(self.sigma_spin.value())
        opts["ensemble"] = int(self.quality_combo.currentData())
        return opts

    def _update_shared_label(self) -> None:
        o = self.shared_options()
        tile = "auto" if o["tile"] is None else f"{o['tile']} px"
        self.shared_label.setText(f"From the Denoise tab: device {o['device']}, tile {tile}, precision "
                                  f"{o['precision']}, strength: {o['strength'].describe()}")

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._update_shared_label()  # the Denoise tab may have changed them meanwhile
        super().showEvent(event)

    # -- models ----------------------------------------------------------------------------------
    def set_models(self, entries: list) -> None:
        self.model_list.set_models(entries)
        classic = self.model_list.classic_ids
        self.classic_button.setEnabled(bool(classic))
        self.classic_button.setToolTip(CLASSIC_HELP if classic else "No classic models are installed.")
        self._update_buttons()

    def add_classic_models(self) -> None:
        """Tick every classic model (one click for the whole zoo); ticked others stay ticked."""
        classic = self.model_list.classic_ids
        if classic:
            self.set_checked(list(dict.fromkeys(self.checked_models() + classic)))
            self.status_message.emit(f"Ticked {len(classic)} classic model(s) for the next comparison.")

    def checked_models(self) -> list[str]:
        return self.model_list.checked()

    def set_checked(self, model_ids: list[str]) -> None:
        self.model_list.set_checked(model_ids)

    # -- reference -------------------------------------------------------------------------------
    def load_reference_dialog(self) -> None:
        start = self.settings.last_open_dir
        path, _ = QFileDialog.getOpenFileName(self, "Load clean reference image", start, image_filter())
        if path:
            self.load_reference(path)

    def load_reference(self, path: str | Path):
        path = Path(path)
        task = self.runner.submit(jobs.load_image, path, lane="io")
        task.signals.finished.connect(self._on_reference_loaded)
        task.signals.failed.connect(lambda info: self.error_occurred.emit("Could not load the reference", info))
        return task

    def _on_reference_loaded(self, loaded: jobs.LoadedImage) -> None:
        if not self.document.reference_matches(loaded.image):
            shape = loaded.image.pixels.shape
            orig = self.document.original.pixels.shape
            if tuple(shape) != tuple(orig):
                why = (f"{loaded.path.name} is {shape[1]}×{shape[0]} with {shape[2]} channel(s), but the image is "
                       f"{orig[1]}×{orig[0]} with {orig[2]}.")
            else:
                from denoise_desktop.metrics import scene_correlation

                r = scene_correlation(self.document.original.pixels, loaded.image.pixels)
                why = (f"{loaded.path.name} has the image's size but shows another picture (their brightness "
                       f"correlates {r:.2f}; a clean version of the same photo correlates above 0.9).")
            self.error_occurred.emit("Reference does not match",
                                     f"{why} A reference must be the clean version of the same image.")
            return
        self.document.set_reference(loaded.path, loaded.image, loaded.qimage)
        again = "; run the comparison again to score against it" if self.items and not self.is_busy() else ""
        self.status_message.emit(f"Reference: {loaded.path.name}{again}")

    def _on_reference(self) -> None:
        doc = self.document
        if doc.reference is None:
            self.reference_label.setText("No reference: PSNR/SSIM need a clean image.")
        else:
            name = doc.reference_path.name if doc.reference_path else "reference"
            self.reference_label.setText(f"Reference: {name}")
        self.clear_reference_button.setEnabled(doc.reference is not None)
        if doc.reference is not self._scored_reference and doc.original is self._compared:
            # blank PSNR/SSIM: they were measured against the reference that is gone (grid and timings stay)
            for item in self.items:
                item.metrics = {}
            self.table.blank_metrics()
            self.grid_host.update_captions(self.items)

    def _on_document(self) -> None:
        """Another image: the grid, table and a running comparison were about the previous one."""
        if self.document.original is not self._compared:
            if self.is_busy():
                self._task.cancel()
            self._task = None
            self._clear_results()
            self.progress.setValue(0)
        self._show_level()
        self._update_buttons()

    # -- run -------------------------------------------------------------------------------------
    def is_busy(self) -> bool:
        return self._task is not None and not self._task.done

    def run(self):
        if not self.document.has_image():
            self.status_message.emit("Open an image first.")
            return None
        models = self.checked_models()
        if not models:
            self.status_message.emit("Check at least one model to compare.")
            return None
        kind = self.region_combo.currentData()
        region = self.region_provider(kind) if kind != "whole" else None
        if kind == "selection" and region is None:
            self.status_message.emit("No selection: Shift+drag over the image in the Denoise tab first.")
            return None
        opts = self.run_options()
        self._update_shared_label()
        self._clear_results()
        self._run_context = {"passes": opts.get("ensemble"), "region": region, "strength": opts.get("strength"),
                             "image": self.document.path.name if self.document.path else ""}
        task = self.runner.submit(compare_job.compare, self.document.original, models, region=region,
                                  reference=self.document.reference, lane="compute", **opts)
        self._task = task
        self._compared = self.document.original
        self._scored_reference = self.document.reference
        task.signals.yielded.connect(lambda item, t=task: self._add_item(item) if t is self._task else None)
        task.signals.progress.connect(lambda f, _m: self.progress.setValue(int(f * 1000)))
        task.signals.finished.connect(lambda _r, t=task: self._on_done(t, "Comparison finished."))
        task.signals.cancelled.connect(lambda t=task: self._on_done(t, "Comparison cancelled."))
        task.signals.failed.connect(lambda info, t=task: self._on_failed(t, info))
        self.progress.setValue(0)
        self._update_buttons()
        where = f"region {region[2]}×{region[3]} at ({region[0]}, {region[1]})" if region else "whole image"
        self.status_message.emit(f"Comparing {len(models)} model(s) on the {where}…")
        return task

    def cancel(self) -> None:
        if self.is_busy():
            self._task.cancel()

    def _on_done(self, task, message: str) -> None:
        if task is not self._task:
            return
        self.progress.setValue(1000 if task.state == task.FINISHED else self.progress.value())
        self.status_message.emit(message)
        self._update_buttons()
        self.comparison_finished.emit(list(self.items))

    def _on_failed(self, task, info: ErrorInfo) -> None:
        self._on_done(task, f"Comparison failed: {info}")
        self.error_occurred.emit("Comparison failed", info)

    # -- results ---------------------------------------------------------------------------------
    def _clear_results(self) -> None:
        self.items = []
        self.grid_host.clear()
        self.table.setRowCount(0)

    def _add_item(self, item: compare_job.CompareItem) -> None:
        if self.document.reference is not self._scored_reference:
            item.metrics = {}  # scored against a reference that changed while the comparison ran
        self.items.append(item)
        self.grid_host.add(item)
        self.table.add(item)
        self._update_buttons()

    def canvases(self):
        return self.grid_host.canvases()

    def table_text(self) -> list[list[str]]:
        return self.table.text()

    # -- export ----------------------------------------------------------------------------------
    def export_dialog(self) -> None:
        if not self.items:
            self.status_message.emit("Run a comparison first.")
            return
        stem = f"{self.document.path.stem}_comparison" if self.document.path else "comparison"
        start = Path(self.settings.last_save_dir or ".") / f"{stem}.png"
        path, _ = QFileDialog.getSaveFileName(self, "Export comparison", str(start), "PNG image (*.png)")
        if path:
            self.export_to(path)

    def export_to(self, png_path: str | Path):
        """Write ``<name>.png`` (the grid) and ``<name>.csv`` (the table) in a worker."""
        if not self.items:
            return None
        png_path = Path(png_path).with_suffix(".png")
        self.settings.last_save_dir = str(png_path.parent)
        grid = compose_grid(self.items)  # painting text is GUI-thread work; writing is not
        task = self.runner.submit(export, grid, list(self.items), png_path, dict(self._run_context), lane="io")
        task.signals.finished.connect(lambda paths: self.status_message.emit(f"Exported {paths[0].name} and {paths[1].name}"))
        task.signals.failed.connect(lambda info: self.error_occurred.emit("Could not export the comparison", info))
        return task

    def _update_buttons(self) -> None:
        busy = self.is_busy()
        self.run_button.setEnabled(self.document.has_image() and bool(self.checked_models()) and not busy)
        self.cancel_button.setEnabled(busy)
        self.export_button.setEnabled(bool(self.items) and not busy)
