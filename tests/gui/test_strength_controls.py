"""Luminance / colour / grain controls and presets in the Denoise, Batch and Compare tabs."""

from __future__ import annotations

import numpy as np
import pytest

from denoise_desktop.blend import PRESETS, Strength, chroma, luma
from denoise_desktop.gui import qsettings
from denoise_desktop.gui.panels import strength_controls as sc
from denoise_desktop.gui.panels.batch_panel import BatchPanel
from denoise_desktop.gui.panels.strength_controls import CUSTOM, StrengthControls
from denoise_desktop.settings import AppSettings

from gui_helpers import clean_and_noisy, fast_classical_id, write_png

pytestmark = pytest.mark.gui


def _denoised(qtbot, window, tmp_path):
    _clean, noisy = clean_and_noisy(sigma=10.0)  # mid-range: nothing clips when colour is kept
    path = write_png(tmp_path / "noisy.png", noisy)
    with qtbot.waitSignal(window.image_opened, timeout=10000):
        window.open_image(path)
    panel = window.denoise_panel
    assert panel.set_model(fast_classical_id())
    panel.sigma_auto.setChecked(False)
    panel.sigma_spin.setValue(25)
    with qtbot.waitSignal(window.document.result_changed, timeout=30000):
        window.act_denoise.trigger()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=5000)
    return panel


def test_chroma_control_reblends_live_without_a_model_run(qtbot, window, tmp_path, monkeypatch, errors):
    from denoise_desktop.gui import jobs

    panel = _denoised(qtbot, window, tmp_path)
    doc = window.document
    src = doc.original.pixels.astype(np.float64) / 255
    full = doc.result.pixels.astype(np.float64) / 255
    runs = []
    monkeypatch.setattr(jobs, "denoise", lambda *a, **k: runs.append(a))
    with qtbot.waitSignal(doc.result_changed, timeout=10000):
        panel.chroma_spin.setValue(0)
    out = doc.result.pixels.astype(np.float64) / 255
    assert np.abs(chroma(out) - chroma(src)).max() <= 0.5 / 255 + 1e-9  # the input's colour, rounded once
    assert np.abs(luma(out) - luma(full)).max() <= 1 / 255 + 1e-9  # the denoised luminance
    assert doc.result_info["chroma_strength"] == 0.0 and doc.result_info["luma_strength"] == 1.0
    with qtbot.waitSignal(doc.result_changed, timeout=10000):
        panel.strength_controls.set_value(Strength(0.0, 1.0))
    out = doc.result.pixels.astype(np.float64) / 255
    assert np.abs(luma(out) - luma(src)).max() <= 0.5 / 255 + 1e-9
    with qtbot.waitSignal(doc.result_changed, timeout=10000):
        panel.grain_spin.setValue(50)  # grain of nothing removed is nothing: luma stays the input's
    assert doc.result_info["grain"] == 0.5
    assert runs == [] and errors == []  # no model run for any of it
    s = window.settings
    assert (s.luma_strength, s.chroma_strength, s.grain) == (0.0, 1.0, 0.5)
    assert window.compare_panel.run_options()["strength"] == Strength(0.0, 1.0, 0.5)  # what Compare runs with


