"""Training tab: curves fed from an event stream, stop, model_trained, and one tiny real run."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from denoise_desktop import paths
from denoise_desktop.gui.panels.training_panel import TrainingPanel
from denoise_desktop.gui.viewmodels.training_run import CurveBuffer, TrainingRun
from training.events import parse_line

pytestmark = pytest.mark.gui

# Prints N step events and one validation epoch, then waits for "stop" on stdin (like the
# trainer) and exports a "model" file before exiting 0.
FAKE_TRAINER = r'''
import json, sys
from pathlib import Path
def ev(**kw):
    print(json.dumps({"v": 1, **kw}), flush=True)
out = Path(sys.argv[1])
ev(type="start", run_dir=str(out.parent), total_steps=100, epochs=2, step=0)
for s in range(1, 41):
    ev(type="step", step=s, epoch=1, loss=1.0 / s, images_per_s=123.0, eta_s=30.0, total_steps=100)
ev(type="epoch", epoch=1, step=40, val_psnr=24.5, best_psnr=24.5)
for line in sys.stdin:
    if line.strip() == "stop":
        ev(type="checkpoint", step=40, path=str(out.parent / "state"))
        out.write_bytes(b"not really weights")
        ev(type="export", path=str(out), step=40, val_psnr=24.5)
        ev(type="done", step=40, reason="stopped", stopped=True)
        sys.exit(0)
'''


def _points(curve) -> int:
    """Points given to the curve with setData (raw data, before view clipping/downsampling)."""
    return 0 if curve.xData is None else len(curve.xData)


def test_curve_buffer_doubles_and_keeps_every_point():
    buf = CurveBuffer(capacity=4)
    xs = np.arange(1000, dtype=float)
    for x in xs:
        buf.append(x, 2 * x)
    assert len(buf) == 1000 and buf.capacity == 1024
    np.testing.assert_array_equal(buf.x, xs)
    np.testing.assert_array_equal(buf.y, 2 * xs)
    assert buf.last() == (999.0, 1998.0)
    buf.clear()
    assert len(buf) == 0 and buf.x.size == 0


def test_training_run_folds_events():
    run = TrainingRun()
    lines = [
        '{"v": 1, "type": "start", "run_dir": "/r", "total_steps": 10, "epochs": 2, "step": 0}',
        '{"v": 1, "type": "step", "step": 5, "epoch": 1, "loss": 0.25, "images_per_s": 80.0, "eta_s": 12.0}',
        '{"v": 1, "type": "step", "step": 6, "epoch": 1, "loss": null}',
        '{"v": 1, "type": "epoch", "epoch": 1, "step": 6, "val_psnr": 30.0, "best_psnr": 30.0}',
        '{"v": 1, "type": "epoch", "epoch": 2, "step": 10, "val_psnr": 29.0, "best_psnr": 30.0}',
        '{"v": 1, "type": "export", "path": "/r/export/m.safetensors"}',
        '{"v": 1, "type": "done", "reason": "finished"}',
    ]
    for line in lines:
        run.apply(parse_line(line))
    assert run.run_dir == "/r" and run.total_steps == 10 and run.total_epochs == 2
    assert list(run.train_loss.x) == [5.0] and list(run.train_loss.y) == [0.25]  # null loss skipped
    assert list(run.val_psnr.x) == [6.0, 10.0] and list(run.val_psnr.y) == [30.0, 29.0]
    assert run.best_psnr == 30.0 and run.images_per_s == 80.0
    assert run.export_path == "/r/export/m.safetensors"
    assert run.state == "done" and run.step == 10
    run.apply(parse_line('{"v": 1, "type": "error", "message": "CUDA out of memory"}'))
    assert run.state == "failed" and "out of memory" in run.error


def test_fake_event_stream_reaches_the_plot_and_stop_emits_model_trained(qtbot, tmp_path):
    panel = TrainingPanel(None)
    qtbot.addWidget(panel)
    panel.show()  # hidden, the tab does not repaint its plots
    script = tmp_path / "fake_trainer.py"
    script.write_text(textwrap.dedent(FAKE_TRAINER))
    out = paths.user_models_dir() / "fake.safetensors"
    panel.start_command([sys.executable, str(script), str(out)])
    assert panel.is_running() and not panel.start_button.isEnabled()
    # Only the 5 Hz timer moves buffered points into the curve.
    qtbot.waitUntil(lambda: _points(panel.loss_curve) == 40, timeout=30_000)
    x, y = panel.loss_curve.xData, panel.loss_curve.yData
    np.testing.assert_allclose(x, np.arange(1, 41))
    np.testing.assert_allclose(y, 1.0 / np.arange(1, 41))
    qtbot.waitUntil(lambda: _points(panel.psnr_curve) == 1, timeout=30_000)
    assert "123.0 images/s" in panel.speed_label.text()
    assert panel.eta_label.text().startswith("ETA 0:30")
    with qtbot.waitSignal(panel.model_trained, timeout=30_000) as blocker:
        panel.stop()
    assert blocker.args == [str(out)]
    assert not panel.is_running() and panel.start_button.isEnabled() == (panel.recipe_combo.count() > 0)
    assert panel.status_label.text() == "Stopped"
    assert "checkpoint saved" in panel.log_view.toPlainText()


def test_no_model_trained_when_the_trainer_fails(qtbot, tmp_path):
    script = tmp_path / "crash.py"
    script.write_text(
        "import json, sys\n"
        'print(json.dumps({"v": 1, "type": "export", "path": "/nowhere/x.safetensors"}), flush=True)\n'
        'print(json.dumps({"v": 1, "type": "error", "message": "boom"}), flush=True)\n'
        'sys.stderr.write("Traceback: boom\\n")\n'
        "sys.exit(3)\n"
    )
    panel = TrainingPanel(None)
    qtbot.addWidget(panel)
    panel.show()  # hidden, the tab does not repaint its plots
    trained = []
    panel.model_trained.connect(trained.append)
    with qtbot.waitSignal(panel.process.finished, timeout=30_000):
        panel.start_command([sys.executable, str(script)])
    assert trained == []
    assert "exit code 3" in panel.status_label.text() and "boom" in panel.status_label.text()
    assert "Traceback: boom" in panel.log_view.toPlainText()


def test_recipes_are_found_without_importing_torch():
    code = (
        "import sys\n"
        "import denoise_desktop.gui.panels.training_panel\n"
        "from denoise_desktop.gui.training_job import recipes_dir, list_recipes\n"
        "print(recipes_dir()); print(len(list_recipes()))\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    folder = Path(res.stdout.splitlines()[0])
    spec = importlib.util.find_spec("training")
    assert folder == Path(spec.submodule_search_locations[0]) / "recipes"


def test_recipe_defaults_mirror_the_trainer_config():
    """The form shows the trainer's defaults for keys a recipe leaves out."""
    config = pytest.importorskip("training.config")
    from denoise_desktop.gui.training_job import RECIPE_DEFAULTS

    r = config.Recipe()
    assert RECIPE_DEFAULTS == {
        "arch": r.model.arch, "sigma": r.noise.sigma, "epochs": r.train.epochs,
        "steps_per_epoch": r.train.steps_per_epoch, "batch_size": r.data.batch_size,
        "patch_size": r.data.patch_size,
    }


