"""Every listed architecture × {gray, color}: build, pad → run → crop, σ handling, receptive
field claim, and a save → load round trip through the weights format."""

from __future__ import annotations

import copy
import json

import pytest
import torch
import torch.nn.functional as F

from denoise_desktop import weights
from denoise_desktop.models import ARCHITECTURES, build, get_spec

# Small widths keep every test well under a second; structure (depth, levels) stays as shipped
# where it decides the receptive field.
TINY: dict[str, dict] = {
    "unet_res": {"features": 8, "max_features": 16},
    "ffdnet": {"features": 8},
    "dncnn": {"features": 8},
    "conv_autoencoder": {"features": 8},
    "upsampling_autoencoder": {"features": 4},
    "rednet": {"features": 8},
    "strided_autoencoder": {"widths": [8, 8, 16]},
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


def test_torch_free_name_table_lists_every_architecture():
    from denoise_desktop.arch_names import ARCH_NAMES

    assert list(ARCH_NAMES) == list(ARCHITECTURES)
    assert all(ARCHITECTURES[a].name == n for a, n in ARCH_NAMES.items())


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


def structural_reach(model: torch.nn.Module, multiple: int, radius_hint: int) -> int:
    """How far (px) an output pixel's inputs can lie, from the network's wiring alone.

    Gradients of a trained-looking net undercount it (dead ReLUs, max-pool picks one input), so
    use a copy whose activations are all positive (|weights|, zero-mean/unit-var batch norm) and
    whose max-pools are average pools with the same windows.
    """
    net = copy.deepcopy(model).eval()
    for name, mod in list(net.named_modules()):
        for child_name, child in list(mod.named_children()):
            if isinstance(child, torch.nn.MaxPool2d):
                setattr(mod, child_name, torch.nn.AvgPool2d(child.kernel_size, child.stride, child.padding))
    with torch.no_grad():
        for mod in net.modules():
            if isinstance(mod, torch.nn.Conv2d | torch.nn.ConvTranspose2d):
                # positive weights that average their inputs: activations stay O(1), sigmoid alive
                n_in = mod.in_channels * mod.kernel_size[0] * mod.kernel_size[1]
                mod.weight.fill_(mod.stride[0] * mod.stride[1] / n_in if isinstance(mod, torch.nn.ConvTranspose2d) else 1 / n_in)
                if mod.bias is not None:
                    mod.bias.fill_(1e-3)
            elif isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.zero_()
                mod.running_var.fill_(1.0)
                mod.weight.fill_(1.0)
                mod.bias.fill_(1e-3)
    net.double()
    size = -(-(2 * radius_hint + 2 * multiple + 8) // multiple) * multiple
    reach = 0
    for off in range(multiple):  # strided models depend on the position modulo the stride
        x = (torch.rand(1, 1, size, size, dtype=torch.float64) + 0.1).requires_grad_(True)
        p = size // 2 - multiple // 2 + off
        net(x, 0.1)[0, 0, p, p].backward()
        idx = (x.grad[0, 0] != 0).nonzero()
        reach = max(reach, int((idx - p).abs().max()))
    return reach


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_receptive_field_claim_holds(arch):
    """The engine overlaps tiles by ``receptive_field``: no output may depend on anything farther."""
    spec = get_spec(arch)
    reach = structural_reach(build(arch, "gray", **TINY[arch]), spec.size_req.multiple_of, spec.receptive_field)
    assert reach <= spec.receptive_field
    assert reach >= spec.receptive_field - 8  # and the claim is not wastefully large


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


def test_conv_autoencoder_is_the_28k_keras_model():
    """Gray, 32 features: 3×3 convs 1→32, three 32→32, 32→1, each with a bias."""
    model = build("conv_autoencoder", "gray")
    c, f = 1, 32
    expected = (9 * c * f + f) + 3 * (9 * f * f + f) + (9 * f * c + c)
    assert sum(p.numel() for p in model.parameters()) == expected
    assert 27_000 < expected < 29_000


def test_upsampling_autoencoder_bottleneck_is_one_32nd():
    model = build("upsampling_autoencoder", "color")
    code = model.encoder(torch.rand(1, 3, 128, 128))
    assert code.shape == (1, 8 * model.hparams["features"], 4, 4)
    assert get_spec("upsampling_autoencoder").size_req.multiple_of == 32


@pytest.mark.parametrize("depth", [10, 20, 30])
def test_rednet_depths(depth):
    model = build("rednet", "gray", depth=depth, features=4)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.ConvTranspose2d)]
    assert len(convs) == depth
    x = torch.rand(1, 1, 40, 33)
    assert model(x).shape == x.shape


def test_rednet_rejects_odd_depth():
    with pytest.raises(ValueError, match="even"):
        build("rednet", depth=15)


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_unpadded_odd_and_tiny_inputs_keep_their_shape(arch):
    """Networks pad internally when the caller did not (the engine pads for speed, not need)."""
    model = tiny(arch, "gray")
    for h, w in [(37, 53), (5, 7)]:
        x = torch.rand(1, 1, h, w)
        with torch.inference_mode():
            y = model(x, 0.1)
        assert y.shape == x.shape and torch.isfinite(y).all()
