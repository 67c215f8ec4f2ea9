"""scripts/bundle_weights.py: the bundled card is completed and records fine-tuning stages."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from denoise_desktop import paths, registry, weights
from denoise_desktop.models import build

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("bundle_weights", ROOT / "scripts" / "bundle_weights.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bundling_a_fine_tuned_export_chains_the_stages(tmp_path, monkeypatch):
    model = build("dncnn", "gray", depth=3, features=8)
    stage1 = weights.save_weights(model, tmp_path / "run1" / "export" / "m.safetensors",
                                  {"steps": 100, "train_seconds": 60.0, "recipe": {"name": "first"}})
    stage2 = weights.save_weights(model, tmp_path / "run2" / "export" / "m.safetensors",
                                  {"steps": 300, "train_seconds": 200.0,
                                   "recipe": {"name": "second", "model": {"init": str(stage1)}}})
    monkeypatch.setattr(paths, "weights_dir", lambda: tmp_path / "bundled")
    (tmp_path / "bundled").mkdir()
    script = _script()
    monkeypatch.setattr(script, "ROOT", tmp_path)  # it prints the destination relative to ROOT
    assert script.main([str(stage2), "--id", "ours", "--default", "--blind", "--sigma-range", "0,55"]) == 0
    card = json.loads((tmp_path / "bundled" / "ours.json").read_text())
    assert card["default"] and card["blind"] and card["sigma_range"] == [0.0, 55.0]
    assert card["id"] == "ours" and card["bundled_from"] == "run2"
    assert card["fine_tuned_from"][0]["recipe"] == "first"
    assert (card["total_steps"], card["total_train_seconds"]) == (400, 260.0)
    loaded, _ = weights.load_weights(tmp_path / "bundled" / "ours.safetensors")
    assert loaded.state_dict().keys() == model.state_dict().keys()


def test_bundling_a_classic_model_records_what_it_was_trained_on(tmp_path, monkeypatch, capsys):
    src = weights.save_weights(build("dncnn", "gray", depth=3, features=8),
                               tmp_path / "run" / "export" / "conv_ae_mnist.safetensors", {"steps": 10})
    monkeypatch.setattr(paths, "weights_dir", lambda: tmp_path / "bundled")
    (tmp_path / "bundled").mkdir()
    script = _script()
    monkeypatch.setattr(script, "ROOT", tmp_path)
    for bad in (["--classic"], ["--classic", "--default", "--trained-on", "MNIST"]):  # refused, nothing written
        with pytest.raises(SystemExit):
            script.main([str(src), *bad])
        assert "--classic" in capsys.readouterr().err
    assert not list((tmp_path / "bundled").iterdir())
    assert script.main([str(src), "--classic", "--trained-on", "MNIST digits (28×28) at σ 127.5"]) == 0
    card = json.loads((tmp_path / "bundled" / "conv_ae_mnist.json").read_text(encoding="utf-8"))
    assert (card["classic"], card["trained_on"], card["default"]) == (True, "MNIST digits (28×28) at σ 127.5", False)
    entry = registry.get("conv_ae_mnist")
    assert entry.classic and entry.trained_on == "MNIST digits (28×28) at σ 127.5"
    # an ordinary model says it is not a classic one, and gets no trained-on text
    assert script.main([str(src), "--id", "plain"]) == 0
    card = json.loads((tmp_path / "bundled" / "plain.json").read_text(encoding="utf-8"))
    assert card["classic"] is False and "trained_on" not in card
