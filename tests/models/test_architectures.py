"""Every listed architecture × {gray, color}: build, pad → run → crop, σ handling, receptive
field claim, and a save → load round trip through the weights format."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from denoise_desktop import weights
from denoise_desktop.models import ARCHITECTURES, Tiling, build, get_spec

# Small widths keep every test well under a second; structure (depth, levels) stays as shipped
# where it decides the receptive field.
TINY: dict[str, dict] = {
    "unet_res": {"features": 8, "max_features": 16},
    "ffdnet": {"features": 8},
    "dncnn": {"features": 8},
    "conv_autoencoder": {"features": 8},
    "upsampling_autoencoder": {"widths": [4, 8, 8, 8]},
    "rednet": {"features": 8},
}
CASES = [(a, v) for a in ARCHITECTURES for v in ("gray", "color")]
IDS = [f"{a}-{v}" for a, v in CASES]


@pytest.fixture(autouse=True)
def _one_thread_seeded():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(old)


def tiny(arch: str, variant: str) -> torch.nn.Module:
    assert arch in TINY, f"add small test hparams for {arch} to TINY"
    model = build(arch, variant, **TINY[arch])
    # move batch-norm running statistics away from their defaults so round trips are meaningful
    model.train()
    with torch.no_grad():
        model(torch.rand(2, channels(variant), 32, 32), 0.1)
    return model.eval()


def channels(variant: str) -> int:
    return 1 if variant == "gray" else 3


def run_padded(model, spec, x, sigma):
    """What the engine does: pad to the size requirements (reflect), run, crop back."""
    h, w = x.shape[-2:]
    m, lo = spec.size_req.multiple_of, spec.size_req.minimum
    ph = max(lo, -(-h // m) * m) - h
    pw = max(lo, -(-w // m) * m) - w
    xp = F.pad(x, (0, pw, 0, ph), mode="reflect" if ph < h and pw < w else "replicate")
    assert xp.shape[-2] % m == 0 and xp.shape[-1] % m == 0
    with torch.inference_mode():
        y = model(xp, sigma)
    assert y.shape == xp.shape
    return y[..., :h, :w]


def test_every_architecture_has_gray_and_color_variants():
    for arch, spec in ARCHITECTURES.items():
        assert {"gray", "color"} <= spec.variants.keys(), arch
        assert spec.variants["gray"]["in_channels"] == 1 and spec.variants["color"]["in_channels"] == 3
        assert spec.reference and spec.description and spec.receptive_field > 0


@pytest.mark.parametrize(("arch", "variant"), CASES, ids=IDS)
def test_forward_odd_size_and_sigma(arch, variant):
    spec = get_spec(arch)
    model = tiny(arch, variant)
    x = torch.rand(2, channels(variant), 37, 53)
    y_float = run_padded(model, spec, x, 25 / 255)
    assert y_float.shape == x.shape
    assert torch.isfinite(y_float).all()
    y_tensor = run_padded(model, spec, x, torch.tensor([25 / 255, 25 / 255]))
    torch.testing.assert_close(y_tensor, y_float)
    y_other = run_padded(model, spec, x, torch.tensor([5 / 255, 50 / 255]))
    if spec.takes_sigma:
        # σ per image: the first image's output changes, and each uses its own level
        assert not torch.allclose(y_other[0], y_float[0])
        torch.testing.assert_close(run_padded(model, spec, x[1:], 50 / 255), y_other[1:])
    else:
        torch.testing.assert_close(y_other, y_float)


@pytest.mark.parametrize(("arch", "variant"), CASES, ids=IDS)
def test_hparams_recorded_and_json_serialisable(arch, variant):
    spec = get_spec(arch)
    model = build(arch, variant, **TINY[arch])
    expected = {**spec.variants[variant], **TINY[arch]}
    for k, v in expected.items():
        assert model.hparams[k] == v
    again = build(arch, **json.loads(json.dumps(model.hparams)))
    assert again.hparams == json.loads(json.dumps(model.hparams))
    assert sum(p.numel() for p in again.parameters()) == sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("arch", [a for a, s in ARCHITECTURES.items() if s.tiling is Tiling.SUPPORTED])
def test_receptive_field_claim_holds(arch):
    """An output pixel depends on no input pixel farther than ``receptive_field`` (eval mode)."""
    spec = get_spec(arch)
    model = tiny(arch, "gray")
    rf = spec.receptive_field
    m = spec.size_req.multiple_of
    size = -(-(2 * rf + 2 * m + 8) // m) * m
    reach = 0
    for off in range(m):  # strided models depend on the position modulo the stride
        x = torch.rand(1, 1, size, size, requires_grad=True)
        p = size // 2 - m // 2 + off
        model(x, 0.1)[0, 0, p, p].backward()
        idx = (x.grad[0, 0] != 0).nonzero()
        reach = max(reach, int((idx - p).abs().max()))
    assert reach <= rf


@pytest.mark.parametrize(("arch", "variant"), CASES, ids=IDS)
def test_save_load_round_trip(arch, variant, tmp_path):
    model = tiny(arch, variant)
    path = weights.save_weights(model, tmp_path / f"{arch}-{variant}.safetensors", {"sigma_range": [0, 55]})
    loaded, card = weights.load_weights(path)
    assert type(loaded) is type(model)
    assert loaded.hparams == model.hparams
    assert card["arch"] == arch and card["hparams"] == model.hparams
    assert card["channels"] == channels(variant) and card["sigma_range"] == [0, 55]
    assert not loaded.training
    x = torch.rand(1, channels(variant), 32, 32)
    with torch.inference_mode():
        torch.testing.assert_close(loaded(x, 0.1), model(x, 0.1), rtol=0, atol=0)
