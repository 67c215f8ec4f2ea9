"""Issue 26, item 5: Compare's greyed σ box shows the level Auto found, not a manual 25 it ignores."""

from __future__ import annotations

from gui_helpers import clean_and_noisy, write_png


def test_auto_shows_the_estimate_and_manual_gets_its_own_value_back(qtbot, window, tmp_path):
    panel = window.compare_panel
    window.settings.compare_sigma = 25.0
    panel.sigma_auto.setChecked(False)
    panel.sigma_spin.setValue(25)
    panel.sigma_auto.setChecked(True)
    assert panel.sigma_spin.text() == "auto"  # no image yet: nothing estimated
    _, noisy = clean_and_noisy(sigma=10.0)
    with qtbot.waitSignal(window.image_opened, timeout=20000):
        window.open_image(write_png(tmp_path / "noisy.png", noisy))
    qtbot.waitUntil(lambda: window.document.estimated_sigma is not None, timeout=20000)
    est = window.document.estimated_sigma
    assert panel.sigma_spin.value() == round(est) and panel.sigma_spin.value() != 25
    assert f"{est:.2f}" in panel.sigma_spin.toolTip()
    assert window.settings.compare_sigma == 25.0  # the user's manual σ is kept
    panel.sigma_auto.setChecked(False)
    assert panel.sigma_spin.value() == 25 and panel.sigma_spin.isEnabled()
    assert panel.run_options()["sigma"] == 25.0
