"""Compare models and classical baselines on the current image (or the part on screen).

Checked models run one after another in a worker (``jobs.compare``, a generator: each finished
model appears at once). Results show in a grid of synchronised canvases with the time taken and,
when a clean reference image is loaded, PSNR/SSIM; the table and grid export as CSV + PNG.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QRect, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from denoise_desktop.blend import Strength
from denoise_desktop.settings import AppSettings

from .. import jobs
from ..document import ImageDocument
from ..viewer.canvas import CanvasGroup, ImageCanvas
from ..workers import ErrorInfo, TaskRunner
from .choices import LEVEL_HELP, QUALITY_CHOICES, SIGMA_MAX, model_card_text

__all__ = ["ComparePanel", "compose_grid", "write_csv", "image_filter"]


def image_filter() -> str:
    """File-dialog filter for every format the core reads, camera RAW included; upper-case
    suffixes too (RAW files are named IMG_0001.CR2, and the filter is case-sensitive on Linux)."""
    try:
        from denoise_desktop.imageio import READABLE_EXTENSIONS

        exts = sorted(READABLE_EXTENSIONS)
    except ImportError:
        exts = [".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"]
    pattern = " ".join(f"*{e} *{e.upper()}" for e in exts)
    return f"Images ({pattern});;All files (*)"
_TILE_MAX = 1024  # longest side of one tile in the exported PNG grid
CLASSIC_HELP = ("Tick the classic experiments this field started from, reproduced and bundled here "
                "(conv autoencoders on MNIST digits and Fashion-MNIST, an upsampling autoencoder on photos, "
                "RED-Net on CIFAR-10 thumbnails, DnCNN). Each was trained on its own kind of image (its "
                "tooltip in the list says which): on other images expect poor results.")
_METRIC_KEYS = ("psnr", "ssim")


def display_name(item: jobs.CompareItem) -> str:
    """The model's name, and the network that ran when a default routed the image elsewhere
    ("unet_res_color → unet_res_color_real"): two rows with equal scores then say why."""
    used = getattr(item, "model_used", "")
    return f"{item.name} → {used}" if used and used != item.model_id else item.name


def item_caption(item: jobs.CompareItem) -> str:
    if item.error:
        return f"{item.name}: failed"
    parts = [display_name(item)]
    if item.model_id != "input":
        parts.append(f"{item.seconds:.2f} s")
    m = item.metrics
    if "psnr" in m:
        parts.append(f"PSNR {m['psnr']:.2f} dB")
    if "ssim" in m:
        parts.append(f"SSIM {m['ssim']:.4f}")
    return " · ".join(parts)


def _grid_columns(n: int) -> int:
    return max(1, math.ceil(math.sqrt(n)))


def compose_grid(items: list[jobs.CompareItem]) -> QImage:
    """All results side by side with captions, as one image (for the PNG export)."""
    shown = [i for i in items if not i.qimage.isNull()]
    if not shown:
        return QImage()
    cols = _grid_columns(len(shown))
    rows = math.ceil(len(shown) / cols)
    w0, h0 = shown[0].qimage.width(), shown[0].qimage.height()
    scale = min(1.0, _TILE_MAX / max(w0, h0))
    tw, th = max(1, round(w0 * scale)), max(1, round(h0 * scale))
    caption_h, pad = 28, 6
    out = QImage(cols * (tw + pad) + pad, rows * (th + caption_h + pad) + pad, QImage.Format.Format_RGB888)
    out.fill(QColor(32, 32, 32))
    painter = QPainter(out)
    font = QFont(painter.font())
    font.setPixelSize(14)
    painter.setFont(font)
    painter.setPen(QColor(235, 235, 235))
    for k, item in enumerate(shown):
        r, c = divmod(k, cols)
        x, y = pad + c * (tw + pad), pad + r * (th + caption_h + pad)
        img = item.qimage if scale == 1.0 else item.qimage.scaled(
            tw, th, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        painter.drawImage(x, y, img)
        painter.drawText(QRect(x, y + th, tw, caption_h), Qt.AlignmentFlag.AlignCenter, item_caption(item))
    painter.end()
    return out


def write_csv(items: list[jobs.CompareItem], path: str | Path, *, passes: int | None = None,
              region: tuple[int, int, int, int] | None = None, image: str = "", strength=None) -> Path:
    """One row per model: time, every metric, what it ran with (σ and where it came from,
    self-ensemble passes, luminance/colour strength and grain, region x/y/w/h or "whole") and the
    error if it failed — a CSV read later must say how its numbers were made."""
    st = Strength.of(1.0 if strength is None else strength)
    keys: list[str] = []
    for item in items:
        for k in item.metrics:
            if k not in keys:
                keys.append(k)
    where = "whole" if region is None else " ".join(str(int(v)) for v in region)
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["model_id", "name", "model_used", "seconds", *keys, "sigma", "sigma_source", "passes",
                    "luma_strength", "chroma_strength", "grain", "region", "image", "error"])
        for item in items:
            ran = item.model_id != "input"
            w.writerow(
                [item.model_id, item.name, getattr(item, "model_used", "") if ran else "", f"{item.seconds:.4f}"]
                + [f"{item.metrics[k]:.6g}" if k in item.metrics else "" for k in keys]
                + ["" if item.sigma is None else f"{item.sigma:.2f}", item.sigma_source,
                   "" if passes is None or not ran else passes]
                + ([f"{v:g}" for v in st.as_tuple()] if ran else ["", "", ""])
                + [where, image, item.error]
            )
    return path


def _export(grid: QImage, items: list[jobs.CompareItem], png_path: Path, context: dict, *, progress) -> tuple[Path, Path]:
    from denoise_desktop.imageio import atomic_write

    with atomic_write(png_path) as tmp:
        if not grid.save(str(tmp), "PNG"):
            raise OSError(f"could not write {png_path}")
    csv_path = png_path.with_suffix(".csv")
    with atomic_write(csv_path) as tmp:
        write_csv(items, tmp, **context)
    return png_path, csv_path


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
        options_provider: Callable[[], dict] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.document = document
        # region_provider("visible" | "selection") -> (x, y, w, h) or None for the whole image
        self.region_provider = region_provider or (lambda _kind: None)
        # device / σ / strength / tile chosen on the Denoise panel, so both tabs agree
        self.options_provider = options_provider or (lambda: {})
        self.items: list[jobs.CompareItem] = []
        self._compared = None  # the document image the grid and table are about
        self._scored_reference = None  # the reference their PSNR/SSIM were measured against
        self._task = None
        self._run_context: dict = {}  # passes / region / image of the results shown
        self._group = CanvasGroup()
        self._cells: list[QWidget] = []
        self._build()
        document.original_changed.connect(self._on_document)
        document.reference_changed.connect(self._on_reference)
        self._on_reference()
        self._update_buttons()

    def _build(self) -> None:
        self.model_list = QListWidget(self)
        self.model_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self._classic_ids: list[str] = []  # the listed models whose card says "classic"
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
        # say what ran; device, tile and strength are the Denoise tab's, and the label says so.
        self.sigma_auto = QCheckBox("Auto", self)
        self.sigma_auto.setToolTip(LEVEL_HELP + " Every model of a comparison gets the same level.")
        self.sigma_spin = QSpinBox(self)
        self.sigma_spin.setRange(0, SIGMA_MAX)
        self.sigma_spin.setToolTip("Noise level (σ, 0–255) given to σ-aware models when Auto is off")
        self.quality_combo = QComboBox(self)
        for n, label in QUALITY_CHOICES.items():
            self.quality_combo.addItem(label, n)
        self.quality_combo.setToolTip("Self-ensemble passes for every network of the comparison")
        self.shared_label = QLabel(self)
        self.shared_label.setWordWrap(True)
        self.shared_label.setObjectName("compareSharedOptions")
        self.run_button = QPushButton("Run comparison", self)
        self.cancel_button = QPushButton("Cancel", self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.export_button = QPushButton("Export PNG + CSV…", self)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(["Model", "Seconds", "PSNR (dB)", "SSIM"])
        header = self.table.horizontalHeader()
        # Names are the point of the table: sized to their text (the table scrolls sideways when
        # the pane is narrow) instead of elided to "unet…".
        for col in range(4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

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

        self.grid_host = QWidget(self)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        self.placeholder = QLabel("Tick models and baselines in the list on the right, then Run comparison.", self.grid_host)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)  # its length must not set the window's minimum width
        self.grid.addWidget(self.placeholder, 0, 0)

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
        self.quality_combo.setCurrentIndex(max(0, self.quality_combo.findData(s.compare_ensemble)))
        self.sigma_auto.toggled.connect(self._show_level)  # first: the box gets the manual σ back
        self.sigma_auto.toggled.connect(self._store_options)
        self.sigma_spin.valueChanged.connect(self._store_options)
        self.quality_combo.currentIndexChanged.connect(self._store_options)
        self.document.sigma_estimated.connect(lambda _s: self._show_level())
        self._show_level()
        self._update_shared_label()

    def _store_options(self, *_args) -> None:
        s = self.settings
        s.compare_sigma_mode = "auto" if self.sigma_auto.isChecked() else "manual"
        if not self.sigma_auto.isChecked():  # (under Auto the box shows the estimate, not the user's σ)
            s.compare_sigma = float(self.sigma_spin.value())
        s.compare_ensemble = int(self.quality_combo.currentData())
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
                self.sigma_spin.setToolTip("Noise level (σ, 0–255) given to σ-aware models when Auto is off")

    def run_options(self) -> dict:
        """Device, tile and strength (luminance, colour, grain) from the Denoise tab; level and
        Quality from this tab."""
        opts = dict(self.options_provider())
        opts["sigma"] = None if self.sigma_auto.isChecked() else float(self.sigma_spin.value())
        opts["ensemble"] = int(self.quality_combo.currentData())
        return opts

    def _update_shared_label(self) -> None:
        opts = dict(self.options_provider())
        strength = Strength.of(opts.get("strength", 1.0))
        device = opts.get("device", "auto")
        self.shared_label.setText(f"From the Denoise tab: device {device}, strength: {strength.describe()}")

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._update_shared_label()  # the Denoise tab may have changed them meanwhile
        super().showEvent(event)

    # -- models ----------------------------------------------------------------------------------
    def set_models(self, entries: list) -> None:
        checked = set(self.checked_models())
        first_time = self.model_list.count() == 0
        self.model_list.blockSignals(True)
        self.model_list.clear()
        networks = [e for e in entries if getattr(e, "kind", "") != "classical"]
        classical = [e for e in entries if getattr(e, "kind", "") == "classical"]
        for e in networks + classical:
            suffix = " (classical)" if e in classical else ""
            it = QListWidgetItem(f"{e.name}{suffix}", self.model_list)
            it.setData(Qt.ItemDataRole.UserRole, e.id)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = e.id in checked if not first_time else False
            it.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            it.setToolTip(model_card_text(e))
        self.model_list.blockSignals(False)
        self._classic_ids = [e.id for e in networks if getattr(e, "classic", False)]
        self.classic_button.setEnabled(bool(self._classic_ids))
        self.classic_button.setToolTip(CLASSIC_HELP if self._classic_ids else "No classic models are installed.")
        self._update_buttons()

    def add_classic_models(self) -> None:
        """Tick every classic model (one click for the whole zoo); ticked others stay ticked."""
        if not self._classic_ids:
            return
        self.set_checked(list(dict.fromkeys(self.checked_models() + self._classic_ids)))
        self.status_message.emit(f"Ticked {len(self._classic_ids)} classic model(s) for the next comparison.")

    def checked_models(self) -> list[str]:
        out = []
        for i in range(self.model_list.count()):
            it = self.model_list.item(i)
            if it.checkState() == Qt.CheckState.Checked:
                out.append(str(it.data(Qt.ItemDataRole.UserRole)))
        return out

    def set_checked(self, model_ids: list[str]) -> None:
        for i in range(self.model_list.count()):
            it = self.model_list.item(i)
            on = it.data(Qt.ItemDataRole.UserRole) in model_ids
            it.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

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
                from ...metrics import scene_correlation

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
            self._forget_metrics()  # they were measured against the reference that is gone

    def _forget_metrics(self) -> None:
        """Blank PSNR/SSIM of the results shown (the grid and timings stay)."""
        for item in self.items:
            item.metrics = {}
        for row in range(self.table.rowCount()):
            for col in (2, 3):
                self.table.setItem(row, col, QTableWidgetItem(""))
        for cell, item in zip(self._cells, self.items):
            label = cell.findChild(QLabel)
            if label is not None:
                label.setText(item_caption(item))

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
        task = self.runner.submit(
            jobs.compare,
            self.document.original,
            models,
            region=region,
            reference=self.document.reference,
            lane="compute",
            **opts,
        )
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
        for cell in self._cells:
            self.grid.removeWidget(cell)
            cell.deleteLater()
        self._cells = []
        self._group = CanvasGroup()
        self.table.setRowCount(0)
        self.placeholder.setVisible(True)

    def _add_item(self, item: jobs.CompareItem) -> None:
        if self.document.reference is not self._scored_reference:
            item.metrics = {}  # scored against a reference that changed while the comparison ran
        self.items.append(item)
        self.placeholder.setVisible(False)
        cell = QWidget(self.grid_host)
        lay = QVBoxLayout(cell)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(1)
        label = QLabel(item_caption(item), cell)
        label.setToolTip(item.error or item_caption(item))
        # A long caption must not set the cell's minimum width: the window would widen itself.
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        label.setMinimumWidth(1)
        canvas = ImageCanvas(cell)
        if item.error:
            label.setStyleSheet("color: #d05050;")
        else:
            canvas.set_image(item.qimage)
        lay.addWidget(label)
        lay.addWidget(canvas, 1)
        self._cells.append(cell)
        self._group.add(canvas)
        self._relayout()
        if len(self._cells) > 1:
            canvas.set_view_state(self._cells[0].findChild(ImageCanvas).view_state())
        row = self.table.rowCount()
        self.table.insertRow(row)
        m = item.metrics
        values = [
            display_name(item) if not item.error else f"{item.name} (failed: {item.error})",
            "" if item.model_id == "input" else f"{item.seconds:.2f}",
            f"{m['psnr']:.2f}" if "psnr" in m else "",
            f"{m['ssim']:.4f}" if "ssim" in m else "",
        ]
        for col, v in enumerate(values):
            cell_item = QTableWidgetItem(v)
            if col == 0:
                cell_item.setToolTip(f"{v} ({item.model_id})")
            self.table.setItem(row, col, cell_item)
        self._update_buttons()

    def _relayout(self) -> None:
        cols = _grid_columns(len(self._cells))
        for k, cell in enumerate(self._cells):
            self.grid.removeWidget(cell)
            self.grid.addWidget(cell, k // cols, k % cols)

    def canvases(self) -> list[ImageCanvas]:
        return self._group.canvases()

    def table_text(self) -> list[list[str]]:
        return [
            [self.table.item(r, c).text() if self.table.item(r, c) else "" for c in range(self.table.columnCount())]
            for r in range(self.table.rowCount())
        ]

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
        task = self.runner.submit(_export, grid, list(self.items), png_path, dict(self._run_context), lane="io")
        task.signals.finished.connect(lambda paths: self.status_message.emit(f"Exported {paths[0].name} and {paths[1].name}"))
        task.signals.failed.connect(lambda info: self.error_occurred.emit("Could not export the comparison", info))
        return task

    def _update_buttons(self) -> None:
        busy = self.is_busy()
        self.run_button.setEnabled(self.document.has_image() and bool(self.checked_models()) and not busy)
        self.cancel_button.setEnabled(busy)
        self.export_button.setEnabled(bool(self.items) and not busy)
