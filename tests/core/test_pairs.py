"""Real noisy/reference pairs: the layouts found, blind scoring, and clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from denoise_desktop.cli import main
from denoise_desktop.pairs import PairsError, find_pairs, read_pair, score_pairs


def _scene(seed: int, h: int = 40, w: int = 48) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([60 + 120 * xx / w, 60 + 120 * yy / h, 120 + 40 * np.sin(xx / (5 + seed))], axis=2)
    return img.round().astype(np.uint8)


def _noisy(clean: np.ndarray, seed: int, sigma: float = 15.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(clean + rng.normal(0, sigma, clean.shape), 0, 255).round().astype(np.uint8)


def _save(path: Path, a: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(a).save(path)
    return path


def test_suffix_layout_pairs_names_and_ignores_the_rest(tmp_path):
    c = _scene(0)
    _save(tmp_path / "a_real.png", _noisy(c, 1))
    _save(tmp_path / "a_mean.png", c)
    _save(tmp_path / "B_NOISY.png", _noisy(c, 2))
    _save(tmp_path / "B_GT.jpg", c)
    _save(tmp_path / "lonely_real.png", c)  # no reference: not a pair
    (tmp_path / "notes_mean.txt").write_text("not an image")
    assert [(n.name, r.name) for n, r in find_pairs(tmp_path)] == [("B_NOISY.png", "B_GT.jpg"),
                                                                    ("a_real.png", "a_mean.png")]


def test_subfolder_layout(tmp_path):
    c = _scene(0)
    _save(tmp_path / "noisy" / "x.png", _noisy(c, 1))
    _save(tmp_path / "gt" / "x.png", c)
    _save(tmp_path / "noisy" / "y.png", _noisy(c, 2))  # no reference
    assert [(n.parent.name, r.parent.name, n.name) for n, r in find_pairs(tmp_path)] == [("noisy", "gt", "x.png")]


def test_no_pairs_or_mismatched_sizes_are_refused_with_the_reason(tmp_path):
    with pytest.raises(PairsError, match="no noisy/reference pairs"):
        find_pairs(tmp_path)
    with pytest.raises(PairsError, match="not a folder"):
        find_pairs(tmp_path / "missing")
    n = _save(tmp_path / "s_real.png", _noisy(_scene(0), 1))
    r = _save(tmp_path / "s_mean.png", _scene(0, 32, 48))
    with pytest.raises(PairsError, match="s_real.png is 48×40"):
        read_pair(n, r)


def test_score_is_blind_and_gray_models_get_gray_pairs(tmp_path):
    from denoise_desktop import registry

    for i in range(2):
        c = _scene(i)
        _save(tmp_path / f"p{i}_real.png", _noisy(c, i))
        _save(tmp_path / f"p{i}_mean.png", c)
    pairs = find_pairs(tmp_path)
    seen = []

    class Gray:
        channels = (1,)

        def denoise(self, img, sigma=None, progress=None):
            seen.append((img.shape[2], sigma))
            return img

    r = score_pairs(Gray(), pairs)
    assert seen == [(1, None), (1, None)] and r["channels"] == [1] and r["n"] == 2
    assert r["psnr"] == pytest.approx(r["psnr_noisy"])  # identity: the noisy score
    blur = registry.load("gaussian", device="cpu")
    keep: list = []
    r = score_pairs(blur, pairs, keep=keep)
    assert r["channels"] == [3] and r["psnr"] > r["psnr_noisy"]
    assert len(keep) == 1 and keep[0][2].shape == keep[0][1].shape == (40, 48, 3)


def test_cli_eval_pairs(tmp_path, capsys):
    for i in range(2):
        c = _scene(i)
        _save(tmp_path / f"p{i}_noisy.png", _noisy(c, i, 25))
        _save(tmp_path / f"p{i}_clean.png", c)
    assert main(["eval", "--model", "gaussian", "--pairs", str(tmp_path), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["n"] == 2 and res["level"] == "auto" and res["psnr"] > res["psnr_noisy"]
    assert main(["eval", "--model", "gaussian", "--pairs", str(tmp_path / "none")]) == 2
    assert "not a folder" in capsys.readouterr().err
    # --data and --pairs together: a usage error
    assert main(["eval", "--model", "gaussian", "--pairs", str(tmp_path), "--data", str(tmp_path)]) == 2
