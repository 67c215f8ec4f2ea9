"""The weights format: header + card, strict loading, clear errors, safe pickles, import."""

from __future__ import annotations

import json
import os
import sys
import types
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from denoise_desktop import paths, weights
from denoise_desktop.models import build
from denoise_desktop.weights import WeightsError


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("DENOISE_DESKTOP_HOME", str(tmp_path / "home"))
    torch.manual_seed(0)


def small(arch="dncnn", variant="gray", **hp):
    return build(arch, variant, **({"features": 8, "depth": 4} | hp)).eval()


def saved(tmp_path, name="m.safetensors", **kw) -> Path:
    return weights.save_weights(small(**kw), tmp_path / name, {"sigma_range": [0, 55], "default": True})


def test_header_and_card_written(tmp_path):
    from safetensors import safe_open

    path = saved(tmp_path)
    with safe_open(str(path), "pt") as f:
        meta = f.metadata()
    assert meta["format"] == weights.FORMAT and meta["arch"] == "dncnn"
    assert json.loads(meta["hparams"]) == {"in_channels": 1, "depth": 4, "features": 8}
    card = json.loads((tmp_path / "m.json").read_text())
    assert card["arch"] == "dncnn" and card["channels"] == 1 and card["default"] is True
    assert card["takes_sigma"] is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "m.safetensors"]  # no temp files


def test_card_missing_still_loads_from_header(tmp_path):
    path = saved(tmp_path)
    (tmp_path / "m.json").unlink()
    model, card = weights.load_weights(path)
    assert card["arch"] == "dncnn" and card["hparams"]["depth"] == 4 and card["channels"] == 1


def test_unserialisable_card_writes_nothing(tmp_path):
    with pytest.raises(WeightsError, match="JSON"):
        weights.save_weights(small(), tmp_path / "m.safetensors", {"when": object()})
    assert list(tmp_path.iterdir()) == []


def test_truncated_safetensors(tmp_path):
    path = saved(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    with pytest.raises(WeightsError, match=r"m\.safetensors.*truncated or corrupt"):
        weights.load_weights(path)


@pytest.mark.parametrize("content", [b"", b"hello, not a model", b"\x00" * 64])
def test_not_a_weights_file(tmp_path, content):
    path = tmp_path / "junk.safetensors"
    path.write_bytes(content)
    with pytest.raises(WeightsError, match="junk.safetensors"):
        weights.load_weights(path)


def test_missing_file(tmp_path):
    with pytest.raises(WeightsError, match="no such file"):
        weights.load_weights(tmp_path / "nope.safetensors")


def test_unknown_architecture(tmp_path):
    path = tmp_path / "x.safetensors"
    save_file({"w": torch.zeros(1)}, str(path), metadata={"format": weights.FORMAT, "arch": "transformer9000", "hparams": "{}"})
    with pytest.raises(WeightsError, match="unknown architecture 'transformer9000'"):
        weights.load_weights(path)


def test_foreign_safetensors_without_header(tmp_path):
    path = tmp_path / "x.safetensors"
    save_file(dict(small().state_dict()), str(path))
    with pytest.raises(WeightsError, match="not a Denoise Desktop weights file"):
        weights.load_weights(path)


def test_mismatched_keys_and_shapes(tmp_path):
    state = dict(small().state_dict())
    bad = dict(state)
    bad.pop("body.0.weight")
    bad["extra.bias"] = torch.zeros(3)
    bad["body.0.bias"] = torch.zeros(9)  # 8 in the model
    meta = {"format": weights.FORMAT, "arch": "dncnn",
            "hparams": json.dumps({"in_channels": 1, "depth": 4, "features": 8})}
    path = tmp_path / "bad.safetensors"
    save_file(bad, str(path), metadata=meta)
    with pytest.raises(WeightsError) as info:
        weights.load_weights(path)
    msg = str(info.value)
    assert "missing: body.0.weight" in msg and "unexpected: extra.bias" in msg and "wrong shape: body.0.bias" in msg


def test_invalid_hparams(tmp_path):
    path = tmp_path / "h.safetensors"
    save_file({"w": torch.zeros(1)}, str(path), metadata={"format": weights.FORMAT, "arch": "dncnn", "hparams": '{"colour": 3}'})
    with pytest.raises(WeightsError, match="invalid hyper-parameters for dncnn"):
        weights.load_weights(path)


def test_pth_in_our_layout(tmp_path):
    model = small()
    path = tmp_path / "m.pth"
    torch.save({"arch": "dncnn", "hparams": model.hparams, "state_dict": model.state_dict()}, path)
    loaded, card = weights.load_weights(path)
    x = torch.rand(1, 1, 16, 16)
    with torch.inference_mode():
        torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)
    assert card["arch"] == "dncnn"


def test_truncated_pth(tmp_path):
    model = small()
    path = tmp_path / "m.pth"
    torch.save({"arch": "dncnn", "hparams": model.hparams, "state_dict": model.state_dict()}, path)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(WeightsError, match=r"m\.pth.*truncated or corrupt"):
        weights.load_weights(path)