def test_form_changes_become_set_overrides(qtbot, tmp_path):
    recipe = tmp_path / "r.toml"
    recipe.write_text('name = "r"\n[noise]\nsigma = [5, 30]\n[train]\nepochs = 3\n[data]\nbatch_size = 8\n')
    panel = TrainingPanel(None)
    qtbot.addWidget(panel)
    panel.show()  # hidden, the tab does not repaint its plots
    panel.add_recipe(recipe)
    assert (panel.epochs_spin.value(), panel.batch_spin.value(), panel.patch_spin.value()) == (3, 8, 64)
    assert (panel.sigma_min_spin.value(), panel.sigma_max_spin.value()) == (5.0, 30.0)
    assert panel.overrides() == {}  # nothing changed: the recipe speaks for itself
    panel.epochs_spin.setValue(7)
    panel.sigma_max_spin.setValue(5.0)
    data = tmp_path / "photos"
    data.mkdir()
    panel.data_dir_edit.setText(str(data))
    panel.folder_radio.setChecked(True)
    got = panel.overrides()
    export_name = got.pop("export.name")
    assert got == {
        "train.epochs": 7, "noise.sigma": 5.0,
        "data.kind": "folder", "data.train": str(data), "data.val": "",
        # a model trained on a folder is named after it, never after the recipe's bundled model
        "name": "photos", "export.description": f"Trained here on the folder 'photos' with the {recipe.stem} recipe",
    }
    assert export_name.startswith(f"{panel.arch_combo.currentData() or panel.form._recipe_arch or 'model'}_photos_")


