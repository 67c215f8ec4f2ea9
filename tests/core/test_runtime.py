"""The runtime behind the engine: precision choice, bf16, the compiled runtime's fallback."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from denoise_desktop import models, runtime
from denoise_desktop.engine import NetworkDenoiser
from tests.conftest import synthetic_image


@pytest.fixture
def native(monkeypatch):
    def set_(flag: bool):
        monkeypatch.setattr(runtime, "cpu_bf16_native", lambda: flag)
    return set_


def test_auto_precision_follows_the_device(native):
    native(False)
    assert runtime.resolve_precision("auto", torch.device("cpu")) == "fp32"
    native(True)
    assert runtime.resolve_precision("auto", torch.device("cpu")) == "bf16"
    assert runtime.resolve_precision("auto", torch.device("cuda")) == "fp16"
    assert runtime.resolve_precision("fp32", torch.device("cpu")) == "fp32"  # a choice overrides
    with pytest.raises(ValueError, match="fp16 needs a GPU"):
        runtime.resolve_precision("fp16", torch.device("cpu"))
    with pytest.raises(ValueError, match="precision must be one of"):
        runtime.resolve_precision("int4", torch.device("cpu"))


def test_the_environment_can_pin_the_bf16_detection(monkeypatch):
    runtime.cpu_bf16_native.cache_clear()
    try:
        monkeypatch.setenv("DENOISE_DESKTOP_CPU_BF16", "1")
        assert runtime.cpu_bf16_native() is True
        runtime.cpu_bf16_native.cache_clear()
        monkeypatch.setenv("DENOISE_DESKTOP_CPU_BF16", "0")
        assert runtime.cpu_bf16_native() is False
    finally:
        runtime.cpu_bf16_native.cache_clear()


def _unet():
    torch.manual_seed(0)
    return models.build("unet_res", "color"), models.get_spec("unet_res")


def test_bf16_autocast_on_the_cpu_stays_close_to_fp32():
    model, spec = _unet()
    img = synthetic_image(64, 64, 3)
    ref = NetworkDenoiser(model, spec, device="cpu", precision="fp32").denoise(img, sigma=25)
    dn = NetworkDenoiser(model, spec, device="cpu", precision="bf16")
    out = dn.denoise(img, sigma=25)
    assert dn.last_info["precision"] == "bf16" and dn.last_info["runtime"] == "eager"
    assert np.abs(out - ref).max() < 0.03
    assert not np.array_equal(out, ref)  # it really ran in bf16


def test_a_failing_compiler_falls_back_to_eager_and_says_so(monkeypatch):
    model, spec = _unet()
    img = synthetic_image(64, 64, 3)
    ref = NetworkDenoiser(model, spec, device="cpu", precision="fp32").denoise(img, sigma=25)

    class Broken(torch.nn.Module):
        def forward(self, *a, **k):
            raise RuntimeError("inductor: no C++ compiler found\nmore")

    monkeypatch.setattr(torch, "compile", lambda m, **kw: Broken())
    dn = NetworkDenoiser(model, spec, device="cpu", precision="fp32", runtime="compiled")
    out = dn.denoise(img, sigma=25)
    np.testing.assert_allclose(out, ref, atol=1e-6)
    assert dn.last_info["runtime"] == "compiled"
    assert "no C++ compiler found" in dn.last_info["runtime_note"] and "ran eager" in dn.last_info["runtime_note"]
    dn.denoise(img, sigma=25)  # later calls go straight to eager
    assert "ran eager" in dn.last_info["runtime_note"]


def test_unknown_runtime_is_refused():
    model, spec = _unet()
    with pytest.raises(ValueError, match="runtime must be one of"):
        NetworkDenoiser(model, spec, device="cpu", runtime="tensorrt")


def test_cli_precision_and_runtime(tmp_path, capsys, monkeypatch):
    from denoise_desktop import cli, imageio

    src = tmp_path / "in"
    src.mkdir()
    imageio.write_image(imageio.ImageData((synthetic_image(48, 48, 3) * 255).astype(np.uint8), bit_depth=8, format="PNG"),
                        src / "a.png")
    assert cli.main(["run", str(src), "--out", str(tmp_path / "o1"), "--precision", "fp16", "--device", "cpu"]) == 2
    assert "fp16 needs a GPU" in capsys.readouterr().err
    assert not (tmp_path / "o1" / "a.png").exists()
    seen = []
    real_init = NetworkDenoiser.__init__

    def spy(self, *a, **kw):
        real_init(self, *a, **kw)
        seen.append((self.precision, self.runtime.name))

    monkeypatch.setattr(NetworkDenoiser, "__init__", spy)
    monkeypatch.setattr(torch, "compile", lambda m, **kw: m)  # no compiler run in the suite
    assert cli.main(["run", str(src), "--out", str(tmp_path / "o2"), "--precision", "fp32", "--runtime", "compiled",
                     "--device", "cpu", "--ensemble", "1"]) == 0
    assert (tmp_path / "o2" / "a.png").exists()
    assert seen and all(s == ("fp32", "compiled") for s in seen)
