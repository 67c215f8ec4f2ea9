"""Opening a camera RAW in the window: the quick preview first, then the full 16-bit develop."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("rawpy")

from denoise_desktop.gui.panels.choices import image_filter  # noqa: E402
from dng_helpers import write_dng_with_preview  # noqa: E402
from gui_helpers import fast_classical_id, sha  # noqa: E402


def test_file_dialogs_offer_raw_files():
    f = image_filter()
    assert "*.dng" in f and "*.NEF" in f and "*.cr3" in f and "*.png" in f


def test_raw_opens_with_preview_then_full_develop_and_saves_16_bit_tiff(qtbot, window, errors, tmp_path):
    src = write_dng_with_preview(tmp_path / "shot.dng")
    before = sha(src)
    previews = []
    shown = window._on_preview

    def record(task, loaded):
        previews.append(loaded)
        shown(task, loaded)

    window._on_preview = record
    with qtbot.waitSignal(window.image_opened, timeout=20000):
        window.open_image(src)
    assert previews and previews[0].image.pixels.shape == (40, 60, 3)  # the embedded preview
    doc = window.document
    assert doc.original.bit_depth == 16 and doc.original.pixels.shape == (64, 96, 3)
    assert doc.original.icc_profile and doc.original.exif
    assert window.denoise_panel.output_suffix() == ".tif"
    panel = window.denoise_panel
    assert panel.set_model(fast_classical_id())
    panel.sigma_auto.setChecked(False)
    panel.sigma_spin.setValue(10)
    with qtbot.waitSignal(doc.result_changed, timeout=30000):
        window.act_denoise.trigger()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=5000)
    out = tmp_path / "shot_denoised.tif"
    with qtbot.waitSignal(panel.saved, timeout=10000):
        panel.save_to(out)
    from denoise_desktop import imageio

    back = imageio.read_image(out)
    assert back.bit_depth == 16 and back.exif and back.icc_profile
    np.testing.assert_array_equal(back.pixels, doc.result.pixels)
    assert sha(src) == before and not errors


def test_unreadable_raw_names_the_file(qtbot, window, errors, tmp_path):
    bad = tmp_path / "broken.nef"
    bad.write_bytes(b"II*\x00" + b"\x00" * 100)
    window.open_image(bad)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    title, err = errors[0]
    assert "broken.nef" in title + str(err)


def test_default_model_denoises_a_raw_on_its_mosaic_and_the_menu_turns_it_off(qtbot, window, errors, tmp_path):
    from denoise_desktop import registry
    from dng_helpers import write_dng

    if registry.mosaic_model_id() is None:
        pytest.skip("no bundled RAW-mosaic network")
    src = write_dng(tmp_path / "noisy.dng", h=64, w=96, noise=0.03, seed=2)
    before = sha(src)
    with qtbot.waitSignal(window.image_opened, timeout=20000):
        window.open_image(src)
    panel, doc = window.denoise_panel, window.document
    qtbot.waitUntil(lambda: panel.current_model_id() is not None, timeout=20000)
    assert panel.set_model(registry.default_model_id(3)) and panel.sigma_auto.isChecked()
    assert window.act_raw_mosaic.isChecked()
    qtbot.waitUntil(lambda: doc.estimated_sigma is not None, timeout=20000)
    panel.refresh_estimate()
    assert "denoised on its sensor mosaic" in panel.sigma_estimate.text()  # not the level it will use
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    with qtbot.waitSignal(doc.result_changed, timeout=60000):
        window.act_denoise.trigger()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=5000)
    assert doc.result.pixels.shape == doc.original.pixels.shape and doc.result.bit_depth == 16
    said = " ".join(messages) + panel.progress_label.text()
    assert "RAW mosaic (RGGB" in said, said
    window.act_raw_mosaic.trigger()  # off: both tabs develop first now
    assert window.settings.raw_on_mosaic is False and not window.batch_panel.raw_mosaic_check.isChecked()
    assert "sensor mosaic" not in panel.sigma_estimate.text()  # the estimate is the level used again
    messages.clear()
    with qtbot.waitSignal(doc.result_changed, timeout=60000):
        window.act_denoise.trigger()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=5000)
    assert "RAW mosaic" not in " ".join(messages) + panel.progress_label.text()
    assert sha(src) == before and not errors
