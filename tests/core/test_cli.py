"""CLI end to end through ``main([...])`` on generated images."""

import json
import os
import signal
import sys
import types

import numpy as np
import pytest
import tifffile
from PIL import Image

from denoise_desktop import __version__, registry
from denoise_desktop.cli import _SigintCancels, main
from denoise_desktop.imageio import read_image
from denoise_desktop.progress import CancelToken


def noisy_folder(folder, make_image, n=2, size=(40, 48)):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    for i in range(n):
        clean = make_image(*size, c=3, seed=i)
        noisy = np.clip(clean + rng.normal(0, 20 / 255, clean.shape), 0, 1)
        Image.fromarray((noisy * 255).round().astype(np.uint8)).save(folder / f"img{i}.png")
    return folder


def classical_id():
    ids = [e.id for e in registry.list_models() if e.kind == "classical"]
    return next((i for i in ids if "gauss" in i.lower()), None) or next(i for i in ids if "nlm" in i.lower())


def test_version_and_usage_errors(capsys):
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out
    assert main(["run", "x.png"]) == 2  # --out missing
    assert main(["no-such-command"]) == 2
    assert main(["run", "x.png", "--out", "o", "--strength", "2"]) == 2
    assert main(["run", "x.png", "--out", "o", "--sigma", "lots"]) == 2
    assert main(["run", "x.png", "--out", "o", "--ensemble", "3"]) == 2  # 1, 2, 4 or 8
    assert main(["eval", "--model", "x", "--data", "d", "--sigma", "15,abc"]) == 2
    assert "σ values" in capsys.readouterr().err


