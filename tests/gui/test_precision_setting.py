"""The Precision setting (Denoise tab): remembered, and every tab's next model load runs at it."""

from __future__ import annotations

from denoise_desktop.gui import jobs


def test_precision_is_remembered_and_reaches_the_model_loads(qtbot, window, monkeypatch):
    monkeypatch.setattr(jobs, "_PRECISION", ["auto"])  # process-wide: restored after the test
    panel = window.denoise_panel
    assert panel.precision_combo.currentData() == "auto" and jobs.precision() == "auto"
    panel.precision_combo.setCurrentIndex(panel.precision_combo.findData("bf16"))
    assert window.settings.precision == "bf16" and jobs.precision() == "bf16"

    loads = []
    monkeypatch.setattr("denoise_desktop.registry.load", lambda mid, **kw: loads.append(kw["precision"]) or object())
    jobs.clear_denoiser_cache()
    jobs.get_denoiser("some_model", "cpu", 3)
    jobs.get_denoiser("some_model", "cpu", 3)  # cached at the same precision
    panel.precision_combo.setCurrentIndex(panel.precision_combo.findData("fp32"))
    jobs.get_denoiser("some_model", "cpu", 3)  # a new precision loads anew
    assert loads == ["bf16", "fp32"]
    jobs.clear_denoiser_cache()