def test_form_shows_what_an_extending_recipe_inherits(qtbot, tmp_path):
    (tmp_path / "base.toml").write_text('[model]\narch = "unet_res"\n[noise]\nsigma = [0, 55]\n[train]\nepochs = 9\n')
    recipe = tmp_path / "stage2.toml"
    recipe.write_text('extends = "base"\n[train]\nepochs = 4\n')
    panel = TrainingPanel(None)
    qtbot.addWidget(panel)
    panel.add_recipe(recipe)
    assert panel.arch_combo.currentData() == "unet_res" and panel.epochs_spin.value() == 4
    assert (panel.sigma_min_spin.value(), panel.sigma_max_spin.value()) == (0.0, 55.0)
    assert panel.overrides() == {}


def test_start_from_a_trained_model_fine_tunes_it(qtbot, tmp_path):
    from denoise_desktop.registry import ModelEntry

    recipe = tmp_path / "r.toml"
    recipe.write_text('name = "r"\n[model]\narch = "unet_res"\nvariant = "gray"\n')
    panel = TrainingPanel(None)
    qtbot.addWidget(panel)
    panel.add_recipe(recipe)
    color = ModelEntry(id="ours_color", name="Ours color", kind="network", takes_sigma=True, channels=(3,),
                       card={"hparams": {"in_channels": 3, "features": 16}}, path=tmp_path / "c.safetensors",
                       source="user", arch="unet_res")
    other = ModelEntry(id="dn", name="DnCNN", kind="network", takes_sigma=False, channels=(1,),
                       path=tmp_path / "d.safetensors", source="user", arch="dncnn")
    panel.set_models([color, other, ModelEntry(id="nlm", name="NLM", kind="classical", takes_sigma=True,
                                               channels=(1, 3))])
    ids = [panel.init_combo.itemData(i) for i in range(panel.init_combo.count())]
    assert ids == [None, "ours_color"]  # only trained networks of the chosen architecture
    assert panel.overrides() == {}
    panel.init_combo.setCurrentIndex(1)
    assert panel.overrides() == {
        "model.init": str(tmp_path / "c.safetensors"), "model.hparams": {"in_channels": 3, "features": 16},
        "data.channels": 3, "model.variant": "color",
    }
    panel.arch_combo.setCurrentIndex(panel.arch_combo.findData("dncnn"))
    assert [panel.init_combo.itemData(i) for i in range(panel.init_combo.count())] == [None, "dn"]
    assert "model.init" not in panel.overrides()


def test_start_from_shows_the_recipes_own_weights_and_random_overrides_them(qtbot, tmp_path):
    """A fine-tuning recipe (model.init) must not read "Random weights" in the form while it
    fine-tunes, and picking Random weights must really train from scratch."""
    from denoise_desktop.gui.training_job import RECIPE_INIT

    recipe = tmp_path / "ft.toml"
    recipe.write_text('name = "ft"\n[model]\narch = "unet_res"\ninit = "weights/start.safetensors"\n')
    panel = TrainingPanel(None)
    qtbot.addWidget(panel)
    panel.add_recipe(recipe)
    assert panel.init_combo.currentData() == RECIPE_INIT
    assert "start.safetensors" in panel.init_combo.currentText()
    assert panel.overrides() == {}
    panel.init_combo.setCurrentIndex(panel.init_combo.findData(None))
    assert panel.overrides() == {"model.init": ""}
    plain = tmp_path / "plain.toml"
    plain.write_text('name = "plain"\n[model]\narch = "unet_res"\n')
    panel.add_recipe(plain)
    assert panel.init_combo.currentData() is None and panel.init_combo.findData(RECIPE_INIT) < 0
    assert panel.overrides() == {}


