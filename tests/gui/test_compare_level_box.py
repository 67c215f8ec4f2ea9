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


def test_a_routed_default_names_the_network_that_ran(tmp_path):
    """Issue 26, item 3: equal scores of the colour default and its real-noise sibling say why."""
    import csv

    import numpy as np
    from PySide6.QtGui import QImage

    from denoise_desktop.gui.compare_job import CompareItem
    from denoise_desktop.gui.panels.compare_export import display_name, write_csv

    x = np.zeros((4, 4, 3), np.float32)
    routed = CompareItem("unet_res_color", "UNet-Res", x, QImage(), 1.0, {"psnr": 30.0},
                              model_used="unet_res_color_real")
    plain = CompareItem("nlm", "NLM", x, QImage(), 1.0, {"psnr": 28.0}, model_used="nlm")
    assert display_name(routed) == "UNet-Res → unet_res_color_real" and display_name(plain) == "NLM"
    path = write_csv([routed, plain], tmp_path / "c.csv", image="x.png")
    rows = list(csv.DictReader(path.open()))
    assert [r["model_used"] for r in rows] == ["unet_res_color_real", "nlm"]
