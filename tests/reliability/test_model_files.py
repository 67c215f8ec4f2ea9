"""Hostile and malformed model files (issue 14, items 5 and 6): refused from the header with a
message naming the file, before any large allocation; one bad user model never breaks the rest."""

from __future__ import annotations

import io
import json
import resource
import struct
import time

import pytest
import torch
from safetensors.torch import save_file

from denoise_desktop import cli, paths, registry, weights
from denoise_desktop.models import build
from denoise_desktop.weights import WeightsError


def tiny_dncnn():
    return build("dncnn", "gray", depth=3, features=4).eval()


def state_of(model) -> dict[str, torch.Tensor]:
    return {k: v.contiguous().clone() for k, v in model.state_dict().items()}


def forged(path, arch="dncnn", hparams=None, state=None):
    """A safetensors file whose header declares ``arch``/``hparams`` over a tiny model's tensors."""
    hp = {"in_channels": 1, "depth": 3, "features": 4} if hparams is None else hparams
    save_file(state if state is not None else state_of(tiny_dncnn()), str(path),
              metadata={"format": weights.FORMAT, "arch": arch, "hparams": json.dumps(hp)})
    return path


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- item 5: a header cannot demand memory --------------------------------------------------------


@pytest.mark.parametrize("hparams", [
    {"in_channels": 1, "depth": 3, "features": 6000},  # 6000² × 9 per layer: GBs if built for real
    {"in_channels": 1, "depth": 3, "features": 4, "bogus": 1},
])
def test_hparams_that_do_not_match_the_tensors_are_refused_before_building(tmp_path, hparams):
    path = forged(tmp_path / "huge.safetensors", hparams=hparams)
    before, t0 = max_rss_mb(), time.perf_counter()
    with pytest.raises(WeightsError, match="huge.safetensors"):
        weights.load_weights(path)
    assert time.perf_counter() - t0 < 5 and max_rss_mb() - before < 200


def test_unet_features_6000_is_refused_cheaply(tmp_path):
    """The issue's case: unet_res with features = max_features = 6000 (22 GB before the fix)."""
    small = build("unet_res", in_channels=1, features=4, max_features=8)
    path = forged(tmp_path / "u.safetensors", "unet_res",
                  {"in_channels": 1, "features": 6000, "max_features": 6000}, state_of(small))
    before = max_rss_mb()
    with pytest.raises(WeightsError, match=r"u\.safetensors: (invalid hyper-parameters|weights do not match)"):
        weights.load_weights(path)
    assert max_rss_mb() - before < 200


def test_a_mid_size_mismatch_is_found_on_the_meta_device(tmp_path):
    path = forged(tmp_path / "mid.safetensors", hparams={"in_channels": 1, "depth": 3, "features": 1000})
    with pytest.raises(WeightsError, match=r"mid\.safetensors: weights do not match .* wrong shape"):
        weights.load_weights(path)


def test_a_huge_depth_is_refused_without_building(tmp_path):
    path = forged(tmp_path / "deep.safetensors", hparams={"in_channels": 1, "depth": 10**8, "features": 4})
    t0 = time.perf_counter()
    with pytest.raises(WeightsError, match=r"deep\.safetensors.*depth = 100000000"):
        weights.load_weights(path)
    assert time.perf_counter() - t0 < 2


def test_the_parameter_budget_is_checked_from_the_header(tmp_path, monkeypatch):
    path = forged(tmp_path / "big.safetensors")
    monkeypatch.setattr(weights, "MAX_PARAMETERS", 100)  # the tiny model has ~300
    with pytest.raises(WeightsError, match=r"big\.safetensors: .*parameters, more than"):
        weights.load_weights(path)


def test_an_oversized_json_header_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(weights, "MAX_HEADER_BYTES", 4096)
    meta = {"format": weights.FORMAT, "arch": "dncnn", "hparams": "{}", "pad": "x" * 8192}
    header = json.dumps({"__metadata__": meta}).encode()
    path = tmp_path / "fat.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    with pytest.raises(WeightsError, match=r"fat\.safetensors: safetensors header .* larger than"):
        weights.load_weights(path)
    monkeypatch.setattr(paths, "weights_dir", lambda: tmp_path / "none")
    (paths.user_models_dir() / "fat.safetensors").write_bytes(path.read_bytes())
    assert [b.id for b in registry.broken_models()] == ["fat"]


