"""Tiny end-to-end runs: loss falls, resume continues exactly, stop requests, export loads."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from training import cli
from training.config import load_recipe
from training.ddp import DistInfo
from training.events import EventWriter
from training.trainer import Trainer



def _run(argv: list[str]) -> int:
    return cli.main([*argv, "--no-stdin", "--device", "cpu"])


def test_loss_decreases_and_export_loads(tmp_path: Path, image_folder: Path, make_recipe, events_of) -> None:
    recipe = make_recipe(image_folder, train={"epochs": 6})
    run = tmp_path / "run"
    assert _run([str(recipe), "--run-dir", str(run), "--events", str(tmp_path / "ev.jsonl")]) == 0
    events = events_of(tmp_path / "ev.jsonl")
    losses = [e.loss for e in events if e.type == "step"]
    assert len(losses) == events[0].total_steps == 6 * events[0].steps_per_epoch
    assert np.mean(losses[-3:]) < 0.5 * np.mean(losses[:3])
    vals = [e for e in events if e.type == "epoch"]
    assert len(vals) == 6 and all(e.val_psnr > 0 for e in vals)
    assert events[-1].type == "done" and events[-1].reason == "finished"
    # the run folder: resolved recipe, event mirror, state, export
    assert load_recipe(run / "recipe.toml").train.epochs == 6
    assert events_of(run / "events.jsonl")[-1].type == "done"
    assert (run / "state" / "last.pt").exists()
    exports = [e for e in events if e.type == "export"]
    assert exports
    from denoise_desktop.weights import load_weights

    model, card = load_weights(exports[-1].path)
    assert card["arch"] == "dncnn" and card["hparams"]["depth"] == 3
    assert card["val"]["psnr"] == pytest.approx(max(e.val_psnr for e in vals))
    assert card["sigma_range"] == [10.0, 40.0]
    assert card["trained_on"].endswith("gray images from " + image_folder.name + ", "
                                       f"{card['recipe']['data']['patch_size']}² patches at σ 10–40")
    x = torch.rand(1, 1, 16, 16)
    assert model(x).shape == x.shape


def test_resume_continues_exactly(tmp_path: Path, image_folder: Path, make_recipe, events_of) -> None:
    recipe = make_recipe(image_folder, train={"epochs": 2, "checkpoint_every": 2})
    # one uninterrupted run of 4 epochs ...
    full = tmp_path / "full"
    assert _run([str(recipe), "--set", "train.epochs=4", "--run-dir", str(full)]) == 0
    # ... vs 2 epochs, process ends ("killed" after its checkpoint), then resumed to 4
    part = tmp_path / "part"
    assert _run([str(recipe), "--run-dir", str(part)]) == 0
    first = torch.load(part / "state" / "last.pt", weights_only=True)
    assert _run(["--resume", str(part), "--set", "train.epochs=4", "--events", str(tmp_path / "ev.jsonl")]) == 0
    events = events_of(tmp_path / "ev.jsonl")
    assert events[0].type == "start" and events[0].step == first["step"] > 0
    steps = [e.step for e in events if e.type == "step"]
    assert steps[0] == first["step"] + 1 and steps[-1] == events[0].total_steps
    a = torch.load(full / "state" / "last.pt", weights_only=True)
    b = torch.load(part / "state" / "last.pt", weights_only=True)
    assert a["step"] == b["step"]
    # the optimizer state was loaded, not restarted: Adam's step count spans both processes
    assert b["optim"]["state"][0]["step"] == a["optim"]["state"][0]["step"] == a["step"]
    for k in a["model"]:
        torch.testing.assert_close(a["model"][k], b["model"][k], rtol=1e-5, atol=1e-6)


def test_resume_without_checkpoint_is_an_error(tmp_path: Path, image_folder: Path, make_recipe) -> None:
    empty = tmp_path / "empty_run"
    empty.mkdir()
    recipe = make_recipe(image_folder)
    assert _run([str(recipe), "--resume", str(empty)]) == 1


def test_stop_file_stops_with_a_checkpoint(tmp_path: Path, image_folder: Path, make_recipe, events_of) -> None:
    recipe = load_recipe(make_recipe(image_folder, train={"epochs": 50}))
    run = tmp_path / "run"
    run.mkdir()
    writer = EventWriter(str(tmp_path / "ev.jsonl"), progress=False)
    trainer = Trainer(recipe, run, writer, DistInfo(device=torch.device("cpu")))
    (run / "STOP").touch()
    result = trainer.run()
    writer.close()
    assert result["reason"] == "stopped" and result["step"] == 1
    state = torch.load(run / "state" / "last.pt", weights_only=True)
    assert state["step"] == 1
    events = events_of(tmp_path / "ev.jsonl")
    assert [e.type for e in events][-1] == "done" and events[-1].stopped is True
    assert any(e.type == "checkpoint" for e in events)
    assert [e.step for e in events if e.type == "epoch"] == [1]  # validated before exporting
    assert result["export_path"] and Path(result["export_path"]).exists()


def test_cli_subprocess_stdin_stop_and_events_on_stdout(tmp_path: Path, image_folder: Path, make_recipe, events_of) -> None:
    recipe = make_recipe(image_folder, train={"epochs": 1000})
    run = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "training", str(recipe), "--events", "-", "--run-dir", str(run), "--device", "cpu"],
        input="stop\n", capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    from training.events import parse_line

    events = [e for e in map(parse_line, proc.stdout.splitlines()) if e]
    assert events[0].type == "start" and events[0].run_dir == str(run)
    assert events[-1].type == "done" and events[-1].reason == "stopped"
    assert events[-1].step < events[0].total_steps
    assert (run / "state" / "last.pt").exists()
    assert "step" in proc.stderr or "done" in proc.stderr  # the readable progress line


def test_bad_recipe_exits_2_with_error_event(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[train]\nepochz = 3\n")
    proc = subprocess.run([sys.executable, "-m", "training", str(bad), "--events", "-"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "epochz" in proc.stderr
    from training.events import parse_line

    (event,) = [e for e in map(parse_line, proc.stdout.splitlines()) if e]
    assert event.type == "error" and "epochz" in event.message


def test_early_stop_and_time_budget(tmp_path: Path, image_folder: Path, make_recipe, events_of) -> None:
    # lr so small that validation PSNR cannot improve: patience 1 stops at the second validation
    recipe = make_recipe(image_folder, optim={"lr": 1e-12}, train={"epochs": 20, "patience": 1})
    assert _run([str(recipe), "--run-dir", str(tmp_path / "a"), "--events", str(tmp_path / "a.jsonl")]) == 0
    ev = events_of(tmp_path / "a.jsonl")
    assert ev[-1].reason == "early_stop"
    assert len([e for e in ev if e.type == "epoch"]) == 2
    assert _run([str(recipe), "--set", "train.patience=0", "--set", "train.max_minutes=1e-9",
                 "--run-dir", str(tmp_path / "b"), "--events", str(tmp_path / "b.jsonl")]) == 0
    ev = events_of(tmp_path / "b.jsonl")
    assert ev[-1].reason == "time_budget" and ev[-1].step == 1
    assert torch.load(tmp_path / "b" / "state" / "last.pt", weights_only=True)["step"] == 1


def test_resume_auto_finds_the_unfinished_run(tmp_path: Path, image_folder: Path, make_recipe, events_of,
                                              _user_home: Path) -> None:
    recipe = make_recipe(image_folder, train={"epochs": 1})
    # a finished run is never picked up again; a run cut by its time budget is
    assert _run([str(recipe), "--events", str(tmp_path / "a.jsonl")]) == 0
    assert _run([str(recipe), "--set", "train.max_minutes=1e-9", "--events", str(tmp_path / "b.jsonl")]) == 0
    cut = Path(events_of(tmp_path / "b.jsonl")[0].run_dir)
    assert cut.parent == _user_home / "runs"
    assert _run([str(recipe), "--resume", "auto", "--events", str(tmp_path / "c.jsonl")]) == 0
    ev = events_of(tmp_path / "c.jsonl")
    assert ev[0].run_dir == str(cut) and ev[0].step == 1
    assert ev[-1].reason == "finished" and ev[-1].step == ev[0].total_steps
    # nothing left to resume: auto starts a fresh run
    assert _run([str(recipe), "--resume", "auto", "--events", str(tmp_path / "d.jsonl")]) == 0
    assert events_of(tmp_path / "d.jsonl")[0].step == 0


def test_channel_mismatch_is_a_clear_error(tmp_path: Path, image_folder: Path, make_recipe,
                                          capsys: pytest.CaptureFixture) -> None:
    recipe = make_recipe(image_folder, data={"channels": 3}, model={"variant": "gray"})
    assert _run([str(recipe), "--run-dir", str(tmp_path / "run")]) == 2  # a recipe error
    assert "data.channels = 3" in capsys.readouterr().err


def _trained_export(tmp_path: Path, recipe: Path) -> Path:
    """Run ``recipe`` to the end; its exported weights file."""
    run = tmp_path / "first"
    assert _run([str(recipe), "--run-dir", str(run)]) == 0
    return next((run / "export").glob("*.safetensors"))


def test_init_from_weights_fine_tunes(tmp_path: Path, image_folder: Path, make_recipe) -> None:
    recipe = make_recipe(image_folder, train={"epochs": 4})
    weights = _trained_export(tmp_path, recipe)
    second = tmp_path / "second"
    second.mkdir()
    recipe2 = load_recipe(recipe, [f"model.init={str(weights)!r}", "train.epochs=1"])
    writer = EventWriter(str(tmp_path / "ev.jsonl"), progress=False)
    trainer = Trainer(recipe2, second, writer, DistInfo(device=torch.device("cpu")))
    from denoise_desktop.weights import load_weights

    start, _ = load_weights(weights)
    for k, v in start.state_dict().items():  # starts exactly where the first run ended ...
        torch.testing.assert_close(trainer.model.state_dict()[k], v)
    result = trainer.run()  # ... and trains on from there
    writer.close()
    assert result["reason"] == "finished"
    _, card = load_weights(result["export_path"])
    assert card["recipe"]["model"]["init"] == weights.name  # no machine paths in a card
    assert card["fine_tuned_from"][0]["steps"] > 0


def test_init_that_does_not_fit_is_a_clear_error(tmp_path: Path, image_folder: Path, make_recipe, events_of) -> None:
    recipe = make_recipe(image_folder, train={"epochs": 1})
    weights = _trained_export(tmp_path, recipe)
    ev = tmp_path / "ev.jsonl"
    # same architecture, other width
    assert _run([str(recipe), "--run-dir", str(tmp_path / "b"), "--set", "model.hparams.features=16",
                 "--set", f"model.init={str(weights)!r}", "--events", str(ev)]) != 0
    err = [e for e in events_of(ev) if e.type == "error"]
    assert err and "model.init" in err[-1].message and "does not" in err[-1].message
    # not a weights file at all
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x00" * 40)
    assert _run([str(recipe), "--run-dir", str(tmp_path / "c"), "--set", f"model.init={str(junk)!r}",
                 "--events", str(ev)]) != 0
    assert "model.init" in [e for e in events_of(ev) if e.type == "error"][-1].message
