"""Issue 30, items 10–13 (training): values that stalled or exhausted memory, values that failed
with a traceback or only after training, a NaN validation that was exported, hidden export names,
torch's advice in checkpoint errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image

from training import checkpoint as ckpt
from training.config import ConfigError, recipe_from_dict

from test_training import image_folder, recipe_doc, run_cli, write_recipe


# -- item 10 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("section, values, key", [
    ("data", {"batch_size": 10**9}, "data.batch_size"),
    ("model", {"arch": "dncnn", "hparams": {"depth": 1e7}}, "model.hparams.depth"),
    ("model", {"arch": "dncnn", "hparams": {"features": 10**6}}, "model.hparams.features"),
])
def test_values_that_stall_or_fill_memory_are_refused_from_the_recipe(tmp_path, section, values, key):
    with pytest.raises(ConfigError, match=rf"{key} must be within \["):
        recipe_from_dict(recipe_doc(tmp_path, **{section: values}))


# -- item 11 ---------------------------------------------------------------------------------------

def _corrupt_folder(root):
    root.mkdir()
    for i in range(3):
        (root / f"{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(30))
    return root


def _tiny_folder(root):
    root.mkdir()
    for i in range(4):
        Image.fromarray(np.zeros((6, 6), np.uint8)).save(root / f"{i}.png")
    return root


@pytest.mark.parametrize("override, key", [
    ("data.patch_size=100000", "data.patch_size"),
    ("data.patches_per_image=1000000000", "data.patches_per_image"),
    ("data.val_crop=1000000", "data.val_crop"),
    ("data.resize=1000000", "data.resize"),
    ("model.hparams.features=100000", "model.hparams.features"),
    ("train.seed=-1", "train.seed"),
    ("train.seed=1180591620717411303424", "train.seed"),  # 2**70
    ("optim.betas=[2, 3]", "optim.betas"),
    ("optim.betas=[0.9]", "optim.betas"),
    ("optim.weight_decay=-0.1", "optim.weight_decay"),
    ("optim.lr=1e308", "optim.lr"),
    ("noise.sigma=1e300", "noise.sigma"),
    ("name=" + "n" * 300, "name"),
    ("export.name=" + "e" * 300, "export.name"),
    ("model.init=/no/such/model.safetensors", "model.init"),
    ("model.init=WRONG_ARCH", "model.init"),
    ("data.train=CORRUPT", "data.train"),
    ("data.train=TINY", "validation images must be at least 11×11"),
])
def test_every_recipe_value_is_checked_with_one_line_and_exit_2(tmp_path, capsys, override, key):
    from denoise_desktop import models, weights

    if "WRONG_ARCH" in override:  # a real model file of another architecture
        path = weights.save_weights(models.build("unet_res", "gray"), tmp_path / "other.safetensors")
        override = override.replace("WRONG_ARCH", str(path))
    override = override.replace("CORRUPT", str(_corrupt_folder(tmp_path / "corrupt")))
    override = override.replace("TINY", str(_tiny_folder(tmp_path / "tiny")))
    recipe = write_recipe(tmp_path, recipe_doc(image_folder(tmp_path / "img", n=4)))
    assert run_cli(str(recipe), "--set", override, "--run-dir", str(tmp_path / "run")) == 2
    err = capsys.readouterr().err
    assert key in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_resuming_with_another_models_checkpoint_is_one_line(tmp_path, capsys):
    recipe = write_recipe(tmp_path, recipe_doc(image_folder(tmp_path / "img", n=4),
                                               data={"val_fraction": 0.5, "batch_size": 2}))
    run = tmp_path / "run"
    assert run_cli(str(recipe), "--run-dir", str(run)) == 0
    capsys.readouterr()
    assert run_cli(str(recipe), "--set", "model.hparams.features=8", "--resume", str(run)) == 1
    err = capsys.readouterr().err
    assert "does not fit this recipe's model" in err and "Traceback" not in err


# -- item 12 ---------------------------------------------------------------------------------------

def test_a_nan_validation_exports_nothing_and_a_hidden_export_name_is_refused(tmp_path, capsys, monkeypatch):
    from training.trainer import Trainer

    with pytest.raises(ConfigError, match="must not start with '.'"):
        recipe_from_dict(recipe_doc(tmp_path, export={"name": ".hidden"}))
    monkeypatch.setattr(Trainer, "validate", lambda self: {"val_psnr": math.nan, "val_ssim": math.nan})
    recipe = write_recipe(tmp_path, recipe_doc(image_folder(tmp_path / "img", n=4),
                                               data={"val_fraction": 0.5, "batch_size": 2}))
    assert run_cli(str(recipe), "--run-dir", str(tmp_path / "run")) == 1
    err = capsys.readouterr().err
    assert "validation PSNR is nan" in err and "nothing was exported" in err and "Traceback" not in err
    assert not list((tmp_path / "run").rglob("*.safetensors"))


# -- item 13 (checkpoint messages) -----------------------------------------------------------------

def test_a_checkpoint_with_python_objects_is_refused_without_torchs_advice(tmp_path):
    torch.save({"step": 1, "thing": Image.new("L", (1, 1))}, tmp_path / ckpt.STATE_FILE)
    with pytest.raises(ckpt.CheckpointError) as info:
        ckpt.load_state(tmp_path)
    assert "weights_only" not in str(info.value) and "holds Python objects" in str(info.value)
    assert "\n" not in str(info.value)
