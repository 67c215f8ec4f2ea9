"""scripts/bundle_weights.py: the bundled card is completed and records fine-tuning stages."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from denoise_desktop import paths, weights
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