def test_run_job_that_cannot_start_is_a_usage_error(tmp_path, capsys, make_image):
    src = noisy_folder(tmp_path / "in", make_image, n=1)
    assert main(["run", str(src / "missing.png"), "--out", str(tmp_path / "o")]) == 2
    assert "missing.png" in capsys.readouterr().err
    assert main(["run", str(src), "--out", str(src)]) == 2
    assert "overwrite" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_estimate_prints_sigma_per_image(tmp_path, capsys, make_image):
    src = noisy_folder(tmp_path / "in", make_image)
    assert main(["estimate", str(src / "img0.png"), str(src / "img1.png")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    sigmas = [float(line.split()[0]) for line in lines]
    assert all(8 < s < 35 for s in sigmas), sigmas  # generated with σ=20
    assert main(["estimate", str(src), str(tmp_path / "nope.png"), "--json"]) == 1
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) == 2 and "nope.png" in captured.err


def test_run_classical_reports_failures_and_processes_the_rest(tmp_path, capsys, make_image):
    model = classical_id()
    src = noisy_folder(tmp_path / "in", make_image)
    tifffile.imwrite(src / "deep.tif", make_image(30, 20, c=3, dtype=np.uint16), photometric="rgb")
    (src / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    out = tmp_path / "out"
    code = main(["run", str(src), "--out", str(out), "--model", model, "--sigma", "20"])
    captured = capsys.readouterr()
    assert code == 1
    assert "3 done, 1 failed" in captured.out
    assert "broken.jpg" in captured.err and "FAILED" in captured.err
    assert sorted(p.name for p in out.iterdir()) == ["deep.tif", "img0.png", "img1.png"]
    assert read_image(out / "deep.tif").bit_depth == 16
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before
    # one line per file on a non-terminal stream
    assert sum(line.startswith("[") for line in captured.err.splitlines()) == 4
    # resume: nothing left to do but the broken file
    code = main(["run", str(src), "--out", str(out), "--model", model, "--skip-existing", "--format", "keep"])
    assert code == 1 and "0 done, 1 failed, 3 skipped" in capsys.readouterr().out


def test_run_default_model_per_image_and_format_conversion(tmp_path, capsys, make_image):
    src = noisy_folder(tmp_path / "in", make_image, n=1)
    Image.fromarray(make_image(24, 24, c=1, dtype=np.uint8)[:, :, 0]).save(src / "gray.png")
    out = tmp_path / "out"
    assert main(["run", str(src), "--out", str(out), "--format", "jpg", "--jpeg-quality", "80",
                 "--naming", "{stem}_dn", "--quality", "fast"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["gray_dn.jpg", "img0_dn.jpg"]
    assert read_image(out / "gray_dn.jpg").channels == 1
    assert "2 done, 0 failed" in capsys.readouterr().out


def test_run_with_a_saved_tiny_network(tmp_path, capsys, make_image):
    from denoise_desktop import models, paths, weights

    net = models.build("dncnn", in_channels=3, depth=4, features=8).eval()
    path = paths.user_models_dir() / "tiny_dncnn.safetensors"
    weights.save_weights(net, path, {"name": "Tiny DnCNN", "arch": "dncnn"})
    entry = next(e for e in registry.list_models() if e.path and os.path.samefile(e.path, path))
    src = noisy_folder(tmp_path / "in", make_image, n=1, size=(70, 53))
    out = tmp_path / "out"
    assert main(["run", str(src), "--out", str(out), "--model", entry.id, "--tile", "64", "--device", "cpu"]) == 0
    res = read_image(out / "img0.png")
    assert res.pixels.shape == (70, 53, 3)
    assert not np.array_equal(res.pixels, read_image(src / "img0.png").pixels)
    # --ensemble reaches the engine: a random network is far from flip-invariant
    assert main(["run", str(src), "--out", str(tmp_path / "out8"), "--model", entry.id, "--ensemble", "8", "--tile", "64",
                 "--device", "cpu"]) == 0
    assert not np.array_equal(read_image(tmp_path / "out8" / "img0.png").pixels, res.pixels)


def test_run_notes_a_sigma_beyond_the_models_training(tmp_path, capsys, make_image):
    from denoise_desktop import models, paths, weights

    net = models.build("unet_res", in_channels=3, features=4, max_features=8).eval()
    path = paths.user_models_dir() / "tiny_unet_0_30.safetensors"
    weights.save_weights(net, path, {"sigma_range": [0, 30]})
    entry = next(e for e in registry.list_models() if e.path and os.path.samefile(e.path, path))
    src = noisy_folder(tmp_path / "in", make_image, n=1)
    for sigma, noted in (("45", True), ("20", False)):
        assert main(["run", str(src), "--out", str(tmp_path / sigma), "--model", entry.id, "--sigma", sigma,
                     "--device", "cpu"]) == 0
        err = capsys.readouterr().err
        assert ("note: σ 45.0 is above the 0–30 this model was trained for" in err) is noted, err
        assert f"σ {float(sigma):.1f} (set)" in err


def test_models_json_parses(capsys):
    assert main(["models", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {"id", "name", "kind", "takes_sigma", "channels"} <= set(rows[0])
    assert any(r["kind"] == "classical" for r in rows)
    assert main(["models"]) == 0
    assert rows[0]["id"] in capsys.readouterr().out


def test_eval_reports_psnr_per_sigma(tmp_path, capsys, make_image):
    model = classical_id()
    data = tmp_path / "clean"
    data.mkdir()
    for i in range(2):
        Image.fromarray(make_image(32, 32, c=3, dtype=np.uint8, seed=i)).save(data / f"c{i}.png")
    assert main(["eval", "--model", model, "--data", str(data), "--sigma", "15,50", "--json", "--limit", "2"]) == 0
    res = json.loads(capsys.readouterr().out)["results"]
    assert [r["sigma"] for r in res] == [15.0, 50.0] and all(r["n"] == 2 for r in res)
    assert res[0]["psnr_noisy"] > res[1]["psnr_noisy"]  # more noise, lower PSNR
    assert res[1]["psnr"] > res[1]["psnr_noisy"]  # denoising helps at σ=50
    assert all(0 < r["ssim"] <= 1 for r in res)
    assert main(["eval", "--model", model, "--data", str(data), "--sigma", "25"]) == 0
    assert "PSNR" in capsys.readouterr().out


def test_no_command_without_pyside6_explains(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "PySide6", None)  # import fails as if not installed
    assert main([]) == 1
    assert "PySide6" in capsys.readouterr().err


def test_train_forwards_its_arguments(monkeypatch):
    got = []
    fake = types.ModuleType("training.cli")
    fake.main = lambda argv: got.append(argv) or 7
    monkeypatch.setitem(sys.modules, "training.cli", fake)
    assert main(["train", "recipe.toml", "--set", "a.b=1", "--help"]) == 7
    assert got == [["recipe.toml", "--set", "a.b=1", "--help"]]


def test_smoke_test_flag(capsys):
    assert main(["--smoke-test"]) == 0
    assert "smoke test ok" in capsys.readouterr().out


def test_first_ctrl_c_cancels_second_interrupts():
    token = CancelToken()
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN when the suite runs as a background job
    with _SigintCancels(token, open(os.devnull, "w")):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(100):  # the handler runs at the next bytecode boundary
            if token.cancelled:
                break
        assert token.cancelled
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):
                pass
    assert signal.getsignal(signal.SIGINT) is before  # the caller's handler is back


def test_progress_bar_redraws_on_a_terminal_only():
    import io

    from denoise_desktop.cli import ProgressBar

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, plain = Tty(), io.StringIO()
    for stream in (tty, plain):
        bar = ProgressBar(2, stream)
        bar.start_item(1, "b.png")
        bar.update(0.5)
        bar.update(1.0)
        bar.line("[2/2] done b.png")
    assert "\r[" in tty.getvalue() and " 50.0%" in tty.getvalue() and "2/2 b.png" in tty.getvalue()
    assert plain.getvalue() == "[2/2] done b.png\n"


def test_run_luma_chroma_strength_and_grain(tmp_path, capsys, make_image):
    from denoise_desktop.blend import chroma, luma

    model = classical_id()
    src = tmp_path / "in"
    src.mkdir()
    clean = 0.3 + 0.4 * make_image(48, 56, c=3).astype(np.float64)  # mid-range: no clipping
    noisy8 = np.rint(255 * (clean + np.random.default_rng(3).normal(0, 10 / 255, clean.shape))).astype(np.uint8)
    Image.fromarray(noisy8).save(src / "img0.png")
    noisy = noisy8 / 255.0
    base = ["run", str(src), "--model", model, "--sigma", "30"]

    def run(name, *flags):
        assert main(base + ["--out", str(tmp_path / name), *flags]) == 0
        return read_image(tmp_path / name / "img0.png").to_float().astype(np.float64)

    full = run("full")
    keep_colour = run("c0", "--chroma-strength", "0")
    assert np.abs(chroma(keep_colour) - chroma(noisy)).max() <= 0.5 / 255 + 1e-9  # 8-bit rounding only
    assert np.abs(luma(keep_colour) - luma(full)).max() <= 1 / 255 + 1e-9  # both rounded
    keep_luma = run("l0", "--luma-strength", "0")
    assert np.abs(luma(keep_luma) - luma(noisy)).max() <= 0.5 / 255 + 1e-9
    assert np.abs(chroma(keep_luma) - chroma(full)).max() <= 1 / 255 + 1e-9
    # --strength still sets both, as before; the split flags override it one at a time
    half = run("half", "--strength", "0.5")
    np.testing.assert_allclose(half, run("split", "--luma-strength", "0.5", "--chroma-strength", "0.5"), atol=1e-9)
    assert np.abs(half - (noisy + full) / 2).max() <= 1 / 255 + 1e-9
    mixed = run("mixed", "--strength", "0.5", "--chroma-strength", "0")
    np.testing.assert_allclose(mixed, run("mixed2", "--luma-strength", "0.5", "--chroma-strength", "0"), atol=1e-9)
    grain = run("grain", "--grain", "0.5")
    assert np.abs(chroma(grain) - chroma(full)).max() <= 1 / 255 + 1e-9  # grain is luminance only
    assert np.abs(grain - full).max() > 2 / 255
    capsys.readouterr()
    for flag in ("--luma-strength", "--chroma-strength", "--grain"):
        assert main(base + ["--out", str(tmp_path / "bad"), flag, "1.5"]) == 2
    assert not (tmp_path / "bad").exists()


def _classic_user_model(name="tiny_classic", trained_on="MNIST digits (28×28) at σ 127.5"):
    from denoise_desktop import models, paths, weights

    net = models.build("dncnn", in_channels=1, depth=3, features=4).eval()
    path = paths.user_models_dir() / f"{name}.safetensors"
    weights.save_weights(net, path, {"classic": True, "trained_on": trained_on})
    return next(e for e in registry.list_models() if e.path and os.path.samefile(e.path, path))


def test_models_say_what_a_classic_model_was_trained_on(capsys):
    entry = _classic_user_model()
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    row = next(i for i, ln in enumerate(lines) if ln.startswith(entry.id + " "))
    assert lines[row + 1].split() == "classic experiment, trained on MNIST digits (28×28) at σ 127.5".split()
    assert main(["models", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert (rows[entry.id]["classic"], rows[entry.id]["trained_on"]) == (True, "MNIST digits (28×28) at σ 127.5")
    assert all(r["classic"] is False and r["trained_on"] is None for r in rows.values() if r["kind"] == "classical")


def test_run_with_a_classic_model_says_what_it_was_trained_on(tmp_path, capsys, make_image):
    entry = _classic_user_model()
    src = noisy_folder(tmp_path / "in", make_image, n=2)
    assert main(["run", str(src), "--out", str(tmp_path / "out"), "--model", entry.id, "--device", "cpu"]) == 0
    err = capsys.readouterr().err
    note = f"note: {entry.id} was trained on MNIST digits (28×28) at σ 127.5; on other images expect poor results"
    assert err.count(note) == 2, err  # on each file's line
    # an ordinary model's lines carry no such note
    assert main(["run", str(src), "--out", str(tmp_path / "out2"), "--model", classical_id()]) == 0
    assert "was trained on" not in capsys.readouterr().err


def _idx_images(arr: np.ndarray) -> bytes:
    import struct

    return struct.pack(">BBBB", 0, 0, 0x08, arr.ndim) + b"".join(struct.pack(">I", s) for s in arr.shape) + arr.tobytes()


def _eval_json(capsys, *args) -> dict:
    assert main(["eval", "--model", classical_id(), "--sigma", "25,127.5", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_eval_on_idx_files_matches_the_same_images_in_a_folder(tmp_path, capsys):
    import gzip

    digits = np.random.default_rng(3).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    raw = tmp_path / "t10k-images-idx3-ubyte"
    raw.write_bytes(_idx_images(digits))
    gz = tmp_path / "t10k-images-idx3-ubyte.gz"
    gz.write_bytes(gzip.compress(_idx_images(digits)))
    folder = tmp_path / "pngs"
    folder.mkdir()
    for k in range(3):
        Image.fromarray(digits[k]).save(folder / f"d{k}.png")
    by_folder = _eval_json(capsys, "--data", str(folder))["results"]
    for path in (raw, gz):
        res = _eval_json(capsys, "--data", str(path), "--limit", "3")
        assert res["data_kind"] == "IDX images"
        # the same seeded noise per image index and σ as for a folder: identical scores
        assert res["results"] == [dict(r, seconds=s["seconds"]) for r, s in zip(by_folder, res["results"])]
    assert [r["n"] for r in _eval_json(capsys, "--data", str(gz))["results"]] == [5, 5]  # no --limit: all
    assert main(["eval", "--model", classical_id(), "--data", str(gz), "--sigma", "127.5", "--limit", "2"]) == 0
    assert "on 2 image(s)" in capsys.readouterr().out
    labels = tmp_path / "t10k-labels-idx1-ubyte"
    labels.write_bytes(_idx_images(np.arange(5, dtype=np.uint8)))
    assert main(["eval", "--model", classical_id(), "--data", str(labels)]) == 2
    assert "expected an IDX image file" in capsys.readouterr().err


def test_eval_on_cifar_batches_file_and_folder(tmp_path, capsys):
    import pickle

    data = np.random.default_rng(4).integers(0, 256, (4, 3072), dtype=np.uint8)
    for name, rows in (("data_batch_1", data[::-1]), ("test_batch", data)):
        with open(tmp_path / name, "wb") as f:
            pickle.dump({b"batch_label": b"x", b"labels": [0] * 4, b"data": rows}, f, protocol=2)
    folder = tmp_path / "pngs"
    folder.mkdir()
    for k in range(2):
        Image.fromarray(data[k].reshape(3, 32, 32).transpose(1, 2, 0)).save(folder / f"c{k}.png")
    by_folder = _eval_json(capsys, "--data", str(folder))["results"]
    batch_file = _eval_json(capsys, "--data", str(tmp_path / "test_batch"), "--limit", "2")
    cifar_folder = _eval_json(capsys, "--data", str(tmp_path), "--limit", "2")  # its test_batch
    assert (batch_file["data_kind"], cifar_folder["data_kind"]) == ("CIFAR-10 batch", "CIFAR-10 test_batch")
    for res in (batch_file, cifar_folder):
        assert res["results"] == [dict(r, seconds=s["seconds"]) for r, s in zip(by_folder, res["results"])]
    (tmp_path / "test_batch").write_bytes(b"\x80\x02not a batch")
    assert main(["eval", "--model", classical_id(), "--data", str(tmp_path / "test_batch")]) == 2
    assert "not a CIFAR-10 python batch" in capsys.readouterr().err


def test_run_quality_names_the_passes_and_a_number_is_still_the_jpeg_quality(tmp_path, capsys, make_image, monkeypatch):
    from denoise_desktop import engine

    seen = []
    real = engine.NetworkDenoiser.set_ensemble
    monkeypatch.setattr(engine.NetworkDenoiser, "set_ensemble", lambda self, n: (seen.append(n), real(self, n)))
    src = noisy_folder(tmp_path / "in", make_image, n=1)
    assert main(["run", str(src), "--out", str(tmp_path / "a"), "--quality", "best", "--model", "dncnn_gray_s25"]) == 0
    assert seen and seen[-1] == 8
    assert main(["run", str(src), "--out", str(tmp_path / "b"), "--quality", "60", "--format", "jpg"]) == 0
    err = capsys.readouterr().err
    assert "read as --jpeg-quality 60" in err
    jpeg_60 = (tmp_path / "b" / "img0.jpg").stat().st_size
    assert main(["run", str(src), "--out", str(tmp_path / "c"), "--format", "jpg"]) == 0
    default = (tmp_path / "c" / "img0.jpg").stat().st_size
    assert jpeg_60 < default  # quality 60 < the default 95
    assert main(["run", str(src), "--out", str(tmp_path / "d"), "--quality", "great"]) == 2
    assert "fast, default, high, best" in capsys.readouterr().err and not (tmp_path / "d").exists()
