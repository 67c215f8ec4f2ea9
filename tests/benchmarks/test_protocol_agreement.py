"""One protocol: the same model on the same images gives the same number from ``denoise-desktop
eval``, ``python -m training.evaluate`` and the benchmarks — for a blind σ-aware network (the
level rule matters), a classical method, and real noisy/reference pairs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks import data, quality
from benchmarks.runner import model_method, score_cases
from denoise_desktop import registry
from denoise_desktop.cli import main as cli
from training import evaluate


def _scene(seed: int, h: int = 40, w: int = 48, c: int = 1) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([60 + 120 * xx / w, 60 + 120 * yy / h, 120 + 40 * np.sin(xx / (4 + seed))][:c], axis=2)
    return img.round().astype(np.uint8)


def _folder(root: Path) -> Path:
    root.mkdir()
    for i in range(3):
        Image.fromarray(_scene(i)[..., 0]).save(root / f"im{i}.png")
    return root


def _blind_ffdnet(name: str) -> str:
    """A tiny σ-aware network in the user models folder whose card says blind, as the defaults' do."""
    import torch

    from denoise_desktop import paths
    from denoise_desktop.models import build
    from denoise_desktop.weights import save_weights

    torch.manual_seed(0)
    folder = paths.user_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    save_weights(build("ffdnet", in_channels=1, depth=3, features=8, residual=True),
                 folder / f"{name}.safetensors", {"name": name, "blind": True})
    return name


def _cli(capsys, *args: str) -> dict:
    capsys.readouterr()
    assert cli(["eval", *args, "--device", "cpu", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _training(tmp: Path, *args: str) -> list[dict]:
    assert evaluate.main([*args, "--out", str(tmp), "--device", "cpu"]) == 0
    return list(csv.DictReader(open(tmp / "results.csv")))


@pytest.mark.parametrize("level", ["app", "true"])
def test_synthetic_noise_same_scores_from_cli_training_and_benchmark(tmp_path, capsys, level):
    folder = _folder(tmp_path / "clean")
    model = _blind_ffdnet("tiny_blind")
    sigmas = [15.0, 25.0]
    c = _cli(capsys, "--model", model, "--data", str(folder), "--sigma", "15,25", "--level", level)["results"]
    t = _training(tmp_path / "ev", "--models", model, "--data", str(folder), "--sigma", "15,25", "--level", level)
    suffix = "@x2" if level == "app" else "@true"  # the app's Quality (2 passes); @true runs one pass
    methods = quality.pick_methods(1, [model + suffix])
    assert methods[0][2] == ("estimated" if level == "app" else "true")
    if level == "true":  # CLI and training at the benchmark's one pass
        c = _cli(capsys, "--model", model, "--data", str(folder), "--sigma", "15,25", "--level", level,
                 "--ensemble", "1")["results"]
        t = _training(tmp_path / "ev1", "--models", model, "--data", str(folder), "--sigma", "15,25", "--level",
                      level, "--ensemble", "1")
    b = quality.evaluate(data.load_cleans(sorted(folder.glob("*.png")), 1), 1, sigmas, methods)
    for k, sigma in enumerate(sigmas):
        bench = b[sigma][1]  # [0] is the noisy input
        assert c[k]["psnr"] == pytest.approx(float(t[k]["psnr"]), abs=1e-9) == pytest.approx(bench["psnr"], abs=1e-9)
        assert c[k]["ssim"] == pytest.approx(float(t[k]["ssim"]), abs=1e-9) == pytest.approx(bench["ssim"], abs=1e-9)
        assert c[k]["psnr_noisy"] == pytest.approx(b[sigma][0]["psnr"], abs=1e-9)


def test_the_level_rule_matters_for_a_blind_model(tmp_path, capsys):
    folder = _folder(tmp_path / "clean")
    model = _blind_ffdnet("tiny_blind")
    blind = _cli(capsys, "--model", model, "--data", str(folder), "--sigma", "25", "--ensemble", "1")["results"][0]
    given = _cli(capsys, "--model", model, "--data", str(folder), "--sigma", "25", "--ensemble", "1",
                 "--level", "true")["results"][0]
    assert blind["psnr"] != given["psnr"]


def test_real_pairs_same_scores_from_cli_training_and_benchmark(tmp_path, capsys):
    pairs = tmp_path / "pairs"
    pairs.mkdir()
    rng = np.random.default_rng(0)
    for i in range(2):
        clean = _scene(i, c=3)
        Image.fromarray(clean).save(pairs / f"p{i}_mean.png")
        Image.fromarray(np.clip(clean + rng.normal(0, 12, clean.shape), 0, 255).round().astype(np.uint8)).save(
            pairs / f"p{i}_real.png")
    for model in ("gaussian", _blind_ffdnet("tiny_blind")):  # colour pairs; the gray network gets their luma
        c = _cli(capsys, "--model", model, "--pairs", str(pairs), "--ensemble", "1")
        t = _training(tmp_path / f"ev_{model}", "--models", model, "--pairs", str(pairs), "--ensemble", "1")[0]
        d = registry.load(model, device="cpu")
        rows = score_cases(data.real_pairs(pairs, channels=d.channels[0] if len(d.channels) == 1 else None),
                           [model_method(model, d)])
        assert c["psnr"] == pytest.approx(float(t["psnr"]), abs=1e-9) == pytest.approx(rows[1]["psnr"], abs=1e-9)
        assert c["ssim"] == pytest.approx(float(t["ssim"]), abs=1e-9) == pytest.approx(rows[1]["ssim"], abs=1e-9)
        assert c["psnr_noisy"] == pytest.approx(rows[0]["psnr"], abs=1e-9)
