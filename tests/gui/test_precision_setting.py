"""The Precision setting (Denoise tab): remembered in the settings every tab shares, and every
tab's model loads run at it — handed along explicitly, with no process-wide state in ``jobs``."""

from __future__ import annotations

from denoise_desktop.gui import jobs

from gui_helpers import clean_and_noisy, fast_classical_id, write_png


def test_precision_is_remembered_and_reaches_the_model_loads_of_denoise_and_compare(qtbot, window, tmp_path,
                                                                                    monkeypatch):
    from denoise_desktop import registry

    real_load, loads = registry.load, []
    monkeypatch.setattr(registry, "load", lambda mid, **kw: loads.append(kw["precision"]) or real_load(mid, **kw))
    jobs.clear_denoiser_cache()
    assert not hasattr(jobs, "set_precision") and not hasattr(jobs, "_PRECISION")  # no app-wide global
    panel = window.denoise_panel
    assert panel.precision_combo.currentData() == "auto"
    panel.precision_combo.setCurrentIndex(panel.precision_combo.findData("bf16"))
    assert window.settings.precision == "bf16"

    with qtbot.waitSignal(window.image_opened, timeout=20000):
        window.open_image(write_png(tmp_path / "noisy.png", clean_and_noisy()[1]))
    model = fast_classical_id()
    assert panel.set_model(model)
    panel.sigma_auto.setChecked(False)
    with qtbot.waitSignal(window.document.result_changed, timeout=30000):
        window.act_denoise.trigger()
    assert loads == ["bf16"]  # the Denoise tab's run

    jobs.clear_denoiser_cache()
    compare = window.compare_panel
    compare.set_checked([model])
    with qtbot.waitSignal(compare.comparison_finished, timeout=30000):
        assert compare.run() is not None
    assert loads == ["bf16", "bf16"]  # Compare's, at the Denoise tab's precision, which it names
    assert "precision bf16" in compare.shared_label.text()

    jobs.clear_denoiser_cache()
    loads.clear()
    for precision in ("fp32", "fp32", "bf16"):  # cached per precision: a new one loads anew
        jobs.get_denoiser(model, "cpu", 3, precision=precision)
    assert loads == ["fp32", "bf16"]
    jobs.clear_denoiser_cache()
