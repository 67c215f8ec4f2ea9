"""Batch tab: cancel leaves nothing partial and resumes, failures don't stop the queue, pause."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PIL import Image

from denoise_desktop.gui import batch_job as bj
from denoise_desktop.gui.panels import batch_panel as bp
from denoise_desktop.gui.panels.batch_panel import BatchPanel
from denoise_desktop.progress import NOOP
from denoise_desktop.settings import AppSettings

pytestmark = pytest.mark.gui


class SlowDenoiser:
    """Halves the image in ``steps`` cancellable steps (like tiles), sleeping ``delay`` in total."""

    id = "slow"
    takes_sigma = True
    channels = (1, 3)

    def __init__(self, delay: float = 0.0, steps: int = 5) -> None:
        self.delay = delay
        self.steps = steps
        self.calls = 0
        self.gate = threading.Event()
        self.gate.set()

    def denoise(self, img, sigma=None, strength=1.0, progress=NOOP):
        self.calls += 1
        for i in range(self.steps):
            progress.check_cancelled()
            time.sleep(self.delay / self.steps)
            progress.set((i + 1) / self.steps)
        return (img * 0.5).astype(np.float32)


@pytest.fixture
def images(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(6):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(folder / f"img{i}.png")
    return folder


@pytest.fixture
def fake(monkeypatch):
    den = SlowDenoiser()
    monkeypatch.setattr(bj, "model_choices", lambda: [("Slow fake", "slow", (1, 3))])
    def load(model_id, device, ensemble=1, precision="auto", noise="auto"):
        den.ensemble = ensemble
        den.precision = precision
        den.model_id = model_id
        den.noise = noise
        return den

    monkeypatch.setattr(bj, "load_denoiser", load)
    return den


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(bp.QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append(text))
    monkeypatch.setattr(bp.QMessageBox, "critical", lambda parent, title, text, *a, **k: shown.append(text))
    return shown


def _panel(qtbot, runner, inputs, out_dir, **settings):
    panel = BatchPanel(runner, AppSettings(last_batch_out_dir=str(out_dir), naming="{stem}_dn", **settings))
    qtbot.addWidget(panel)
    panel.add_inputs(inputs)
    _listed(qtbot, panel)
    return panel


def _listed(qtbot, panel):
    """Models arrive from a worker (listing imports torch); wait for them."""
    panel.refresh_models()
    qtbot.waitUntil(lambda: panel._catalog_task is None, timeout=30_000)


def _start_and_wait(qtbot, panel, timeout=20_000):
    with qtbot.waitSignal(panel.batch_finished, timeout=timeout) as blocker:
        assert panel.start()
    return blocker.args[0]


def _leftovers(out_dir, expected_names):
    return sorted(p.name for p in out_dir.rglob("*") if p.name not in expected_names)


def test_cancel_leaves_no_partial_file_and_skip_existing_resumes(qtbot, runner, images, tmp_path, fake):
    fake.delay = 0.25
    out = tmp_path / "out"
    panel = _panel(qtbot, runner, [images], out, skip_existing=True)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.model.counts()["done"] >= 2, timeout=20_000)
    with qtbot.waitSignal(panel.batch_finished, timeout=20_000) as blocker:
        panel.cancel()
    summary = blocker.args[0]
    states = panel.model.states()
    n_done = states.count("done")
    assert summary["state"] == "cancelled" and summary["done"] == n_done
    # Plan order: done rows first, then the one interrupted (none if the cancel fell between two
    # items), then the untouched queue.
    n_cancelled = states.count("cancelled")
    assert n_cancelled <= 1 and n_done < 6
    assert states == ["done"] * n_done + ["cancelled"] * n_cancelled + ["not started"] * (6 - n_done - n_cancelled)
    written = {r.dst.name for r in panel.model.rows if r.state == "done"}
    assert sorted(p.name for p in out.iterdir()) == sorted(written)  # no temp, no partial file
    assert "not processed" in panel.summary_label.text()
    assert panel.start_button.isEnabled() and not panel.cancel_button.isEnabled()

    fake.delay = 0.0
    summary = _start_and_wait(qtbot, panel)
    assert summary["state"] == "finished"
    assert panel.model.states() == ["skipped"] * n_done + ["done"] * (6 - n_done)
    assert (summary["done"], summary["skipped"], summary["failed"]) == (6 - n_done, n_done, 0)
    expected = {f"img{i}_dn.png" for i in range(6)}
    assert {p.name for p in out.iterdir()} == expected
    assert panel.progress_bar.value() == panel.progress_bar.maximum()
    # outputs are the fake's result (half brightness), so they were really written by the run
    src = np.asarray(Image.open(images / "img5.png"), dtype=np.float32)
    dst = np.asarray(Image.open(out / "img5_dn.png"), dtype=np.float32)
    assert np.abs(dst - src * 0.5).max() <= 1.0


def test_a_corrupt_file_fails_with_its_reason_and_the_queue_continues(qtbot, runner, images, tmp_path, fake):
    (images / "img2.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not an image")
    out = tmp_path / "out"
    panel = _panel(qtbot, runner, [images], out, batch_ensemble=4)
    summary = _start_and_wait(qtbot, panel)
    assert fake.ensemble == 4  # the Quality chosen on the Batch tab
    states = panel.model.states()
    assert states == ["done", "done", "failed", "done", "done", "done"]
    assert "img2.png" in panel.model.row(2).message
    details = panel.model.index(2, 4).data()
    assert "img2.png" in details
    assert (summary["done"], summary["failed"]) == (5, 1)
    assert "5 done, 1 failed, 0 skipped" in panel.summary_label.text()
    assert not (out / "img2_dn.png").exists()
    assert panel.model.index(0, 3).data() != ""  # σ used (estimated) is shown


def test_pause_holds_the_batch_while_other_lanes_keep_working(qtbot, runner, images, tmp_path, fake):
    fake.delay = 0.2
    panel = _panel(qtbot, runner, [images], tmp_path / "out")
    assert panel.start()
    qtbot.waitUntil(lambda: panel.model.counts()["done"] >= 1, timeout=20_000)
    panel.pause()
    assert panel.resume_button.isEnabled() and not panel.pause_button.isEnabled()
    qtbot.wait(600)  # the item in flight stops at its next cancellation check
    held = panel.model.counts()["done"]
    calls = fake.calls
    # the user keeps working: a preview task on another lane runs while the batch is paused
    other = runner.submit(lambda progress: 42, lane="preview")
    qtbot.waitUntil(lambda: other.done, timeout=10_000)  # the runner starts tasks from the event loop
    assert other.result == 42
    qtbot.wait(400)
    assert panel.model.counts()["done"] == held and fake.calls == calls
    assert "paused" in panel.progress_label.text()
    fake.delay = 0.0
    with qtbot.waitSignal(panel.batch_finished, timeout=20_000) as blocker:
        panel.resume()
    assert blocker.args[0]["done"] == 6
    assert panel.model.states() == ["done"] * 6


def test_plan_error_shows_a_message_and_queues_nothing(qtbot, runner, images, fake, warnings):
    # Output into the input folder with the same names would overwrite the inputs.
    panel = _panel(qtbot, runner, [images], images)
    panel.naming_edit.setText("{stem}")
    before = sorted(p.name for p in images.iterdir())
    finished = []
    panel.batch_finished.connect(finished.append)
    with qtbot.waitSignal(panel.batch_refused, timeout=20_000) as blocker:
        panel.start()  # plan() runs in the worker: the refusal arrives as a signal
    assert "overwrite" in blocker.args[0]
    assert len(warnings) == 1 and warnings[0] == blocker.args[0]
    assert panel.task is None and panel.model.rowCount() == 0 and finished == []
    assert fake.calls == 0
    assert sorted(p.name for p in images.iterdir()) == before
    assert panel.start_button.isEnabled()

    panel.out_dir_edit.setText("")
    assert panel.start() is False
    assert "output folder" in warnings[-1]


def test_controls_are_remembered_in_app_settings(qtbot, runner, tmp_path, fake):
    settings = AppSettings()
    panel = BatchPanel(runner, settings)
    qtbot.addWidget(panel)
    _listed(qtbot, panel)
    changes = []
    panel.settings_changed.connect(changes.append)
    panel.format_combo.setCurrentText("jpg")
    panel.quality_spin.setValue(80)
    panel.recursive_check.setChecked(True)
    panel.skip_existing_check.setChecked(True)
    panel.sigma_auto_check.setChecked(False)
    panel.sigma_spin.setValue(15.0)
    panel.luma_spin.setValue(70)
    panel.chroma_spin.setValue(90)
    panel.grain_spin.setValue(10)
    panel.out_dir_edit.setText(str(tmp_path / "o"))
    panel.out_dir_edit.editingFinished.emit()
    panel.model_combo.setCurrentIndex(panel.model_combo.findData("slow"))
    assert changes and changes[-1] is settings
    assert (settings.output_format, settings.jpeg_quality, settings.recursive, settings.skip_existing) == (
        "jpg", 80, True, True)
    assert (settings.sigma_mode, settings.sigma) == ("manual", 15.0)
    assert (settings.luma_strength, settings.chroma_strength, settings.grain) == pytest.approx((0.7, 0.9, 0.1))
    assert settings.last_batch_out_dir == str(tmp_path / "o")
    assert settings.batch_model == "slow"
    assert settings.model_color is None  # the Denoise tab's pick is its own
    panel.ensemble_combo.setCurrentIndex(panel.ensemble_combo.findData(8))
    assert settings.batch_ensemble == 8 and settings.ensemble == AppSettings().ensemble

    again = BatchPanel(runner, settings)
    qtbot.addWidget(again)
    assert again.format_combo.currentText() == "jpg" and again.quality_spin.value() == 80
    assert again.recursive_check.isChecked() and not again.sigma_auto_check.isChecked()
    assert again.sigma_spin.value() == 15.0 and again.out_dir_edit.text() == str(tmp_path / "o")
    assert again.ensemble_combo.currentData() == 8
    assert (again.luma_spin.value(), again.chroma_spin.value(), again.grain_spin.value()) == (70, 90, 10)
    assert again.luma_spin.suffix() == " %"  # as the Denoise tab says it
    _listed(qtbot, again)
    assert again.model_combo.currentData() == "slow"


def test_inputs_list_add_remove_clear(qtbot, runner, images, fake):
    panel = BatchPanel(runner, AppSettings())
    qtbot.addWidget(panel)
    assert not panel.start_button.isEnabled()
    panel.add_inputs([images / "img0.png", images / "img1.png", images / "img0.png", images])
    assert [p.name for p in panel.inputs()] == ["img0.png", "img1.png", "in"]  # no duplicates
    assert panel.start_button.isEnabled()
    panel.input_list.item(1).setSelected(True)
    panel.remove_selected()
    assert [p.name for p in panel.inputs()] == ["img0.png", "in"]
    panel.clear_inputs()
    assert panel.inputs() == [] and not panel.start_button.isEnabled()


def test_dropping_files_and_folders_adds_them(qtbot, runner, images, fake):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    panel = BatchPanel(runner, AppSettings())
    qtbot.addWidget(panel)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(images / "img3.png")), QUrl.fromLocalFile(str(images)),
                  QUrl("https://example.com/x.png")])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    panel.dropEvent(event)
    assert panel.inputs() == [images / "img3.png", images]
    assert event.isAccepted()


def test_a_model_that_cannot_load_fails_the_batch_with_a_message(qtbot, runner, images, tmp_path, monkeypatch,
                                                                 warnings):
    monkeypatch.setattr(bj, "model_choices", lambda: [])

    def broken(model_id, device, ensemble=1, precision="auto", noise="auto"):
        raise RuntimeError("weights file is truncated: model.safetensors")

    monkeypatch.setattr(bj, "load_denoiser", broken)
    panel = _panel(qtbot, runner, [images], tmp_path / "out")
    summary = _start_and_wait(qtbot, panel)
    assert summary["state"] == "failed"
    assert set(panel.model.states()) == {"failed"}
    assert "truncated" in panel.model.row(0).message
    assert warnings and "truncated" in warnings[-1]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert panel.start_button.isEnabled()


def test_real_registry_models_classical_and_automatic(qtbot, runner, tmp_path):
    """No fakes: the registry's classical Gaussian filter with a manual σ, then Automatic."""
    images = tmp_path / "noisy"
    images.mkdir()
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:48, 0:48] / 48.0
    for i in range(2):
        clean = np.stack([0.5 + 0.3 * np.sin(4 * x + i), 0.5 + 0.3 * np.cos(3 * y), 0.3 + 0.4 * x * y], -1)
        noisy = np.clip(clean + rng.normal(0, 20 / 255, clean.shape), 0, 1)
        Image.fromarray(np.rint(noisy * 255).astype(np.uint8)).save(images / f"img{i}.png")
    out = tmp_path / "out"
    panel = _panel(qtbot, runner, [images / "img0.png", images / "img1.png"], out)
    i = panel.model_combo.findData("gaussian")
    assert i > 0, "the registry lists the classical gaussian filter"
    panel.model_combo.setCurrentIndex(i)
    panel.sigma_auto_check.setChecked(False)
    panel.sigma_spin.setValue(30.0)
    summary = _start_and_wait(qtbot, panel)
    assert summary["done"] == 2 and panel.model.states() == ["done", "done"]
    assert panel.model.index(0, 3).data() == "30.0"
    src = np.asarray(Image.open(images / "img0.png"), dtype=np.float32)
    dst = np.asarray(Image.open(out / "img0_dn.png"), dtype=np.float32)
    assert dst.shape == src.shape
    assert np.abs(np.diff(dst, axis=1)).mean() < 0.8 * np.abs(np.diff(src, axis=1)).mean()  # smoothed

    panel.model_combo.setCurrentIndex(panel.model_combo.findData(bj.AUTO_MODEL))
    panel.sigma_auto_check.setChecked(True)
    panel.naming_edit.setText("{stem}_auto")
    summary = _start_and_wait(qtbot, panel, timeout=60_000)
    assert summary["done"] == 2, panel.model.row(0).message
    assert (out / "img1_auto.png").is_file()
    assert float(panel.model.index(0, 3).data()) > 0  # σ estimated per image


