"""Training robustness (issue 14, item 10 and item 4's training half): unreadable images, damaged
checkpoints, names that leave the run folder, nonsense counts, bad models in a recipe, stale temps."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from training import checkpoint as ckpt
from training import cli
from training.config import ConfigError, dump_toml, recipe_from_dict
from training.data import load_data


def image_folder(root: Path, n: int = 24, broken: int = 0) -> Path:
    """``n`` small gray PNGs, the first ``broken`` of them truncated to half their bytes."""
    from PIL import Image

    rng = np.random.default_rng(0)
    root.mkdir(parents=True)
    for i in range(n):
        path = root / f"img{i:02d}.png"
        Image.fromarray(rng.integers(0, 255, (20, 20), dtype=np.uint8)).save(path)
        if i < broken:
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return root


def recipe_doc(images: Path, **sections: dict) -> dict:
    doc = {
        "name": "tiny",
        "model": {"arch": "dncnn", "hparams": {"depth": 3, "features": 4}},
        "data": {"train": str(images), "val_fraction": 0.25, "patch_size": 16, "patches_per_image": 2,
                 "batch_size": 4, "channels": 1},
        "noise": {"kind": "gaussian", "sigma": 25},
        "train": {"epochs": 1, "threads": 1, "log_every": 1, "checkpoint_every": 0, "seed": 1},
    }
    for section, values in sections.items():
        doc.setdefault(section, {}).update(values)
    return doc


def write_recipe(tmp_path: Path, doc: dict) -> Path:
    """A recipe file written as text (bypassing validation, so invalid values reach the CLI)."""
    lines = [f'name = "{doc["name"]}"']
    for section, table in doc.items():
        if isinstance(table, dict):
            lines.append(f"[{section}]")
            lines += [f"{k} = {_toml(v)}" for k, v in table.items()]
    path = tmp_path / "r.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(v):
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml(x)}" for k, x in v.items()) + "}"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\") + '"'
    return str(v).lower() if isinstance(v, bool) else repr(v)


def run_cli(*argv: str) -> int:
    return cli.main([*argv, "--no-stdin", "--device", "cpu"])


# -- unreadable training images -------------------------------------------------------------------


def test_one_truncated_image_among_24_is_skipped_with_a_warning(tmp_path, caplog):
    images = image_folder(tmp_path / "img", broken=1)
    cfg = recipe_from_dict(recipe_doc(images)).data
    with caplog.at_level(logging.WARNING):
        data = load_data(cfg, seed=1)
    assert len(data.train) + len(data.val) == 23
    assert data.info["skipped_unreadable"] == ["img00.png"]
    assert "img00.png" in caplog.text and "img00.png" not in data.info["val_files"]


def test_too_many_unreadable_images_abort_with_the_names(tmp_path):
    from training.data.folders import UnreadableImagesError

    images = image_folder(tmp_path / "img", broken=6)  # 25 %: more than the 20 % allowed
    with pytest.raises(UnreadableImagesError, match=r"cannot be read \(img0"):
        load_data(recipe_from_dict(recipe_doc(images)).data, seed=1)


# -- damaged checkpoints --------------------------------------------------------------------------


def _damage(path: Path, tensor: torch.Tensor, fill: bytes | None = None) -> None:
    """Overwrite ``tensor``'s bytes inside the saved file (zeros, or ``fill``); the zip stays valid."""
    data = path.read_bytes()
    raw = tensor.contiguous().view(torch.uint8).numpy().tobytes()
    at = data.find(raw)
    assert at > 0, "tensor bytes not found in the checkpoint"
    path.write_bytes(data[:at] + (fill or bytes(len(raw))) + data[at + len(raw):])


@pytest.mark.parametrize("fill", [None, os.urandom(1024)])
def test_a_checkpoint_with_damaged_bytes_is_refused(tmp_path, fill):
    w = torch.linspace(0.5, 1.5, 256)
    path = ckpt.save_state(tmp_path, {"model": {"w": w}, "step": 3})
    assert ckpt.load_state(tmp_path)["step"] == 3  # intact: loads, checksum not in the result
    _damage(path, w, fill)
    with pytest.raises(ckpt.CheckpointError, match=r"last\.pt is damaged.*checksum"):
        ckpt.load_state(tmp_path)


def test_a_checkpoint_from_before_checksums_still_loads(tmp_path):
    torch.save({"model": {"w": torch.ones(3)}, "step": 2}, tmp_path / ckpt.STATE_FILE)
    assert ckpt.load_state(tmp_path)["step"] == 2


