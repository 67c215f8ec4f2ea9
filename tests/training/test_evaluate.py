import csv
import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from denoise_desktop.models import build
from denoise_desktop.weights import save_weights
from training import evaluate


def _identity_dncnn(path: Path) -> Path:
    """A DnCNN whose last conv is zero: output = input, so its PSNR is the noisy PSNR."""
    model = build("dncnn", in_channels=1, depth=3, features=4)
    with torch.no_grad():
        last = model.body[-1]
        last.weight.zero_()
        last.bias.zero_()
    return save_weights(model, path, {"name": "identity"})


def test_evaluate_writes_tables_plot_and_grid(tmp_path: Path, image_folder: Path) -> None:
    weights = _identity_dncnn(tmp_path / "ident.safetensors")
    out = tmp_path / "eval"
    rc = evaluate.main(["--models", str(weights), "--data", str(image_folder), "--sigma", "10,25",
                        "--out", str(out), "--device", "cpu"])
    assert rc == 0
    rows = list(csv.DictReader(open(out / "results.csv")))
    assert [(r["model"], float(r["sigma"])) for r in rows] == [("ident", 10.0), ("ident", 25.0)]
    for r in rows:  # identity on 8-bit Gaussian noise: PSNR ≈ 20·log10(255/σ)
        expected = 20 * torch.log10(torch.tensor(255 / float(r["sigma"]))).item()
        assert float(r["psnr"]) == pytest.approx(expected, abs=0.3)
        assert int(r["images"]) == 8
    meta = json.loads((out / "results.json").read_text())
    assert meta["sigmas"] == [10.0, 25.0] and len(meta["results"]) == 2
    for png in ("psnr_vs_sigma.png", "grid.png"):
        with Image.open(out / png) as im:
            assert im.width > 100 and im.height > 20


def test_evaluate_bad_inputs_write_nothing(tmp_path: Path, image_folder: Path) -> None:
    out = tmp_path / "eval"
    assert evaluate.main(["--models", str(tmp_path / "missing.safetensors"), "--data", str(image_folder),
                          "--out", str(out)]) == 2
    assert evaluate.main(["--models", "x", "--data", str(image_folder), "--sigma", "a,b", "--out", str(out)]) == 2
    assert not out.exists()


def test_evaluate_classical_baseline_from_the_registry(tmp_path: Path, image_folder: Path) -> None:
    weights = _identity_dncnn(tmp_path / "ident.safetensors")
    out = tmp_path / "eval"
    assert evaluate.main(["--models", f"{weights},gaussian", "--data", str(image_folder), "--sigma", "25",
                          "--out", str(out), "--device", "cpu", "--max-images", "3"]) == 0
    psnr = {r["model"]: float(r["psnr"]) for r in csv.DictReader(open(out / "results.csv"))}
    assert psnr["gaussian"] > psnr["ident"] + 2  # smoothing beats doing nothing on smooth images


def test_evaluate_on_real_pairs_scores_each_model_blind(tmp_path: Path) -> None:
    import numpy as np

    pairs = tmp_path / "pairs"
    pairs.mkdir()
    rng = np.random.default_rng(0)
    for i in range(2):
        clean = np.clip(rng.normal(128, 40, (40, 48)), 0, 255).astype(np.uint8)
        Image.fromarray(clean).save(pairs / f"q{i}_mean.png")
        Image.fromarray(np.clip(clean + rng.normal(0, 10, clean.shape), 0, 255).astype(np.uint8)).save(
            pairs / f"q{i}_real.png")
    weights = _identity_dncnn(tmp_path / "ident.safetensors")
    out = tmp_path / "eval"
    assert evaluate.main(["--models", f"{weights},gaussian", "--pairs", str(pairs), "--out", str(out),
                          "--device", "cpu"]) == 0
    rows = list(csv.DictReader(open(out / "results.csv")))
    assert [r["model"] for r in rows] == ["ident", "gaussian"] and all(r["n"] == "2" for r in rows)
    assert float(rows[0]["psnr"]) == pytest.approx(float(rows[0]["psnr_noisy"]), abs=1e-4)  # identity
    assert json.loads((out / "results.json").read_text())["level"] == "auto (blind)"
    assert (out / "grid.png").exists()
    assert evaluate.main(["--models", "gaussian", "--pairs", str(tmp_path / "nothing"), "--out",
                          str(tmp_path / "e2")]) == 2
    assert not (tmp_path / "e2").exists()