def test_model_list_refreshes_when_the_tab_is_shown(qtbot, runner, monkeypatch):
    listed = [[("Slow fake", "slow", (1, 3))]]
    calls = []
    monkeypatch.setattr(bj, "model_choices", lambda: calls.append(threading.current_thread()) or listed[0])
    panel = BatchPanel(runner, AppSettings())
    qtbot.addWidget(panel)
    assert calls == [] and panel.model_combo.count() == 1  # nothing listed on the GUI thread
    _listed(qtbot, panel)
    assert calls[-1] is not threading.main_thread()
    panel.model_combo.setCurrentIndex(panel.model_combo.findData("slow"))
    listed[0] = [("New", "new", (3,)), ("Slow fake", "slow", (1, 3))]  # e.g. a model was trained
    panel.show()
    qtbot.waitUntil(lambda: panel.model_combo.findData("new") > 0, timeout=30_000)
    assert panel.model_combo.currentData() == "slow"


def test_devices_from_the_main_window_keep_the_saved_choice(qtbot, runner, fake):
    from denoise_desktop.devices import DeviceInfo

    panel = BatchPanel(runner, AppSettings(device="cuda:0"))
    qtbot.addWidget(panel)
    assert [panel.device_combo.itemData(i) for i in range(panel.device_combo.count())] == ["auto", "cpu"]
    panel.set_devices([DeviceInfo("cpu", "cpu", "CPU", None, None),
                       DeviceInfo("cuda:0", "cuda", "GPU", 8 << 30, 8 << 30)])
    assert panel.device_combo.currentData() == "cuda:0"
    panel.device_combo.setCurrentIndex(panel.device_combo.findData("cpu"))
    panel.set_devices([DeviceInfo("cpu", "cpu", "CPU", None, None)])
    assert panel.device_combo.currentData() == "cpu"


