"""The Training tab's form: training data (a recipe or a folder of clean images) and the run's
settings, shown as the recipe will run them; ``overrides()`` turns what the user changed into
``--set`` values."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..training_job import DEFAULT_RECIPE, OVERRIDE_KEYS, RECIPE_DEFAULTS, RECIPE_INIT, list_recipes, lookup, read_recipe, slug
from ..widgets import fill_device_combo, path_row

__all__ = ["TrainingForm"]


class TrainingForm(QWidget):
    def __init__(self, settings=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._networks: list = []  # trained networks to fine-tune (registry entries)
        self._recipe_arch: str | None = None
        self._recipe_init = ""  # the weights the recipe starts from, if it names some
        self._recipe_values: dict[str, Any] = {}
        self._devices_listed = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)

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
        lay.addWidget(source)

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
        self.set_devices([])  # the rest arrive from the main window's worker
        form.addRow("Device", self.device_combo)
        lay.addWidget(params)
        self._on_recipe_changed()

    # -- lists from the main window's worker ----------------------------------------------
    def set_devices(self, devices: list) -> None:
        """The devices found by the main window's worker (the trainer takes CPU or CUDA)."""
        wanted = self.device_combo.currentData() if self._devices_listed else getattr(self.settings, "device", "auto")
        fill_device_combo(self.device_combo, devices, wanted, kinds=("cpu", "cuda"))
        self._devices_listed = bool(devices)

    def set_models(self, entries: list) -> None:
        """The registry's entries: trained networks to start from."""
        self._networks = [e for e in entries if getattr(e, "kind", "") == "network" and getattr(e, "path", None)]
        self._fill_init_choices()

    def _fill_init_choices(self, select: str | None = None) -> None:
        """Random weights, the recipe's own starting weights (when it names some), and the trained
        networks of the chosen architecture; keeps the current choice unless ``select`` is given."""
        current = self.init_combo.currentData() if select is None else select
        arch = self.arch_combo.currentData()
        self.init_combo.blockSignals(True)
        try:
            self.init_combo.clear()
            self.init_combo.addItem("Random weights (train from scratch)", None)
            if self._recipe_init and arch == self._recipe_arch:
                self.init_combo.addItem(f"The recipe's weights: {Path(self._recipe_init).name} (fine-tune)", RECIPE_INIT)
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
            return {"model.init": ""} if self._recipe_init and chosen is None else {}
        out: dict[str, Any] = {"model.init": str(entry.path)}
        hparams = entry.card.get("hparams") if isinstance(entry.card, dict) else None
        if isinstance(hparams, dict):
            out["model.hparams"] = dict(hparams)
        if entry.channels and entry.channels[0] in (1, 3):
            out["data.channels"] = int(entry.channels[0])
            out["model.variant"] = "gray" if entry.channels[0] == 1 else "color"
        return out

    # -- the recipe -----------------------------------------------------------------------
    def recipe_path(self) -> Path | None:
        data = self.recipe_combo.currentData()
        return Path(data) if data else None

    def _on_recipe_changed(self, *_: Any) -> None:
        path = self.recipe_path()
        recipe = read_recipe(path) if path is not None else {}

        def value(name: str) -> Any:
            found = lookup(recipe, OVERRIDE_KEYS[name])
            return RECIPE_DEFAULTS[name] if found is None else found

        self._recipe_arch = value("arch")
        init = lookup(recipe, "model.init")
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
        for name, spin in (("epochs", self.epochs_spin), ("steps_per_epoch", self.steps_spin),
                           ("batch_size", self.batch_spin), ("patch_size", self.patch_spin)):
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
        changed = {k: v for k, v in values.items() if self._recipe_values.get(k) != v}
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
            stem = slug(Path(folder).name) or "photos"
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

    def _choose_recipe(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a training recipe", "", "Recipes (*.toml)")
        if path:
            self.add_recipe(path)

    def _choose_data_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of clean training images")
        if folder:
            self.data_dir_edit.setText(folder)
            self.folder_radio.setChecked(True)


def _spin(lo: int, hi: int, value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(lo, hi)
    spin.setValue(value)
    return spin
