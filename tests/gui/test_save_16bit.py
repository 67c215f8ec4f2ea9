"""Issue 26, item 10: Save as TIFF from an 8-bit photo can choose 16 bits per channel — the file
really is uint16 (values ×257, so exact) and keeps the photo's EXIF and ICC profile."""

from __future__ import annotations

import numpy as np
import tifffile
from PIL import Image, ImageCms

from denoise_desktop import imageio

from gui_helpers import clean_and_noisy, fast_classical_id


def test_save_as_tiff_from_an_8_bit_photo_can_choose_16_bits(qtbot, window, errors, tmp_path, monkeypatch):
    src = tmp_path / "photo.jpg"
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(clean_and_noisy()[1]).save(src, quality=95, exif=exif.tobytes(), icc_profile=icc)
    with qtbot.waitSignal(window.image_opened, timeout=20000):
        window.open_image(src)
    panel, doc = window.denoise_panel, window.document
    assert panel.set_model(fast_classical_id())
    panel.sigma_auto.setChecked(False)
    with qtbot.waitSignal(doc.result_changed, timeout=30000):
        window.act_denoise.trigger()
    qtbot.waitUntil(lambda: not panel.is_busy() and doc.has_result(), timeout=10000)
    assert doc.result.bit_depth == 8

    eight = tmp_path / "eight.tif"
    with qtbot.waitSignal(panel.saved, timeout=10000):
        panel.save_to(eight)
    assert tifffile.imread(eight).dtype == np.uint8  # unticked: the result's own depth, as before

    box = panel.output_box
    assert box.sixteen_bit.isEnabled() and not box.sixteen_bit.isChecked()
    box.sixteen_bit.setChecked(True)
    sixteen = tmp_path / "sixteen.tif"
    monkeypatch.setattr("denoise_desktop.gui.panels.output_box.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(sixteen), ""))
    with qtbot.waitSignal(panel.saved, timeout=10000):
        window.act_save.trigger()  # Save as…, through its dialog
    raw = tifffile.imread(sixteen)
    assert raw.dtype == np.uint16
    np.testing.assert_array_equal(raw, doc.result.pixels.astype(np.uint16) * 257)
    back = imageio.read_image(sixteen)
    assert back.bit_depth == 16 and back.icc_profile == icc and back.exif and b"TestCam" in back.exif
    box.format_combo.setCurrentIndex(box.format_combo.findData("jpg"))
    assert not box.sixteen_bit.isEnabled()  # JPEG is 8-bit only
    assert not errors