def test_queue_row_shows_an_out_of_range_sigma_note(tmp_path):
    from denoise_desktop.batch import BatchItem, ItemResult
    from denoise_desktop.gui.viewmodels.batch_queue_model import BatchQueueModel

    items = [BatchItem(tmp_path / f"{n}.png", tmp_path / "out" / f"{n}.png") for n in ("a", "b")]
    model = BatchQueueModel()
    model.set_items(items)
    note = "σ 70.0 is above the 0–55 this model was trained for: expect leftover noise"
    model.apply_result(ItemResult(items[0], "done", None, 1.0, 70.0, {"sigma_note": note}))
    model.apply_result(ItemResult(items[1], "done", None, 1.0, 20.0, {}))
    model.apply_result(ItemResult(items[1], "done", None, 1.0, 12.3,
                                  {"sigma_estimated": 12.3, "noise_kind": "camera/JPEG noise",
                                   "model_used": "unet_res_color_real"}))
    details = [model.data(model.index(i, 4)) for i in range(2)]
    # Details give the level's source and kind (issue 26, item 6) and the network that ran
    assert details == [f"σ 70.0 (set); {note}",
                       "σ 12.3 (estimated, camera/JPEG noise); by unet_res_color_real"]


def test_automatic_uses_the_bundled_default_whatever_the_denoise_tab_picked(qtbot, runner, monkeypatch, tmp_path):
    """A model picked on the Denoise tab (model_color) must not leak into Batch's Automatic."""
    from denoise_desktop import registry

    loaded = []
    monkeypatch.setattr(registry, "load", lambda mid, **kw: loaded.append(mid) or SlowDenoiser())
    factory = bj.load_denoiser(bj.AUTO_MODEL, "cpu", ensemble=1)
    factory(3)
    factory(1)
    assert loaded == [registry.default_model_id(3), registry.default_model_id(1)]

    seen = {}

    def load(model_id, device, ensemble=1, precision="auto", noise="auto"):
        seen.update(model_id=model_id, ensemble=ensemble, precision=precision, noise=noise)
        return SlowDenoiser()

    monkeypatch.setattr(bj, "load_denoiser", load)
    monkeypatch.setattr(bj, "model_choices", lambda: [("Slow fake", "slow", (1, 3))])
    images = tmp_path / "in"
    images.mkdir()
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(images / "a.png")
    panel = _panel(qtbot, runner, [images / "a.png"], tmp_path / "out", model_color="slow", ensemble=8,
                   precision="fp32")
    assert panel.model_combo.currentData() == bj.AUTO_MODEL
    _start_and_wait(qtbot, panel)
    # Batch's own Quality (default 2); the app-wide Precision from the settings
    assert seen == {"model_id": bj.AUTO_MODEL, "ensemble": 2, "precision": "fp32", "noise": "auto"}
    assert panel.settings.model_color == "slow" and panel.settings.batch_model is None
    # Batch's own Noise, remembered apart from the Denoise tab's, reaches the job
    panel.settings.noise = "camera"
    panel.noise_combo.setCurrentIndex(panel.noise_combo.findData("poisson"))
    assert panel.settings.batch_noise == "poisson" and panel.settings.noise == "camera"
    _start_and_wait(qtbot, panel)
    assert seen["noise"] == "poisson"