def test_resume_from_a_damaged_checkpoint_is_one_clear_error(tmp_path, capsys):
    images = image_folder(tmp_path / "img")
    recipe, run = write_recipe(tmp_path, recipe_doc(images)), tmp_path / "run"
    assert run_cli(str(recipe), "--run-dir", str(run)) == 0
    state = torch.load(run / "state" / "last.pt", weights_only=True)
    _damage(run / "state" / "last.pt", next(iter(state["model"].values())))
    capsys.readouterr()
    assert run_cli("--resume", str(run)) == 1
    err = capsys.readouterr().err
    assert "is damaged" in err and "Traceback" not in err and err.count("is damaged") == 1


# -- recipe validation ----------------------------------------------------------------------------


@pytest.mark.parametrize("key, value", [
    ("export.name", "../../../x"), ("export.name", "a/b"), ("export.name", ".."), ("export.name", "c:\\x"),
    ("name", "../escape"),
])
def test_names_must_be_single_path_components(tmp_path, key, value):
    doc = recipe_doc(tmp_path)
    section, _, field = key.rpartition(".")
    (doc.setdefault(section, {}) if section else doc)[field] = value
    with pytest.raises(ConfigError, match=rf"{key} must be a plain file name"):
        recipe_from_dict(doc)


@pytest.mark.parametrize("value", [-1, -500])
def test_a_negative_steps_per_epoch_is_refused(tmp_path, value):
    with pytest.raises(ConfigError, match="train.steps_per_epoch must be >= 0"):
        recipe_from_dict(recipe_doc(tmp_path, train={"steps_per_epoch": value}))
    recipe_from_dict(recipe_doc(tmp_path, train={"steps_per_epoch": 0}))  # 0 = automatic


def test_export_name_cannot_escape_through_the_cli(tmp_path, capsys):
    images = image_folder(tmp_path / "img")
    recipe = write_recipe(tmp_path, recipe_doc(images, export={"name": "../../../x"}))
    assert run_cli(str(recipe), "--run-dir", str(tmp_path / "a" / "b" / "run")) == 2
    assert "export.name" in capsys.readouterr().err
    assert not list(tmp_path.rglob("x.safetensors")) and not (tmp_path / "a").exists()


@pytest.mark.parametrize("model, message", [
    ({"arch": "transformer9000"}, "model.arch must be one of"),
    ({"arch": "dncnn", "hparams": {"depth": 3, "features": "wide"}}, "model 'dncnn'"),
    ({"arch": "dncnn", "hparams": {"in_channels": -1}}, "model 'dncnn'"),
    ({"arch": "dncnn", "hparams": {"bogus": 1}}, "bogus"),
    ({"arch": "dncnn", "variant": "sepia"}, "no variant 'sepia'"),
])
def test_a_bad_model_in_a_recipe_exits_2_without_a_traceback(tmp_path, capsys, model, message):
    images = image_folder(tmp_path / "img", n=4)
    doc = recipe_doc(images)
    doc["model"] = model
    run = tmp_path / "run"
    assert run_cli(str(write_recipe(tmp_path, doc)), "--run-dir", str(run)) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert not run.exists()  # refused before anything was written


# -- stale checkpoint temps -----------------------------------------------------------------------


def test_stale_checkpoint_temps_are_removed_at_the_next_run(tmp_path):
    state = tmp_path / "run" / "state"
    state.mkdir(parents=True)
    dead = state / ".last.pt.999999999.tmp"  # above any PID the kernel hands out
    old = state / f".last.pt.{os.getppid()}.tmp"  # a live PID, but two hours old: PID reused
    other = state / f".last.pt.{os.getppid()}.tmp.keep"  # not our pattern
    own = state / f".last.pt.{os.getpid()}.tmp"  # this process's own save in progress
    for f in (dead, old, other, own):
        f.write_bytes(b"partial")
    for f in (old, own):
        os.utime(f, (time.time() - 7200, time.time() - 7200))
    assert sorted(ckpt.clean_stale_temps(state)) == sorted([dead, old])
    assert other.exists() and own.exists()
    own.unlink()
    # the CLI cleans them at a run/resume in that folder
    dead.write_bytes(b"partial")
    recipe = write_recipe(tmp_path, recipe_doc(image_folder(tmp_path / "img", n=4),
                                               data={"val_fraction": 0.5, "batch_size": 2}))
    assert run_cli(str(recipe), "--run-dir", str(tmp_path / "run")) == 0
    assert not dead.exists()


def test_a_live_recent_temp_is_kept(tmp_path):
    live = tmp_path / f".last.pt.{os.getppid()}.tmp"  # the parent process: alive, written just now
    live.write_bytes(b"being written")
    assert ckpt.clean_stale_temps(tmp_path) == [] and live.exists()