def test_resume_of_a_missing_run_reports_the_trainer_error(qtbot, tmp_path):
    panel = TrainingPanel(None)
    qtbot.addWidget(panel)
    panel.show()  # hidden, the tab does not repaint its plots
    with qtbot.waitSignal(panel.process.finished, timeout=60_000) as blocker:
        assert panel.resume(str(tmp_path / "no-such-run"))
    assert blocker.args == [2, "exited"]
    assert "--resume" in panel.process.command
    assert "no such run folder" in panel.log_view.toPlainText()
    assert panel.status_label.text().startswith("Failed (exit code 2)")


TINY_RECIPE = """\
name = "gui_tiny"
[model]
arch = "dncnn"
hparams = {{ depth = 3, features = 8 }}
[data]
train = "{images}"
val_fraction = 0.25
patch_size = 16
patches_per_image = 4
batch_size = 4
channels = 1
[noise]
kind = "gaussian"
sigma = [10, 40]
[train]
epochs = 2
threads = 1
log_every = 1
checkpoint_every = 0
[eval]
sigma = 25
"""


def test_tiny_real_training_run_plots_and_emits_model_trained(qtbot, tmp_path):
    """One real `python -m training` child: 3-layer DnCNN, 16×16 patches, a few steps."""
    from PIL import Image

    images = tmp_path / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:24, 0:28]
    for i in range(8):
        img = 0.5 + 0.3 * np.sin(rng.uniform(0.1, 0.4) * x + i) * np.cos(rng.uniform(0.1, 0.4) * y)
        Image.fromarray(np.rint(img * 255).astype(np.uint8)).save(images / f"img{i}.png")
    recipe = tmp_path / "gui_tiny.toml"
    recipe.write_text(TINY_RECIPE.format(images=images.as_posix()))

    panel = TrainingPanel(None)
    qtbot.addWidget(panel)
    panel.show()  # hidden, the tab does not repaint its plots
    panel.add_recipe(recipe)
    panel.device_combo.setCurrentIndex(panel.device_combo.findData("cpu"))
    with qtbot.waitSignal(panel.model_trained, timeout=300_000) as blocker:
        assert panel.start()
    path = Path(blocker.args[0])
    assert path.parent == paths.user_models_dir() and path.suffix == ".safetensors" and path.is_file()
    assert path.with_suffix(".json").is_file()  # the model card travels with it
    from denoise_desktop.weights import load_weights

    model, card = load_weights(path)
    assert card["arch"] == "dncnn" and card["hparams"]["depth"] == 3
    assert _points(panel.loss_curve) == panel.run.step > 0
    assert _points(panel.psnr_curve) == 2  # one validation per epoch
    assert np.isfinite(panel.psnr_curve.yData).all()
    assert panel.run.state == "done" and panel.status_label.text() == "Finished"
    run_dir = Path(panel.run.run_dir)
    assert run_dir.parent == paths.runs_dir() and (run_dir / "recipe.toml").is_file()


@pytest.mark.skipif(sys.platform == "win32", reason="Windows skips terminate() (straight to kill)")
def test_stop_escalates_when_the_trainer_ignores_it_and_a_second_press_forces(qtbot, tmp_path):
    script = tmp_path / "deaf.py"
    script.write_text(
        "import json, signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        'print(json.dumps({"v": 1, "type": "start"}), flush=True)\n'
        "while True:\n    time.sleep(0.05)\n"
    )
    panel = TrainingPanel(None)
    qtbot.addWidget(panel)
    panel.show()  # hidden, the tab does not repaint its plots
    panel.process.stop_timeout_ms = 300
    panel.process.terminate_timeout_ms = 60_000  # only the second press can get past this
    panel.start_command([sys.executable, str(script)])
    qtbot.waitUntil(lambda: panel.run.state == "running", timeout=10_000)
    panel.stop()
    assert panel.stop_button.text() == "Force stop"
    qtbot.waitUntil(lambda: panel.process.escalation == "terminate", timeout=10_000)  # "stop" ignored
    with qtbot.waitSignal(panel.process.finished, timeout=10_000) as blocker:
        panel.stop()  # SIGTERM ignored too: force
    assert blocker.args[1] == "killed"
    assert panel.status_label.text() == "Stopped by force (killed)"
    assert panel.stop_button.text() == "Stop" and not panel.stop_button.isEnabled()