def test_the_queue_shows_many_rows_in_a_normal_window(qtbot, runner, fake):
    from denoise_desktop.gui.viewmodels.batch_queue_model import BatchQueueModel  # noqa: F401 - the model in use

    panel = BatchPanel(runner, AppSettings())
    qtbot.addWidget(panel)
    panel.resize(1240, 700)  # the tab's area in a 1280×800 window
    panel.show()
    qtbot.waitExposed(panel)
    row_h = panel.table.verticalHeader().defaultSectionSize()
    assert panel.table.viewport().height() // row_h >= 10


def test_plan_notes_and_per_file_notes_reach_the_panel(qtbot, runner, images, tmp_path, fake):
    (images / "notes.txt").write_text("not an image")
    frames = [Image.fromarray(np.full((16, 16, 3), v, np.uint8)) for v in (40, 120, 200)]
    frames[0].save(images / "anim.gif", save_all=True, append_images=frames[1:])
    out = tmp_path / "out"
    panel = _panel(qtbot, runner, [images], out)
    summary = _start_and_wait(qtbot, panel)
    assert summary["state"] == "finished" and summary["failed"] == 0
    text = panel.summary_label.text()
    assert "unsupported" in text and "notes.txt" in text  # named, not skipped without a word
    rows = {r.src.name: r for r in panel.model.rows}
    assert "first of 3 frames" in rows["anim.gif"].message  # the Details column says it


