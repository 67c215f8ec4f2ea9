"""Issue 26, item 1: a result made with other settings is never shown, re-mixed or saved."""

from __future__ import annotations

from gui_helpers import classical_ids, clean_and_noisy, write_png


def _denoised(qtbot, window, tmp_path):
    _, noisy = clean_and_noisy()
    src = write_png(tmp_path / "noisy.png", noisy)
    with qtbot.waitSignal(window.image_opened, timeout=20000):
        window.open_image(src)
    panel, doc = window.denoise_panel, window.document
    first, second = classical_ids(2)
    assert panel.set_model(first)
    panel.sigma_auto.setChecked(False)
    panel.sigma_spin.setValue(20)
    with qtbot.waitSignal(doc.result_changed, timeout=30000):
        window.act_denoise.trigger()
    qtbot.waitUntil(lambda: not panel.is_busy() and doc.has_result(), timeout=10000)
    return panel, doc, second


def test_another_model_sigma_or_noise_drops_the_result(qtbot, window, errors, tmp_path):
    panel, doc, second = _denoised(qtbot, window, tmp_path)
    assert panel.save_button.isEnabled()
    panel.strength_controls.changed.emit(panel.strength())  # a strength change is a re-mix: the result stays
    assert doc.has_result()
    panel.set_model(second)
    assert not doc.has_result() and not panel.save_button.isEnabled()
    assert "Settings changed" in panel.progress_label.text()
    for change in (lambda: panel.sigma_spin.setValue(30), lambda: panel.noise_combo.setCurrentIndex(
            (panel.noise_combo.currentIndex() + 1) % panel.noise_combo.count())):
        with qtbot.waitSignal(doc.result_changed, timeout=30000):
            window.act_denoise.trigger()
        qtbot.waitUntil(lambda: not panel.is_busy() and doc.has_result(), timeout=10000)
        change()
        assert not doc.has_result()
    assert not errors


def test_a_result_that_arrives_after_the_settings_changed_is_dropped(qtbot, window, errors, tmp_path):
    panel, doc, second = _denoised(qtbot, window, tmp_path)
    out, image = panel._full, doc.original
    key = panel.result_key()
    panel.set_model(second)  # (clears the shown result)
    panel._on_denoised(out, image, key)  # the old run finishing late
    assert not doc.has_result()
    panel._on_denoised(out, image, panel.result_key())  # a run with today's settings shows
    assert doc.has_result() and not errors