def test_resume_shows_the_runs_earlier_curve(qtbot, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    lines = [f'{{"v": 1, "type": "step", "step": {s}, "loss": {1 / s}}}' for s in range(1, 6)]
    lines.append('{"v": 1, "type": "epoch", "epoch": 1, "step": 5, "val_psnr": 21.0}')
    (run_dir / "events.jsonl").write_text("garbage half line\n" + "\n".join(lines) + "\n")
    panel = TrainingPanel(None)
    qtbot.addWidget(panel)
    panel.show()  # hidden, the tab does not repaint its plots
    with qtbot.waitSignal(panel.process.finished, timeout=60_000) as blocker:
        assert panel.resume(str(run_dir))
    assert blocker.args[0] == 2  # no recipe.toml in this folder: the trainer refuses
    assert "recipe" in panel.log_view.toPlainText()
    assert _points(panel.loss_curve) == 5 and _points(panel.psnr_curve) == 1
    np.testing.assert_allclose(panel.loss_curve.xData, [1, 2, 3, 4, 5])


def test_hidden_tab_defers_plot_updates_until_shown(qtbot):
    panel = TrainingPanel(None)
    qtbot.addWidget(panel)
    for s in range(1, 4):
        panel.run.apply(parse_line(f'{{"v": 1, "type": "step", "step": {s}, "loss": 0.5}}'))
    panel.refresh()
    assert _points(panel.loss_curve) == 0  # not visible: no repaint work
    panel.show()
    assert _points(panel.loss_curve) == 3


def test_a_resumed_runs_new_export_is_installed_not_the_earlier_copy(qtbot, tmp_path):
    """Stop at step 40 installs run/export/m.safetensors as user models/m.safetensors; Resume
    finishes and re-exports the same shapes (same size): the finished weights must be installed."""
    import torch

    from denoise_desktop import models, weights

    panel = TrainingPanel(None)
    qtbot.addWidget(panel)
    export = tmp_path / "run" / "export" / "m.safetensors"
    torch.manual_seed(0)
    weights.save_weights(models.build("dncnn", in_channels=1, depth=3, features=8), export)
    first = Path(panel._install(str(export)))
    assert first.parent == paths.user_models_dir().resolve() or first.parent == paths.user_models_dir()
    torch.manual_seed(1)  # the finished run: other weights, same size on disk
    weights.save_weights(models.build("dncnn", in_channels=1, depth=3, features=8), export)
    assert export.stat().st_size == first.stat().st_size
    second = Path(panel._install(str(export)))
    assert second != first and second.read_bytes() != first.read_bytes()
    assert weights.read_card(second)["imported_sha256"] == weights.file_sha256(export)
    assert Path(panel._install(str(export))) == second  # and installing it again reuses that copy


def test_one_point_plots_framed_and_no_eta_when_not_running(qtbot):
    """Issue 26, item 9: a single validation point gets a window around it, not −100…100 axes;
    with no trainer running there is no 'ETA 0:00'."""
    panel = TrainingPanel(None)
    qtbot.addWidget(panel)
    panel.show()
    panel.run.apply(parse_line('{"v": 1, "type": "step", "step": 20, "loss": 0.002, "eta_s": 0}'))
    panel.run.apply(parse_line('{"v": 1, "type": "epoch", "epoch": 1, "step": 20, "val_psnr": 31.5, "val_ssim": 0.9}'))
    panel.refresh()
    (x0, x1), (y0, y1) = panel.psnr_plot.getViewBox().viewRange()
    assert x0 <= 20 <= x1 and x1 - x0 < 10 and y0 <= 31.5 <= y1 and y1 - y0 < 10
    (_, _), (ly0, ly1) = panel.loss_plot.getViewBox().viewRange()
    assert ly0 <= 0.002 <= ly1 and ly1 - ly0 < 0.01
    assert panel.eta_label.text() == ""