def test_raw_colour_space_is_remembered_and_reaches_the_batch(qtbot, runner, images, tmp_path, fake, monkeypatch):
    from denoise_desktop import batch
    from denoise_desktop.imageio import raw
    from denoise_desktop.settings import RAW_COLOR_SPACES

    assert RAW_COLOR_SPACES == raw.COLOR_SPACES  # the settings' copy of the list stays in step
    seen = {}
    real_run = batch.run

    def spy(*args, **kwargs):
        seen["raw_color_space"] = kwargs.get("raw_color_space")
        return real_run(*args, **kwargs)

    monkeypatch.setattr(batch, "run", spy)
    settings = AppSettings(last_batch_out_dir=str(tmp_path / "out"))
    panel = BatchPanel(runner, settings)
    qtbot.addWidget(panel)
    panel.add_inputs([images])
    _listed(qtbot, panel)
    panel.raw_colour_combo.setCurrentIndex(panel.raw_colour_combo.findData("adobe"))
    assert settings.raw_color_space == "adobe"
    assert _start_and_wait(qtbot, panel)["state"] == "finished"
    assert seen["raw_color_space"] == "adobe"
    again = BatchPanel(runner, settings)
    qtbot.addWidget(again)
    assert again.raw_colour_combo.currentData() == "adobe"
    assert AppSettings.from_dict({"raw_color_space": "cmyk"}).raw_color_space == "srgb"