class _Evil:
    """Unpickling this would run ``open(marker, "w")``, leaving a file behind as proof."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])  # the suffix must not matter
def test_malicious_pickle_is_refused_and_not_executed(tmp_path, suffix):
    marker = tmp_path / "pwned"
    path = tmp_path / f"evil{suffix}"
    torch.save({"arch": "dncnn", "hparams": {}, "state_dict": {}, "payload": _Evil(marker)}, path)
    assert not marker.exists()
    with pytest.raises(WeightsError, match="refused"):
        weights.load_weights(path)
    with pytest.raises(WeightsError, match="refused"):
        weights.import_model(path)
    assert not marker.exists()
    assert list(paths.user_models_dir().iterdir()) == []


def test_import_ours_copies_into_user_models(tmp_path):
    src = saved(tmp_path, "mine.safetensors")
    dest = weights.import_model(src)
    assert dest.parent == paths.user_models_dir() and dest.name == "mine.safetensors"
    assert (dest.parent / "mine.json").is_file()
    again = weights.import_model(src)  # never overwrites an earlier import
    assert again.name == "mine-2.safetensors"
    model, card = weights.load_weights(dest)
    assert card["imported_from"] == "mine.safetensors" and card["default"] is True


def test_import_pth_converts_to_safetensors(tmp_path):
    model = small()
    src = tmp_path / "legacy.pth"
    torch.save({"arch": "dncnn", "hparams": model.hparams, "state_dict": model.state_dict()}, src)
    dest = weights.import_model(src)
    assert dest.suffix == ".safetensors"
    loaded, _ = weights.load_weights(dest)
    x = torch.rand(1, 1, 16, 16)
    with torch.inference_mode():
        torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)


def test_import_third_party_without_spandrel(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "spandrel", None)  # makes `import spandrel` raise ImportError
    src = tmp_path / "esrgan.pth"
    torch.save({"conv_first.weight": torch.zeros(4, 3, 3, 3)}, src)
    with pytest.raises(WeightsError, match="pip install --no-deps"):
        weights.import_model(src)
    assert list(paths.user_models_dir().iterdir()) == []


def _fake_spandrel(scale=1, channels=3):
    """A stand-in for spandrel's loader: a 1×1 conv that halves the image."""
    mod = types.ModuleType("spandrel")

    class ImageModelDescriptor:
        def __init__(self, model):
            self.model = model
            self.scale = scale
            self.input_channels = self.output_channels = channels
            self.size_requirements = types.SimpleNamespace(multiple_of=4, minimum=8)
            self.tiling = types.SimpleNamespace(name="SUPPORTED")
            self.architecture = types.SimpleNamespace(id="FakeNet", name="Fake Net")

        def __call__(self, x):
            return self.model(x)

    class FakeNet(torch.nn.Module):  # real spandrel archs keep the file's key names too
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(channels, channels, 1, bias=False)

        def forward(self, x):
            return self.conv(x)

    class ModelLoader:
        def load_from_state_dict(self, state):
            net = FakeNet()
            net.load_state_dict(state)
            return ImageModelDescriptor(net)

    mod.ImageModelDescriptor, mod.ModelLoader = ImageModelDescriptor, ModelLoader
    return mod


def test_import_third_party_through_spandrel(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "spandrel", _fake_spandrel())
    src = tmp_path / "fake.pth"
    torch.save({"params": {"conv.weight": 0.5 * torch.eye(3).reshape(3, 3, 1, 1)}}, src)
    dest = weights.import_model(src)
    model, card = weights.load_weights(dest)
    assert card["thirdparty"] is True and card["channels"] == 3 and card["arch"] == weights.SPANDREL_ARCH
    spec = weights.spec_of(model)
    assert spec.size_req.multiple_of == 4 and spec.takes_sigma is False
    x = torch.rand(1, 3, 8, 8)
    with torch.inference_mode():
        torch.testing.assert_close(model(x, 0.3), x * 0.5)
    # a loaded third-party model saves back in a form spandrel recognises again
    again, _ = weights.load_weights(weights.save_weights(model, tmp_path / "resaved.safetensors", {}))
    with torch.inference_mode():
        torch.testing.assert_close(again(x), x * 0.5)


def test_import_rejects_upscalers(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "spandrel", _fake_spandrel(scale=4))
    src = tmp_path / "x4.safetensors"
    save_file({"conv.weight": torch.zeros(3, 3, 1, 1)}, str(src))
    with pytest.raises(WeightsError, match="upscaler"):
        weights.import_model(src)
    assert list(paths.user_models_dir().iterdir()) == []


def test_import_rejects_non_weights(tmp_path):
    src = tmp_path / "list.pth"
    torch.save([1, 2, 3], src)
    with pytest.raises(WeightsError, match="state dict"):
        weights.import_model(src)


def test_save_refuses_unknown_model_class(tmp_path):
    with pytest.raises(WeightsError, match="not one of the listed architectures"):
        weights.save_weights(torch.nn.Conv2d(1, 1, 3), tmp_path / "c.safetensors", {})
    assert not os.listdir(tmp_path)


def test_safetensors_whose_header_length_looks_like_a_pickle(tmp_path):
    """Header length 0x..80 makes byte 0 equal pickle's PROTO opcode; sniffing must not be fooled."""
    path = tmp_path / "m.safetensors"
    meta = {"format": weights.FORMAT, "arch": "dncnn", "hparams": json.dumps(small().hparams)}
    state = dict(small().state_dict())
    for pad in range(400):
        save_file(state, str(path), metadata={**meta, "pad": " " * pad})
        if path.read_bytes()[0] == 0x80:
            break
    assert path.read_bytes()[0] == 0x80
    model, card = weights.load_weights(path)
    assert card["arch"] == "dncnn"


def test_a_deeply_nested_or_huge_card_is_ignored_with_a_warning(tmp_path, caplog):
    from denoise_desktop import weights

    w = tmp_path / "m.safetensors"
    card = tmp_path / "m.json"
    card.write_text("[" * 100_000 + "]" * 100_000)
    with caplog.at_level("WARNING"):
        assert weights.read_card(w) == {}
    card.write_text('{"pad": "' + "x" * (weights.MAX_CARD_BYTES + 10) + '"}')
    assert weights.read_card(w) == {}
    assert "ignoring" in caplog.text
