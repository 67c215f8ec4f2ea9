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


# -- the classic data sets' own files (IDX, CIFAR-10) and the BCE metric --------------------------

def _idx_images(arr) -> bytes:
    import struct

    return struct.pack(">BBBB", 0, 0, 0x08, arr.ndim) + b"".join(struct.pack(">I", s) for s in arr.shape) + arr.tobytes()


def _digits(n: int = 4):
    """Tiny MNIST-like images: dark background, a bright blob per image (uint8 N×28×28)."""
    import numpy as np

    y, x = np.mgrid[0:28, 0:28]
    out = []
    for k in range(n):
        blob = np.exp(-((x - 10 - 2 * k) ** 2 + (y - 14) ** 2) / 30.0)
        out.append(np.clip(np.rint(blob * 255), 0, 255).astype(np.uint8))
    return np.stack(out)


def _user_dncnn(name: str) -> Path:
    """A small random-weights DnCNN in the user models folder, so both the CLI (registry ids only)
    and training.evaluate can load it by id; its output is not the identity."""
    from denoise_desktop import paths

    torch.manual_seed(0)
    model = build("dncnn", in_channels=1, depth=3, features=4)
    folder = paths.user_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return save_weights(model, folder / f"{name}.safetensors", {"name": name, "channels": 1})


@pytest.mark.parametrize("model", ["tiny_dncnn", "gaussian"])
def test_evaluate_on_an_idx_file_gives_the_cli_eval_scores(tmp_path: Path, capsys, model: str) -> None:
    import gzip

    from denoise_desktop.cli import main as cli_main

    _user_dncnn("tiny_dncnn")
    idx = tmp_path / "t10k-images-idx3-ubyte.gz"
    idx.write_bytes(gzip.compress(_idx_images(_digits(4))))
    out = tmp_path / "eval"
    assert evaluate.main(["--models", model, "--data", str(idx), "--sigma", "25,127.5", "--max-images", "3",
                          "--out", str(out), "--device", "cpu"]) == 0
    rows = list(csv.DictReader(open(out / "results.csv")))
    assert [int(r["images"]) for r in rows] == [3, 3]
    capsys.readouterr()
    assert cli_main(["eval", "--model", model, "--data", str(idx), "--sigma", "25,127.5", "--limit", "3",
                     "--device", "cpu", "--json"]) == 0  # both default to the app's Quality and level
    cli = json.loads(capsys.readouterr().out)["results"]
    for r, c in zip(rows, cli, strict=True):  # same seeded noise per image index and σ: the same scores
        assert float(r["sigma"]) == c["sigma"]
        assert float(r["psnr"]) == pytest.approx(c["psnr"], abs=1e-9)
        assert float(r["ssim"]) == pytest.approx(c["ssim"], abs=1e-9)
    meta = json.loads((out / "results.json").read_text())
    assert meta["data_kind"] == "IDX images" and meta["n_images"] == 3 and meta["channels"] == 1
    with Image.open(out / "grid.png") as im:  # 28×28 tiles enlarged (≥ 128 px) so the digits show
        assert im.height >= 128 and im.width >= 3 * 128


def test_evaluate_on_a_cifar_batch_keeps_its_colour(tmp_path: Path) -> None:
    import pickle

    import numpy as np

    rng = np.random.default_rng(4)
    y, x = np.mgrid[0:32, 0:32]
    imgs = np.stack([np.stack([(x * 8 + k * 10) % 256, (y * 8) % 256, ((x + y) * 4) % 256], -1) for k in range(3)])
    data = imgs.astype(np.uint8).transpose(0, 3, 1, 2).reshape(3, -1)
    folder = tmp_path / "cifar"
    folder.mkdir()
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({b"data": data, b"labels": list(rng.integers(0, 10, 3))}, f, protocol=2)
    images, names, kind = evaluate.load_images(folder)
    assert kind == "CIFAR-10 test_batch" and len(images) == 3 and images[0].shape == (32, 32, 3)
    assert np.array_equal(images[1], imgs[1].astype(np.uint8)) and names[0] == "cifar[0]"
    assert evaluate.load_images(folder, channels=1, max_images=2)[0][0].shape == (32, 32, 1)
    out = tmp_path / "eval"
    assert evaluate.main(["--models", "gaussian", "--data", str(folder), "--sigma", "25.5", "--out", str(out)]) == 0
    meta = json.loads((out / "results.json").read_text())
    assert meta["channels"] == 3 and meta["n_images"] == 3
    assert evaluate.main(["--models", "gaussian", "--data", str(tmp_path / "nothing"), "--out",
                          str(tmp_path / "e2")]) == 2


def test_bce_metric() -> None:
    import numpy as np
    import torch.nn.functional as F

    rng = np.random.default_rng(0)
    clean = rng.uniform(0, 1, (8, 9, 1)).astype(np.float32)
    out = rng.uniform(0.01, 0.99, clean.shape).astype(np.float32)
    ref = F.binary_cross_entropy(torch.from_numpy(out).double(), torch.from_numpy(clean).double()).item()
    assert evaluate.bce(clean, out) == pytest.approx(ref, rel=1e-9)
    binary = (clean > 0.5).astype(np.float32)
    assert evaluate.bce(binary, binary) == pytest.approx(0.0, abs=1e-6)  # saturated outputs: clipped, finite
    assert np.isfinite(evaluate.bce(binary, 1 - binary)) and evaluate.bce(binary, 1 - binary) > 15
    entropy = -np.mean(clean * np.log(clean) + (1 - clean) * np.log(1 - clean))
    assert evaluate.bce(clean, clean) == pytest.approx(entropy, rel=1e-6)  # a perfect output: the target's entropy
    assert evaluate.bce(clean, clean) < evaluate.bce(clean, out)
    with pytest.raises(ValueError):
        evaluate.bce(clean, out[:4])


def test_passthrough_row_is_the_noisy_input() -> None:
    import numpy as np

    from denoise_desktop.metrics import psnr

    img = np.full((28, 28, 1), 128, np.uint8)
    rows, kept = evaluate.evaluate({"noisy input": evaluate.Passthrough()}, [img], [25.0], keep=1)
    clean = img.astype(np.float32) / 255
    noisy = evaluate.noisy_input(clean, 25.0, 0, 0)
    assert np.array_equal(kept[("noisy input", 25.0)][0], noisy)
    assert rows[0].psnr == pytest.approx(psnr(clean, noisy)) and rows[0].bce > 0