def test_raw_files_are_denoised_on_the_mosaic_unless_unticked(qtbot, runner, tmp_path):
    """Real registry: Automatic denoises a DNG on its mosaic (the row says so); unticked, the RAW is
    developed first; the mosaic network itself is never offered in the model box."""
    import sys
    from pathlib import Path

    pytest.importorskip("rawpy")
    from denoise_desktop import registry

    model_id = registry.mosaic_model_id()
    if model_id is None:
        pytest.skip("no bundled RAW-mosaic network")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from dng_helpers import write_dng

    src = write_dng(tmp_path / "shot.dng", h=48, w=64, noise=0.03)
    settings_out = tmp_path / "out"
    panel = _panel(qtbot, runner, [src], settings_out)
    assert panel.model_combo.findData(model_id) < 0
    assert panel.raw_mosaic_check.isChecked()
    summary = _start_and_wait(qtbot, panel, timeout=60_000)
    assert summary["done"] == 1, panel.model.row(0).message
    assert "RAW mosaic" in panel.model.row(0).message
    panel.raw_mosaic_check.setChecked(False)
    assert panel.settings.raw_on_mosaic is False
    panel.naming_edit.setText("{stem}_dev")
    summary = _start_and_wait(qtbot, panel, timeout=60_000)
    assert summary["done"] == 1 and "RAW mosaic" not in panel.model.row(0).message
    assert (settings_out / "shot_dn.tif").is_file() and (settings_out / "shot_dev.tif").is_file()


def test_luminance_colour_grain_follow_the_denoise_tab(qtbot, window):
    """Issue 26, item 6: the README says they are shared; the Batch tab shows what Denoise set."""
    dn = window.denoise_panel.strength_controls
    dn.luma_spin.setValue(60)
    dn.grain_spin.setValue(10)
    window.tabs.setCurrentWidget(window.batch_panel)
    qtbot.waitUntil(lambda: window.batch_panel.isVisible(), timeout=2000)
    b = window.batch_panel.strength_controls
    assert (b.luma_spin.value(), b.grain_spin.value()) == (60, 10)
    b.luma_spin.setValue(80)
    window.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: window.denoise_panel.isVisible(), timeout=2000)
    assert dn.luma_spin.value() == 80


def test_batch_says_which_precision_it_takes_from_the_denoise_tab(qtbot, window):
    """Issue 26, item 2: the app-wide Precision changes Batch output; Batch shows it."""
    panel = window.denoise_panel
    i = panel.precision_combo.findData("fp32")
    if i < 0:
        pytest.skip("no fp32 choice offered")
    panel.precision_combo.setCurrentIndex(i)
    window.tabs.setCurrentWidget(window.batch_panel)
    qtbot.waitUntil(lambda: window.batch_panel.isVisible(), timeout=2000)
    assert window.batch_panel.precision_label.text().startswith("fp32")


def test_paused_every_written_file_shows_done(qtbot, runner, images, tmp_path, fake):
    """Issue 26, item 6: after Pause no row whose output is complete still says "running" (the
    file written while the next one was in the network used to wait for that one)."""
    fake.delay = 0.3
    out = tmp_path / "out"
    panel = _panel(qtbot, runner, [images], out)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.model.counts()["done"] >= 1, timeout=20_000)
    panel.pause()
    qtbot.wait(1200)  # the file in flight reaches its next check; any write under way completes
    written = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    rows = panel.model.rows
    done = {r.dst.name for r in rows if r.state == "done"}
    assert done == written, (done, written)  # every complete output counted, none in advance
    assert sum(r.state == "running" for r in rows) <= 1
    fake.delay = 0.0
    with qtbot.waitSignal(panel.batch_finished, timeout=20_000) as blocker:
        panel.resume()
    assert blocker.args[0]["done"] == 6 and panel.model.states() == ["done"] * 6