def test_a_deeply_nested_header_is_a_model_file_error(tmp_path):
    header = json.dumps({"__metadata__": {"format": weights.FORMAT, "arch": "dncnn",
                                          "hparams": "[" * 100_000 + "]" * 100_000}}).encode()
    path = tmp_path / "nest.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    with pytest.raises(WeightsError, match=r"nest\.safetensors: corrupt hyper-parameters"):
        weights.load_weights(path)


# -- item 6: bad values give a model-file error naming the file -----------------------------------


@pytest.mark.parametrize("arch, hparams, match", [
    ("dncnn", {"in_channels": -1, "depth": 3, "features": 4}, "invalid hyper-parameters for dncnn"),
    ("dncnn", {"variant": "sepia"}, "invalid hyper-parameters for dncnn.*sepia"),
    ("dncnn", {"depth": "deep"}, "invalid hyper-parameters for dncnn"),
    ("no_such_net", {}, "unknown architecture 'no_such_net'"),
])
def test_bad_declarations_raise_weights_error_naming_the_file(tmp_path, arch, hparams, match):
    path = forged(tmp_path / "bad.safetensors", arch, hparams)
    with pytest.raises(WeightsError, match=rf"bad\.safetensors: {match}"):
        weights.load_weights(path)


def test_bad_declarations_in_a_pth_file_too(tmp_path):
    path = tmp_path / "bad.pth"
    torch.save({"arch": "dncnn", "hparams": {"in_channels": -1}, "state_dict": state_of(tiny_dncnn())}, path)
    with pytest.raises(WeightsError, match=r"bad\.pth: invalid hyper-parameters for dncnn"):
        weights.load_weights(path)
    with pytest.raises(WeightsError, match=r"bad\.pth"):
        weights.import_model(path)
    assert list(paths.user_models_dir().iterdir()) == []  # nothing imported


def test_a_bad_user_model_is_listed_as_broken_and_the_rest_works(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "weights_dir", lambda: tmp_path / "none")
    user = paths.user_models_dir()
    weights.save_weights(tiny_dncnn(), user / "good.safetensors", {})
    forged(user / "neg.safetensors", hparams={"in_channels": -1, "depth": 3, "features": 4})
    forged(user / "huge.safetensors", hparams={"in_channels": 1, "depth": 3, "features": 6000})
    ids = [e.id for e in registry.list_models()]
    assert "good" in ids and "nlm" in ids and "neg" not in ids and "huge" not in ids
    broken = {b.id: b.reason for b in registry.broken_models()}
    assert "neg.safetensors: invalid hyper-parameters" in broken["neg"]
    assert "huge.safetensors: invalid hyper-parameters for dncnn: features = 6000" in broken["huge"]
    with pytest.raises(WeightsError, match="neg.safetensors"):
        registry.load("neg")
    registry.load("good", device="cpu")
    out, err = io.StringIO(), io.StringIO()
    assert cli._cmd_models(type("A", (), {"json": False})(), out, err) == 0
    rows = {line.split()[0]: line for line in out.getvalue().splitlines()[1:]}
    assert "broken" in rows["neg"] and "invalid hyper-parameters" in rows["neg"] and "good" in rows


def test_run_with_a_broken_model_says_why_and_other_models_run(tmp_path, monkeypatch):
    import numpy as np
    from PIL import Image

    monkeypatch.setattr(paths, "weights_dir", lambda: tmp_path / "none")
    forged(paths.user_models_dir() / "neg.safetensors", hparams={"in_channels": -1})
    src = tmp_path / "in.png"
    Image.fromarray(np.full((16, 16), 128, np.uint8)).save(src)
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    assert cli.main(["run", str(src), "--out", str(tmp_path / "o1"), "--model", "neg"]) == 2
    assert "neg.safetensors: invalid hyper-parameters" in err.getvalue()
    assert cli.main(["run", str(src), "--out", str(tmp_path / "o2"), "--model", "median", "--sigma", "10"]) == 0