def test_presets_pick_save_and_are_shared_between_tabs(qtbot, monkeypatch):
    settings = AppSettings()
    controls = StrengthControls(settings)
    qtbot.addWidget(controls)
    assert controls.current_preset() == "Default"  # the factory setting: all the model removes
    got = []
    controls.changed.connect(got.append)
    controls.preset_combo.setCurrentIndex(controls.preset_combo.findData("Gentle"))
    controls.preset_combo.activated.emit(controls.preset_combo.currentIndex())
    assert controls.value() == PRESETS["Gentle"] and got == [PRESETS["Gentle"]]
    controls.grain_spin.setValue(42)
    assert controls.preset_combo.currentText() == CUSTOM and controls.current_preset() is None
    monkeypatch.setattr(sc.QInputDialog, "getText", lambda *a, **k: ("Film", True))
    controls.save_preset_button.click()
    assert settings.user_presets == {"Film": [0.5, 1.0, 0.42]} and controls.current_preset() == "Film"
    assert controls.delete_preset_action.isEnabled()
    warned = []
    monkeypatch.setattr(sc.QInputDialog, "getText", lambda *a, **k: ("Default", True))
    monkeypatch.setattr(sc.QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    controls.save_preset_button.click()
    assert warned and "built-in" in warned[0] and set(settings.user_presets) == {"Film"}
    # another tab's controls (same settings) list it; the values are the panels' to store
    other = StrengthControls(settings, sliders=False)
    qtbot.addWidget(other)
    assert other.preset_combo.findData("Film") >= 0 and other.current_preset() == "Default"
    assert other.apply_preset("Film") and other.value() == Strength(0.5, 1.0, 0.42)
    # remembered across a restart
    qsettings.save_settings(settings)
    loaded = qsettings.load_settings()
    assert loaded.user_presets == {"Film": [0.5, 1.0, 0.42]}
    controls.delete_preset_action.trigger()
    assert settings.user_presets == {} and controls.preset_combo.findData("Film") < 0


def test_old_single_strength_setting_is_read_as_both(qtbot):
    from PySide6.QtCore import QSettings

    qs = QSettings()
    qs.setValue("settings/strength", "0.6")  # written by a version before the split
    qs.sync()
    s = qsettings.load_settings()
    assert (s.luma_strength, s.chroma_strength, s.grain) == (0.6, 0.6, 0.0)
    qsettings.save_settings(s)
    assert not QSettings().contains("settings/strength")
    assert qsettings.load_settings().blend() == Strength(0.6, 0.6, 0.0)


def test_batch_runs_with_the_chosen_strength(qtbot, runner, tmp_path, monkeypatch):
    from denoise_desktop.gui import batch_job as bj

    seen = []

    def fake_run(request, model_id, device, sigma, strength, **kw):
        seen.append(strength)
        yield from ()

    monkeypatch.setattr(bj, "run_batch", fake_run)
    monkeypatch.setattr(bj, "model_choices", lambda: [])
    src = tmp_path / "a.png"
    write_png(src, clean_and_noisy(16, 16)[1])
    settings = AppSettings(last_batch_out_dir=str(tmp_path / "out"))
    panel = BatchPanel(runner, settings)
    qtbot.addWidget(panel)
    panel.add_inputs([src])
    panel.luma_spin.setValue(60)
    panel.chroma_spin.setValue(100)
    panel.grain_spin.setValue(30)
    assert (settings.luma_strength, settings.grain) == (0.6, 0.3)
    panel.start()
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    assert seen == [Strength(0.6, 1.0, 0.3)]


def test_compare_label_names_luminance_colour_and_grain(qtbot, window):
    window.denoise_panel.strength_controls.set_value(Strength(0.7, 0.2, 0.1))
    compare = window.compare_panel
    compare._update_shared_label()
    text = compare.shared_label.text()
    assert "luminance 70 %" in text and "colour 20 %" in text and "grain 10 %" in text


def test_compare_job_mixes_luminance_and_colour_like_denoise(tmp_path):
    from denoise_desktop.gui.compare_job import compare
    from denoise_desktop.gui.panels.compare_export import write_csv
    from denoise_desktop.imageio import read_image

    path = write_png(tmp_path / "n.png", clean_and_noisy(40, 48, sigma=10.0)[1])
    image = read_image(path)
    model = fast_classical_id()
    full = list(compare(image, [model], sigma=25.0))
    kept = list(compare(image, [model], sigma=25.0, strength=Strength(1.0, 0.0, 0.0)))
    src = kept[0].pixels
    assert np.abs(chroma(kept[1].pixels) - chroma(src)).max() < 1e-5  # float: no rounding at all
    assert np.abs(luma(kept[1].pixels) - luma(full[1].pixels)).max() < 1e-5
    np.testing.assert_array_equal(kept[0].pixels, full[0].pixels)  # the input row is untouched
    import csv

    write_csv(kept, tmp_path / "c.csv", passes=1, strength=Strength(1.0, 0.0, 0.25))
    rows = list(csv.DictReader((tmp_path / "c.csv").open()))
    assert rows[0]["luma_strength"] == "" and (rows[1]["luma_strength"], rows[1]["chroma_strength"],
                                                rows[1]["grain"]) == ("1", "0", "0.25")
