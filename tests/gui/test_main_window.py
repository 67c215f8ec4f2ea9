"""The main window end to end (offscreen, tiny images, a classical model): open → denoise →
slider → save; zoom actions; view modes; hold-to-flip; errors; settings; model import; drops."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from denoise_desktop.gui import qsettings
from denoise_desktop.gui.main_window import MainWindow
from denoise_desktop.settings import AppSettings

from gui_helpers import clean_and_noisy, fast_classical_id, sha, write_png


@pytest.fixture
def noisy_png(tmp_path):
    _clean, noisy = clean_and_noisy()
    return write_png(tmp_path / "noisy.png", noisy)


def open_and_wait(qtbot, window, path):
    with qtbot.waitSignal(window.image_opened, timeout=10000):
        window.open_image(path)


def denoise_and_wait(qtbot, window, model_id=None):
    panel = window.denoise_panel
    assert panel.set_model(model_id or fast_classical_id())
    panel.sigma_auto.setChecked(False)
    panel.sigma_spin.setValue(25)
    with qtbot.waitSignal(window.document.result_changed, timeout=30000):
        window.act_denoise.trigger()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=5000)


def test_open_denoise_slider_save(qtbot, window, noisy_png, tmp_path, errors):
    before_hash = sha(noisy_png)
    open_and_wait(qtbot, window, noisy_png)
    doc = window.document
    assert doc.original.pixels.shape == (48, 64, 3)
    assert str(noisy_png) in window.settings.recent_files
    denoise_and_wait(qtbot, window)
    assert doc.has_result() and doc.result.pixels.shape == doc.original.pixels.shape
    assert not np.array_equal(doc.result.pixels, doc.original.pixels)
    assert window.act_save.isEnabled()
    # the before/after divider shows the result right of it
    view = window.viewer.before_after
    assert view.has_after()
    view.set_divider(0.25)
    assert view.visible_side_at(10) == "before" and view.visible_side_at(40) == "after"
    # save in a worker; the input stays untouched
    out = tmp_path / "out" / "result.png"
    out.parent.mkdir()
    with qtbot.waitSignal(window.denoise_panel.saved, timeout=10000):
        window.denoise_panel.save_to(out)
    assert out.exists() and out.stat().st_size > 0
    assert sha(noisy_png) == before_hash
    from denoise_desktop import imageio

    np.testing.assert_array_equal(imageio.read_image(out).pixels, doc.result.pixels)
    # saving over the input is refused with a message, and nothing is written
    assert window.denoise_panel.save_to(noisy_png) is None
    assert errors and "input" in str(errors[-1][1]).lower()
    assert sha(noisy_png) == before_hash
    assert not errors[:-1]


def test_zoom_actions_change_scale(qtbot, window, tmp_path):
    window.resize(800, 600)  # near the window's minimum (the Batch tab's side column sets it)
    big = write_png(tmp_path / "big.png", clean_and_noisy(600, 960)[1])
    open_and_wait(qtbot, window, big)
    view = window.viewer.before_after
    window.act_fit.trigger()
    fit = view.scale_factor()
    assert fit < 1.0
    window.act_actual.trigger()
    assert view.scale_factor() == pytest.approx(1.0)
    window.act_zoom_in.trigger()
    assert view.scale_factor() > 1.0
    window.act_zoom_out.trigger()
    window.act_zoom_out.trigger()
    assert view.scale_factor() < 1.0
    window.act_fit.trigger()
    assert view.scale_factor() == pytest.approx(fit)
    assert window.zoom_label.text().endswith("%")


def test_view_modes_and_hold_to_flip(qtbot, window, noisy_png):
    open_and_wait(qtbot, window, noisy_png)
    denoise_and_wait(qtbot, window)
    view = window.viewer.before_after
    view.setFocus()
    qtbot.keyPress(view, Qt.Key.Key_Space)
    assert view.is_showing_original() and view.visible_side_at(60) == "before"
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    assert not view.is_showing_original() and view.visible_side_at(60) == "after"

    window.act_side.trigger()
    assert window.viewer.mode() == "side_by_side" and window.settings.compare_mode == "side_by_side"
    titles = window.viewer.side_by_side.titles()
    assert titles[:2] == ["Original", "Denoised"]
    a, b = window.viewer.side_by_side.canvases()[:2]
    a.set_zoom(4.0)
    assert b.scale_factor() == pytest.approx(4.0)

    window.act_diff.trigger()
    qtbot.waitUntil(lambda: window.viewer.diff.canvas.image() is not None, timeout=5000)
    diff = window.viewer.diff.canvas.image()
    assert (diff.width(), diff.height()) == (64, 48)
    window.act_split.trigger()
    assert window.viewer.mode() == "split"


def test_pixel_readout_in_status_bar(qtbot, window, noisy_png):
    open_and_wait(qtbot, window, noisy_png)
    view = window.viewer.before_after
    view.set_zoom(4.0)
    view.centerOn(20, 10)
    pos = view.mapFromScene(QPointF(20, 10))
    qtbot.mouseMove(view.viewport(), pos)
    qtbot.waitUntil(lambda: "x 20" in window.pixel_label.text(), timeout=3000)
    px = window.document.original.pixels[10, 20]
    assert ",".join(str(int(v)) for v in px) in window.pixel_label.text()


def test_worker_exception_shows_error_and_app_stays_usable(qtbot, window, noisy_png, errors, monkeypatch):
    open_and_wait(qtbot, window, noisy_png)
    from denoise_desktop.gui import jobs

    real = jobs.denoise

    def broken(*args, **kwargs):
        raise RuntimeError("simulated model crash")

    monkeypatch.setattr(jobs, "denoise", broken)
    window.denoise_panel.set_model(fast_classical_id())
    window.act_denoise.trigger()
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    title, err = errors[-1]
    assert "simulated model crash" in str(err)
    assert not window.denoise_panel.is_busy()
    assert window.denoise_panel.denoise_button.isEnabled()
    monkeypatch.setattr(jobs, "denoise", real)
    denoise_and_wait(qtbot, window)
    assert window.document.has_result()


def test_open_bad_file_reports_the_file(qtbot, window, tmp_path, errors):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not an image at all")
    window.open_image(bad)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert "broken.png" in errors[-1][0] + str(errors[-1][1])
    assert not window.document.has_image()


def test_bad_model_file_gives_clear_message(qtbot, window, tmp_path, errors):
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"\x00garbage that is not a checkpoint" * 10)
    window.handle_dropped([junk])  # a drop of a model file imports it
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    title, err = errors[-1]
    assert "junk.pth" in title + str(err)
    assert "could not be imported" in str(err)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    window.denoise_panel.import_model_file(text)
    assert "not a model file" in str(errors[-1][1])


def test_imported_network_appears_in_picker_and_denoises(qtbot, window, noisy_png, tmp_path):
    import torch

    from denoise_desktop import models, weights

    torch.manual_seed(0)
    net = models.build("dncnn", "color", depth=3, features=8)
    src = tmp_path / "tiny_dncnn.safetensors"
    weights.save_weights(net, src, {"name": "Tiny DnCNN", "description": "random weights for tests"})
    ids_before = window.denoise_panel.model_ids()
    with qtbot.waitSignal(window.denoise_panel.models_changed, timeout=20000):
        window.handle_dropped([src])
    new_id = window.denoise_panel.current_model_id()
    assert new_id not in ids_before
    assert set(window.denoise_panel.model_ids()) == set(ids_before) | {new_id}
    assert window.denoise_panel.current_entry().kind == "network"
    open_and_wait(qtbot, window, noisy_png)
    p = window.denoise_panel
    p.quality_combo.setCurrentIndex(p.quality_combo.findData(2))
    denoise_and_wait(qtbot, window, new_id)
    assert window.document.result.pixels.shape == (48, 64, 3)
    assert "2 passes" in p.progress_label.text()  # the Quality used is reported


def test_settings_round_trip(qtbot):
    s = AppSettings()
    s.sigma, s.sigma_mode, s.strength, s.device, s.tile = 37.0, "manual", 0.6, "cpu", 512
    s.model_color, s.jpeg_quality, s.keep_metadata = "some-model", 80, False
    s.add_recent("/tmp/a.png")
    s.add_recent("/tmp/b.png")
    qsettings.save_settings(s)
    loaded = qsettings.load_settings()
    assert loaded == s
    one = AppSettings()
    one.add_recent("/tmp/only.png")
    qsettings.save_settings(one)
    assert qsettings.load_settings().recent_files == ["/tmp/only.png"]
    assert qsettings.settings_file().startswith(str(Path(qsettings.settings_file()).parent))


def test_window_remembers_choices(qtbot, runner, errors):
    w = MainWindow(runner, qsettings.load_settings())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.denoise_panel.model_combo.count() > 0, timeout=20000)
    model = fast_classical_id()
    w.denoise_panel.set_model(model)
    w.denoise_panel.sigma_auto.setChecked(False)
    w.denoise_panel.sigma_spin.setValue(42)
    w.denoise_panel.luma_spin.setValue(70)
    w.denoise_panel.grain_spin.setValue(20)
    w.denoise_panel.tile_combo.setCurrentIndex(w.denoise_panel.tile_combo.findData(256))
    w.denoise_panel.quality_combo.setCurrentIndex(w.denoise_panel.quality_combo.findData(8))
    qtbot.waitUntil(lambda: w.denoise_panel.device_combo.findData("cpu") >= 0, timeout=20000)
    w.denoise_panel.device_combo.setCurrentIndex(w.denoise_panel.device_combo.findData("cpu"))
    w.resize(780, 560)  # inside the offscreen screen (800×600): restoreGeometry clamps to it
    w.splitter.setSizes([440, 300])
    sizes = w.splitter.sizes()
    w.tabs.setCurrentIndex(1)
    w.close()

    w2 = MainWindow(runner, qsettings.load_settings())
    qtbot.addWidget(w2)
    w2.show()
    qtbot.waitUntil(lambda: w2.denoise_panel.model_combo.count() > 0, timeout=20000)
    p = w2.denoise_panel
    assert p.current_model_id() == model
    assert not p.sigma_auto.isChecked() and p.sigma_spin.value() == 42
    assert p.settings_box.sigma_slider.value() == 42  # the slider shows the remembered σ too
    assert (p.luma_spin.value(), p.chroma_spin.value(), p.grain_spin.value()) == (70, 100, 20)
    assert (w2.settings.luma_strength, w2.settings.chroma_strength, w2.settings.grain) == (0.7, 1.0, 0.2)
    assert p.tile_combo.currentData() == 256
    assert p.quality_combo.currentData() == 8 and w2.settings.ensemble == 8
    assert w2.settings.device == "cpu"
    qtbot.waitUntil(lambda: p.device() == "cpu", timeout=20000)
    assert w2.device_label.text().startswith("Device: CPU")
    assert w2.tabs.currentIndex() == 1
    w2.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: w2.splitter.sizes() == sizes, timeout=3000)
    w2.close()


def test_batch_and_training_tabs_are_wired(qtbot, window):
    from denoise_desktop.gui.panels.batch_panel import BatchPanel
    from denoise_desktop.gui.panels.training_panel import TrainingPanel

    assert isinstance(window.batch_panel, BatchPanel)
    assert isinstance(window.training_panel, TrainingPanel)
    with qtbot.waitSignal(window.denoise_panel.models_changed, timeout=20000):
        window.training_panel.model_trained.emit("/nonexistent/model.safetensors")


def test_drop_folder_goes_to_batch(qtbot, window, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    write_png(folder / "a.png", clean_and_noisy()[1])
    window.handle_dropped([folder])
    assert window.tabs.currentIndex() == 2
    assert any(Path(p) == folder for p in window.batch_panel.inputs())


def test_drop_image_opens_it(qtbot, window, noisy_png):
    with qtbot.waitSignal(window.image_opened, timeout=10000):
        window.handle_dropped([noisy_png])
    assert window.document.path == noisy_png
    assert window.windowTitle().startswith("noisy.png")


@pytest.mark.parametrize("panel,confirm", [("training_panel", "confirm_quit_while_training"),
                                           ("batch_panel", "confirm_quit_while_batch")])
def test_quit_while_training_or_a_batch_runs_asks_first(qtbot, window, monkeypatch, panel, confirm):
    monkeypatch.setattr(getattr(window, panel), "is_running", lambda: True)
    monkeypatch.setattr(getattr(window, panel), "shutdown", lambda *a, **k: None)
    answers = [False, True]
    monkeypatch.setattr(window, confirm, lambda: answers.pop(0))
    window.close()
    assert window.isVisible() and answers == [True]
    window.close()
    assert not window.isVisible() and answers == []


def test_space_anywhere_on_the_tab_flips_but_not_on_buttons(qtbot, window, noisy_png, monkeypatch):
    asked = []
    monkeypatch.setattr("denoise_desktop.gui.dialogs.import_model.ask_model_file", lambda *a: asked.append(a))
    open_and_wait(qtbot, window, noisy_png)
    denoise_and_wait(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    view = window.viewer.before_after
    window.denoise_panel.progress.setFocus()  # a widget with no use for Space
    qtbot.keyPress(window.denoise_panel.progress, Qt.Key.Key_Space)
    assert view.is_showing_original()
    qtbot.keyRelease(window.denoise_panel.progress, Qt.Key.Key_Space)
    assert not view.is_showing_original()
    button = window.denoise_panel.import_button
    button.setFocus()
    qtbot.keyPress(button, Qt.Key.Key_Space)
    assert not view.is_showing_original()
    qtbot.keyRelease(button, Qt.Key.Key_Space)
    assert len(asked) == 1  # the button got its Space: it was pressed


def test_16bit_image_display_readout_and_tiff_save(qtbot, window, tmp_path):
    import tifffile

    from denoise_desktop import imageio

    clean, noisy = clean_and_noisy(32, 40)
    px16 = noisy.astype(np.uint16) * 257 + 3  # full 16-bit range, not a plain 8-bit copy
    src = tmp_path / "deep.tif"
    tifffile.imwrite(src, px16)
    open_and_wait(qtbot, window, src)
    doc = window.document
    assert doc.original.bit_depth == 16 and doc.original.pixels.dtype == np.uint16
    shown = doc.original_qimage.pixelColor(5, 7)
    assert (shown.red(), shown.green(), shown.blue()) == tuple(int(v) >> 8 for v in px16[7, 5])
    window.viewer._on_pixel(5, 7)
    assert f"16-bit {','.join(str(int(v)) for v in px16[7, 5])}" in window.pixel_label.text()
    denoise_and_wait(qtbot, window)
    out = tmp_path / "deep_denoised.tif"
    with qtbot.waitSignal(window.denoise_panel.saved, timeout=10000):
        window.denoise_panel.save_to(out)
    back = imageio.read_image(out)
    assert back.pixels.dtype == np.uint16
    np.testing.assert_array_equal(back.pixels, doc.result.pixels)


def test_cancel_running_denoise_with_escape_action(qtbot, window, noisy_png, monkeypatch):
    import time

    from denoise_desktop.gui import jobs

    def slow(image, model_id, *, progress, **kwargs):
        for i in range(1000):
            progress.set(i / 1000, "working")
            progress.check_cancelled()
            time.sleep(0.005)
        raise AssertionError("should have been cancelled")

    monkeypatch.setattr(jobs, "denoise", slow)
    open_and_wait(qtbot, window, noisy_png)
    window.act_denoise.trigger()
    qtbot.waitUntil(lambda: window.act_cancel.isEnabled() and window.denoise_panel.progress.value() > 0, timeout=5000)
    window.act_cancel.trigger()
    qtbot.waitUntil(lambda: not window.denoise_panel.is_busy(), timeout=5000)
    assert window.denoise_panel.progress_label.text() == "Cancelled."
    assert window.denoise_panel.progress.value() == 0  # (issue 26, item 9: not left ~97 % full)
    assert not window.document.has_result()
    assert not window.act_cancel.isEnabled()


def test_about_lists_versions_and_devices(qtbot, window):
    from denoise_desktop import __version__
    from denoise_desktop.gui.dialogs.about import AboutDialog

    qtbot.waitUntil(lambda: bool(window.devices), timeout=20000)
    dialog = AboutDialog(window.devices, "/somewhere/settings.ini", window)
    qtbot.addWidget(dialog)
    text = dialog.details.toPlainText()
    assert f"Denoise Desktop {__version__}" in text
    assert "PySide6" in text and "torch" in text
    assert "cpu:" in text and "/somewhere/settings.ini" in text


def test_file_io_and_model_work_stay_off_the_gui_thread(qtbot, window, noisy_png, tmp_path, monkeypatch):
    import threading

    from denoise_desktop import engine, imageio

    on_gui: list[str] = []
    called: set[str] = set()

    def watch(module, name):
        real = getattr(module, name)

        def wrapper(*args, **kwargs):
            called.add(name)
            if threading.current_thread() is threading.main_thread():
                on_gui.append(name)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    watch(imageio, "read_image")
    watch(imageio, "write_image")
    watch(engine, "denoise_image")
    open_and_wait(qtbot, window, noisy_png)
    denoise_and_wait(qtbot, window)
    with qtbot.waitSignal(window.denoise_panel.saved, timeout=10000):
        window.denoise_panel.save_to(tmp_path / "x.png")
    assert (tmp_path / "x.png").exists()
    assert called == {"read_image", "write_image", "denoise_image"}
    assert on_gui == []


def test_open_recent_menu(qtbot, window, noisy_png):
    open_and_wait(qtbot, window, noisy_png)
    window._fill_recent_menu()
    texts = [a.text() for a in window.recent_menu.actions()]
    assert texts[0] == str(noisy_png)
    window.document.set_original(None, None, None)
    with qtbot.waitSignal(window.image_opened, timeout=10000):
        window.recent_menu.actions()[0].trigger()
    assert window.document.path == noisy_png


def test_save_as_dialog_suggests_a_name_beside_the_input(qtbot, window, noisy_png, monkeypatch):
    open_and_wait(qtbot, window, noisy_png)
    denoise_and_wait(qtbot, window)
    panel = window.denoise_panel
    panel.format_combo.setCurrentIndex(panel.format_combo.findData("jpg"))
    asked = []

    def fake_dialog(parent, caption, directory, filters, selected=""):
        asked.append((directory, selected))
        return "", ""  # the user cancels

    monkeypatch.setattr("denoise_desktop.gui.panels.output_box.QFileDialog.getSaveFileName", fake_dialog)
    window.act_save.trigger()
    directory, selected = asked[0]
    assert Path(directory) == noisy_png.parent / "noisy_denoised.jpg"
    assert "*.jpg" in selected


def test_strength_slider_reblends_without_running_the_model(qtbot, window, noisy_png, monkeypatch):
    from denoise_desktop.gui import jobs

    open_and_wait(qtbot, window, noisy_png)
    denoise_and_wait(qtbot, window)
    doc = window.document
    full = doc.result.pixels.astype(np.int32)
    orig = doc.original.pixels.astype(np.int32)
    runs = []
    monkeypatch.setattr(jobs, "denoise", lambda *a, **k: runs.append(a))
    with qtbot.waitSignal(doc.result_changed, timeout=10000):
        window.denoise_panel.strength_controls.set_value(0.0)
    assert np.abs(doc.result.pixels.astype(np.int32) - orig).max() <= 1
    with qtbot.waitSignal(doc.result_changed, timeout=10000):
        window.denoise_panel.strength_controls.set_value(0.5)
    half = doc.result.pixels.astype(np.int32)
    assert np.abs(half - (orig + full) / 2).max() <= 1
    assert doc.result_info["strength"] == pytest.approx(0.5)
    assert runs == []  # no model run for a strength change


def test_quality_choice_reaches_every_model_run(qtbot, window, noisy_png, monkeypatch):
    from denoise_desktop.gui import jobs

    real, seen = jobs.denoise, []

    def spy(*a, **k):
        seen.append(k.get("ensemble"))
        return real(*a, **k)

    monkeypatch.setattr(jobs, "denoise", spy)
    p = window.denoise_panel
    p.quality_combo.setCurrentIndex(p.quality_combo.findData(4))
    open_and_wait(qtbot, window, noisy_png)
    denoise_and_wait(qtbot, window)
    assert seen == [4]
    assert window.settings.ensemble == 4  # remembered (Batch and Compare have their own Quality)
    assert window.compare_panel.run_options()["ensemble"] == window.settings.compare_ensemble != 4



def test_f_and_1_work_while_a_number_field_has_focus(qtbot, window, noisy_png):
    open_and_wait(qtbot, window, noisy_png)
    spin = window.denoise_panel.luma_spin
    canvas = window.viewer.current_canvas()
    window.viewer.actual_size()
    actual = canvas.scale_factor()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    qtbot.keyClick(spin, Qt.Key.Key_F)
    assert canvas.scale_factor() != actual  # fitted
    assert spin.hasFocus()  # the field keeps the focus: F was a view command, not input
    # digits type into the field; Enter commits and hands the keyboard back to the image
    spin.selectAll()
    qtbot.keyClicks(spin, "40")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert spin.value() == 40
    qtbot.waitUntil(lambda: not spin.hasFocus())
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_1)
    assert canvas.scale_factor() == pytest.approx(actual)


def test_a_compare_run_does_not_widen_the_window(qtbot, window, noisy_png):
    from denoise_desktop.gui.compare_job import CompareItem
    from denoise_desktop.gui.viewer.convert import to_qimage

    open_and_wait(qtbot, window, noisy_png)
    window.resize(1280, 800)
    qtbot.wait(50)
    window.tabs.setCurrentWidget(window.compare_panel)
    width = window.width()
    img = window.document.original.to_float()
    for k in range(6):
        name = f"unet_res_color_real trained on a very long folder name {k}"
        window.compare_panel._add_item(CompareItem(f"m{k}", name, img, to_qimage(img), 1.0,
                                                        {"psnr": 30.0, "ssim": 0.9}, sigma=10.0, sigma_source="estimated"))
    qtbot.wait(100)
    assert window.width() == width


def test_a_gif_opens_and_save_suggests_png(qtbot, window, tmp_path):
    from PIL import Image

    _clean, noisy = clean_and_noisy()
    gif = tmp_path / "anim.gif"
    Image.fromarray(noisy).save(gif)
    open_and_wait(qtbot, window, gif)
    assert window.document.has_image()
    assert window.denoise_panel.output_suffix() == ".png"  # "Same as input" cannot write a GIF


def test_a_broken_user_model_is_named_with_its_reason(qtbot, runner, errors):
    from denoise_desktop import paths

    folder = paths.user_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "half_downloaded.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{garbage")
    w = MainWindow(runner, AppSettings())
    qtbot.addWidget(w)
    messages = []
    w.denoise_panel.status_message.connect(messages.append)
    qtbot.waitUntil(lambda: w.denoise_panel.model_combo.count() > 0, timeout=20000)
    qtbot.waitUntil(lambda: any("not usable" in m for m in messages), timeout=5000)
    assert any("half_downloaded" in m for m in messages)
    assert w.denoise_panel.model_combo.findData("half_downloaded") < 0  # the others still listed
    w.close()


def test_the_window_fits_a_small_laptop_screen(window):
    # every tab's minimum fits 1024×640 (long model names, captions and placeholders wrap or elide)
    hint = window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 640, hint


def test_gray_photo_gets_the_gray_default_and_each_kind_remembers_its_model(qtbot, window, tmp_path):
    from denoise_desktop import registry

    panel = window.denoise_panel
    rng = np.random.default_rng(3)
    color = write_png(tmp_path / "color.png", (rng.random((32, 40, 3)) * 255).astype(np.uint8))
    gray = write_png(tmp_path / "gray.png", (rng.random((32, 40)) * 255).astype(np.uint8))
    open_and_wait(qtbot, window, color)
    assert panel.current_model_id() == registry.default_model_id((3,))
    open_and_wait(qtbot, window, gray)  # nothing remembered for gray yet: its own default
    assert panel.current_model_id() == registry.default_model_id((1,))
    assert registry.default_model_id((1,)) != registry.default_model_id((3,))
    assert panel.set_model(fast_classical_id())  # the user's pick for gray photos
    open_and_wait(qtbot, window, color)
    assert panel.current_model_id() == registry.default_model_id((3,))
    open_and_wait(qtbot, window, gray)
    assert panel.current_model_id() == fast_classical_id()


def test_auto_says_which_noise_it_found_for_a_single_network(qtbot, window, tmp_path, monkeypatch):
    """The status line names the noise kind for gray photos too (one network, no routing)."""
    from denoise_desktop import noise_estimate, registry

    monkeypatch.setattr(noise_estimate, "estimate_noise",
                        lambda img: noise_estimate.NoiseEstimate(4.5, True, 1.0, 2.0, 4.5))
    gray = write_png(tmp_path / "gray.png", (np.random.default_rng(5).random((32, 40)) * 255).astype(np.uint8))
    open_and_wait(qtbot, window, gray)
    panel = window.denoise_panel
    qtbot.waitUntil(lambda: window.document.estimated_sigma is not None, timeout=10000)
    assert window.document.estimated_sigma == 4.5 and window.document.noise_kind == "camera/JPEG noise"
    assert panel.sigma_estimate.text() == "Estimated: 4.5 (camera/JPEG noise; std. dev., 0–255)"
    assert panel.current_model_id() == registry.default_model_id((1,)) and panel.sigma_auto.isChecked()
    with qtbot.waitSignal(window.document.result_changed, timeout=30000):
        window.act_denoise.trigger()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=5000)
    assert "σ 4.5 (estimated, camera/JPEG noise)" in panel.progress_label.text()


def test_reference_follows_the_picture_not_the_size(qtbot, window, noisy_png, tmp_path, errors):
    """Compare's reference stays for another noisy version of the same photo and goes, with a
    word in the status line, when a different photo of the same size opens."""
    clean, _ = clean_and_noisy()
    clean_path = write_png(tmp_path / "clean.png", clean)
    again = write_png(tmp_path / "noisy_again.png", clean_and_noisy(seed=1)[1])
    other = write_png(tmp_path / "other.png", np.ascontiguousarray(clean_and_noisy(seed=2)[1][::-1, ::-1]))
    doc = window.document
    open_and_wait(qtbot, window, noisy_png)
    with qtbot.waitSignal(doc.reference_changed, timeout=10000):
        window.compare_panel.load_reference(clean_path)
    assert doc.reference_path == clean_path
    open_and_wait(qtbot, window, again)
    assert doc.reference_path == clean_path
    assert "reference clean.png kept" in window.statusBar().currentMessage()
    open_and_wait(qtbot, window, other)
    assert doc.reference is None
    assert "reference clean.png cleared" in window.statusBar().currentMessage()
    assert "No reference" in window.compare_panel.reference_label.text()
    assert not errors


def test_photon_noise_is_found_named_and_can_be_overridden(qtbot, window, tmp_path, errors):
    """A dark 16-bit microscopy-like frame: Auto takes the photon route (fitted variance in the
    status line, brightness kept); Noise → White runs the Gaussian route; the choice is remembered."""
    import tifffile

    rng = np.random.default_rng(4)
    yy, xx = np.mgrid[0:128, 0:128] / 128
    clean = 0.03 + 0.25 * xx * yy + 0.2 * ((yy - 0.5) ** 2 + (xx - 0.5) ** 2 < 0.04)
    frame = np.clip(rng.poisson(clean / 0.003) * 0.003 + rng.normal(0, 0.002, clean.shape), 0, 1)
    path = tmp_path / "frame.tif"
    tifffile.imwrite(path, np.round(frame * 65535).astype(np.uint16))
    open_and_wait(qtbot, window, path)
    panel = window.denoise_panel
    qtbot.waitUntil(lambda: panel.model_combo.count() > 0, timeout=20000)
    assert panel.current_model_id() == "unet_res_gray" and panel.noise_combo.currentData() == "auto"
    with qtbot.waitSignal(window.document.result_changed, timeout=60000):
        window.act_denoise.trigger()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=10000)
    status = panel.progress_label.text()
    assert "photon noise, variance = " in status and "unet_res_gray stabilised" in status
    out = window.document.result.pixels
    assert out.dtype == np.uint16  # 16-bit in, 16-bit out, never rescaled
    assert abs(float(out.mean()) - float(window.document.original.pixels.mean())) < 0.3 * 257
    panel.noise_combo.setCurrentIndex(panel.noise_combo.findData("gaussian"))
    assert window.settings.noise == "gaussian"
    with qtbot.waitSignal(window.document.result_changed, timeout=60000):
        window.act_denoise.trigger()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=10000)
    assert "white noise" in panel.progress_label.text() and "photon" not in panel.progress_label.text()
    assert not errors
