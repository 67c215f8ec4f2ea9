"""Compare tab: several classical models on the image, PSNR/SSIM with a reference, regions,
export of PNG grid + CSV, and a reference of the wrong size refused with a message."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from denoise_desktop.gui.document import ImageDocument
from denoise_desktop.gui.jobs import load_image
from denoise_desktop.gui.panels.compare_panel import ComparePanel
from denoise_desktop.settings import AppSettings

from gui_helpers import classical_ids, clean_and_noisy, write_png


@pytest.fixture
def errors():
    return []


@pytest.fixture
def setup(qtbot, runner, tmp_path, errors):
    clean, noisy = clean_and_noisy(40, 56)
    noisy_path = write_png(tmp_path / "noisy.png", noisy)
    clean_path = write_png(tmp_path / "clean.png", clean)
    doc = ImageDocument()
    loaded = load_image(noisy_path)
    doc.set_original(loaded.path, loaded.image, loaded.qimage)
    region: dict = {}
    # the Denoise tab's σ is set by hand: Compare must not take it (it has its own level)
    panel = ComparePanel(runner, AppSettings(sigma_mode="manual", sigma=25.0), doc,
                         region_provider=lambda kind: region.get(kind))
    panel.error_occurred.connect(lambda title, err: errors.append((title, err)))
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    from denoise_desktop import registry

    panel.set_models(registry.list_models())
    return panel, doc, clean, noisy, clean_path, region


def run_and_wait(qtbot, panel):
    with qtbot.waitSignal(panel.comparison_finished, timeout=60000) as blocker:
        assert panel.run() is not None
    return blocker.args[0]


def test_compare_with_reference_shows_psnr(qtbot, setup, tmp_path, errors):
    from denoise_desktop import metrics

    panel, doc, clean, noisy, clean_path, _region = setup
    with qtbot.waitSignal(doc.reference_changed, timeout=10000):
        panel.load_reference(clean_path)
    ids = classical_ids(2)
    panel.set_checked(ids)
    assert panel.checked_models() == ids
    items = run_and_wait(qtbot, panel)
    assert [i.model_id for i in items] == ["input", *ids]
    assert all(not i.error for i in items), [i.error for i in items]
    rows = panel.table_text()
    assert len(rows) == 1 + len(ids)
    expected_input = metrics.psnr(clean.astype(np.float32) / 255, noisy.astype(np.float32) / 255)
    assert float(rows[0][2]) == pytest.approx(expected_input, abs=0.01)
    for row, item in zip(rows[1:], items[1:]):
        assert float(row[2]) == pytest.approx(item.metrics["psnr"], abs=0.01)
        assert 0.0 < float(row[3]) <= 1.0
        assert item.seconds > 0
    assert len(panel.canvases()) == 1 + len(ids)
    # synchronised result grid
    a, b = panel.canvases()[:2]
    a.set_zoom(3.0)
    assert b.scale_factor() == pytest.approx(3.0)
    # export: a PNG grid and a CSV with one row per model
    with qtbot.waitSignal(panel.status_message, timeout=10000, check_params_cb=lambda m: m.startswith("Exported")):
        panel.export_to(tmp_path / "cmp.png")
    assert (tmp_path / "cmp.png").stat().st_size > 0
    with (tmp_path / "cmp.csv").open() as fh:
        table = list(csv.DictReader(fh))
    assert [r["model_id"] for r in table] == ["input", *ids]
    assert float(table[1]["psnr"]) == pytest.approx(items[1].metrics["psnr"], rel=1e-4)
    from PIL import Image

    grid = Image.open(tmp_path / "cmp.png")
    assert grid.width > 56 * 2 and grid.height > 40
    assert not errors


def test_changing_the_reference_blanks_scores_measured_against_the_old_one(qtbot, setup):
    panel, doc, *_rest, clean_path, _region = setup
    with qtbot.waitSignal(doc.reference_changed, timeout=10000):
        panel.load_reference(clean_path)
    panel.set_checked(classical_ids(1))
    run_and_wait(qtbot, panel)
    assert all(row[2] for row in panel.table_text())
    panel.clear_reference_button.click()
    assert doc.reference is None
    assert all(row[2] == row[3] == "" for row in panel.table_text())
    assert all(not i.metrics for i in panel.items) and len(panel.canvases()) == 2  # the images stay
    from PySide6.QtWidgets import QLabel

    assert not any("PSNR" in c.findChild(QLabel).text() for c in panel.grid_host.cells)


def test_compare_visible_region_only(qtbot, setup):
    panel, _doc, _clean, _noisy, _clean_path, region = setup
    region["visible"] = (8, 4, 20, 16)
    panel.region_combo.setCurrentIndex(panel.region_combo.findData("visible"))
    panel.set_checked(classical_ids(1))
    items = run_and_wait(qtbot, panel)
    assert all(i.pixels.shape == (16, 20, 3) for i in items)
    assert not items[0].metrics  # no reference loaded: no PSNR
    assert panel.table_text()[0][2] == ""


def test_reference_of_wrong_size_is_refused(qtbot, setup, tmp_path, errors):
    panel, doc, *_ = setup
    other = write_png(tmp_path / "small.png", clean_and_noisy(10, 10)[0])
    panel.load_reference(other)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert "small.png" in str(errors[-1][1])
    assert doc.reference is None


def test_reference_of_another_picture_is_refused(qtbot, setup, tmp_path, errors):
    """Same size is not enough: PSNR against a different photo would be a meaningless number."""
    panel, doc, clean, *_ = setup
    other = write_png(tmp_path / "other.png", np.ascontiguousarray(clean[::-1, ::-1]))
    panel.load_reference(other)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert "other.png" in str(errors[-1][1]) and "another picture" in str(errors[-1][1])
    assert doc.reference is None


def test_another_image_clears_the_comparison_and_stops_a_running_one(qtbot, setup, tmp_path):
    """The grid and table are about one image: opening another must not leave them (or let a
    comparison still running on the old image fill them) under the new one."""
    panel, doc, clean, *_ = setup
    panel.set_checked(classical_ids(2))
    run_and_wait(qtbot, panel)
    assert panel.items and panel.table.rowCount() > 0
    second = load_image(write_png(tmp_path / "second.png", clean_and_noisy(40, 56, seed=5)[1]))
    doc.set_original(second.path, second.image, second.qimage)
    assert not panel.items and panel.table.rowCount() == 0 and not panel.export_button.isEnabled()
    task = panel.run()
    assert task is not None and panel.is_busy()
    third = load_image(write_png(tmp_path / "third.png", clean_and_noisy(40, 56, seed=6)[1]))
    doc.set_original(third.path, third.image, third.qimage)
    qtbot.waitUntil(lambda: task.done, timeout=30000)
    qtbot.wait(50)
    assert not panel.is_busy() and not panel.items and panel.table.rowCount() == 0


def test_cancel_comparison(qtbot, setup):
    panel, *_ = setup
    panel.set_checked(classical_ids(3))
    with qtbot.waitSignal(panel.comparison_finished, timeout=60000):
        task = panel.run()
        task.cancel()
    assert task.state in (task.CANCELLED, task.FINISHED)
    assert not panel.is_busy() and panel.run_button.isEnabled()


def test_compare_selection_needs_a_selection(qtbot, setup):
    panel, *_rest, region = setup
    panel.region_combo.setCurrentIndex(panel.region_combo.findData("selection"))
    panel.set_checked(classical_ids(1))
    messages = []
    panel.status_message.connect(messages.append)
    assert panel.run() is None and "Shift+drag" in messages[-1]
    region["selection"] = (0, 0, 12, 10)
    items = run_and_wait(qtbot, panel)
    assert items[-1].pixels.shape == (10, 12, 3)



def test_placeholder_names_the_side_the_model_list_is_on(setup):
    panel, *_ = setup
    assert panel.splitter.widget(0) is panel.grid_host  # results left, the list right
    assert "on the right" in panel.placeholder.text() and panel.run_button.text() in panel.placeholder.text()


def test_compare_has_its_own_level_and_quality_and_says_what_it_shares(qtbot, setup, tmp_path):
    panel, *_ = setup
    # the Denoise tab's σ (25, set by hand in the settings) does not leak in: Compare's own control rules
    panel.sigma_auto.setChecked(False)
    panel.sigma_spin.setValue(12)
    panel.quality_combo.setCurrentIndex(panel.quality_combo.findData(4))
    opts = panel.run_options()
    assert opts["sigma"] == 12.0 and opts["ensemble"] == 4
    assert panel.settings.compare_sigma_mode == "manual" and panel.settings.compare_sigma == 12.0
    assert panel.settings.compare_ensemble == 4
    panel.sigma_auto.setChecked(True)
    assert panel.run_options()["sigma"] is None and not panel.sigma_spin.isEnabled()
    assert "Denoise tab" in panel.shared_label.text() and "strength" in panel.shared_label.text()
    # the settings survive a restart (a new panel on the same settings)
    again = ComparePanel(panel.runner, panel.settings, panel.document)
    qtbot.addWidget(again)
    assert again.quality_combo.currentData() == 4 and again.sigma_auto.isChecked()


def test_csv_records_level_passes_and_region(qtbot, setup, tmp_path):
    panel, doc, *_rest, region = setup
    region["selection"] = (4, 6, 24, 20)
    panel.region_combo.setCurrentIndex(panel.region_combo.findData("selection"))
    panel.sigma_auto.setChecked(False)
    panel.sigma_spin.setValue(18)
    panel.quality_combo.setCurrentIndex(panel.quality_combo.findData(1))
    panel.set_checked(classical_ids(1))
    run_and_wait(qtbot, panel)
    with qtbot.waitSignal(panel.status_message, timeout=10000, check_params_cb=lambda m: m.startswith("Exported")):
        panel.export_to(tmp_path / "cmp.png")
    with (tmp_path / "cmp.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {r["sigma"] for r in rows} == {"18.00"} and {r["sigma_source"] for r in rows} == {"set"}
    assert rows[1]["passes"] == "1" and rows[0]["passes"] == ""  # the input row ran nothing
    assert {r["region"] for r in rows} == {"4 6 24 20"} and rows[0]["image"] == "noisy.png"


def test_long_model_names_neither_truncate_nor_widen_the_window(qtbot, setup):
    from denoise_desktop.gui import compare_job, jobs

    panel, doc, *_ = setup
    width = panel.width()
    long_name = "unet_res_color_real_trained_on_my_holiday_photos_2026-12-03"
    img = doc.original.to_float()
    for k in range(4):
        item = compare_job.CompareItem(f"m{k}", f"{long_name}_{k}", img, jobs.to_qimage(img), 1.0, {"psnr": 30.0, "ssim": 0.9},
                                sigma=10.0, sigma_source="estimated")
        panel._add_item(item)
    qtbot.wait(50)
    assert panel.width() == width
    assert panel.minimumSizeHint().width() < width
    fm = panel.table.fontMetrics()
    assert panel.table.columnWidth(0) >= fm.horizontalAdvance(f"{long_name}_0")


def test_add_classic_models_ticks_the_whole_zoo_in_one_click(qtbot, setup):
    from PySide6.QtCore import Qt

    from denoise_desktop.registry import ModelEntry

    panel, *_ = setup

    def net(model_id, classic=False, trained_on=None):
        return ModelEntry(id=model_id, name=model_id, kind="network", takes_sigma=False, channels=(1,),
                          source="bundled", arch="dncnn", classic=classic, trained_on=trained_on,
                          card={"classic": classic, "trained_on": trained_on} if classic else {})

    entries = [net("unet_res_gray"), net("conv_ae_mnist", True, "MNIST digits (28×28) at σ 127.5"),
               net("rednet_cifar10", True, "CIFAR-10 (32×32) at σ 25.5–255"),
               ModelEntry(id="nlm", name="NLM", kind="classical", takes_sigma=True, channels=(1, 3))]
    panel.set_models(entries)
    assert panel.classic_button.isEnabled() and "classic" in panel.classic_button.toolTip().lower()
    assert "MNIST" in panel.classic_button.toolTip() and "poor results" in panel.classic_button.toolTip()
    panel.set_checked(["nlm"])  # already ticked ones stay ticked
    with qtbot.waitSignal(panel.status_message, check_params_cb=lambda m: "2 classic" in m):
        qtbot.mouseClick(panel.classic_button, Qt.MouseButton.LeftButton)
    assert panel.checked_models() == ["conv_ae_mnist", "rednet_cifar10", "nlm"]
    assert panel.run_button.isEnabled()
    # each classic model's tooltip in the list says what it was trained on
    tips = {panel.model_list.item(i).data(Qt.ItemDataRole.UserRole): panel.model_list.item(i).toolTip()
            for i in range(panel.model_list.count())}
    assert "MNIST digits (28×28) at σ 127.5" in tips["conv_ae_mnist"]
    # none installed: the button says so and does nothing
    panel.set_models([entries[0], entries[-1]])
    assert not panel.classic_button.isEnabled() and "No classic" in panel.classic_button.toolTip()


def test_a_classic_models_result_says_what_it_was_trained_on(setup):
    # the Denoise tab's job: its info carries the note for the status line
    from denoise_desktop import models, paths, weights
    from denoise_desktop.gui import jobs

    _panel, doc, *_ = setup
    weights.save_weights(models.build("dncnn", in_channels=1, depth=3, features=4).eval(),
                         paths.user_models_dir() / "digits.safetensors", {"classic": True, "trained_on": "MNIST digits"})
    out = jobs.denoise(doc.original, "digits", device="cpu")
    assert out.info["trained_on_note"] == "digits was trained on MNIST digits; on other images expect poor results"
    assert "trained_on_note" not in jobs.denoise(doc.original, "gaussian", device="cpu").info
