"""Engine: tiled == whole, seams, cancel, strength, channel handling, OOM back-off, sizes."""

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

from denoise_desktop import models
from denoise_desktop.engine import NetworkDenoiser, OutOfMemory
from denoise_desktop.models.spec import ArchSpec, SizeRequirements
from denoise_desktop.progress import CancelToken, Cancelled, Progress

torch.set_num_threads(1)


def small_dncnn(channels=3, depth=5):
    torch.manual_seed(0)
    model = models.build("dncnn", in_channels=channels, depth=depth, features=16).eval()
    # Random BN statistics so batch norm is not an identity.
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    spec = dataclasses.replace(models.get_spec("dncnn"), receptive_field=depth)
    return model, spec


class Identity(nn.Module):
    def __init__(self, in_channels=1):
        super().__init__()
        self.hparams = {"in_channels": in_channels}
        self.conv = nn.Conv2d(in_channels, in_channels, 1)  # gives the engine a width estimate

    def forward(self, x, sigma=None):
        return x


def identity_spec(**kw):
    return ArchSpec(id="identity", name="Identity", cls=Identity, description="", takes_sigma=False, **kw)


def test_tiled_equals_whole_on_odd_size():
    model, spec = small_dncnn()
    img = np.random.default_rng(0).random((70, 53, 3), dtype=np.float32)
    whole = NetworkDenoiser(model, spec, device="cpu", tile=512).denoise(img)
    tiled_dn = NetworkDenoiser(model, spec, device="cpu", tile=32)
    tiled = tiled_dn.denoise(img)
    assert tiled_dn.last_info["tiles"] > 4
    assert tiled.shape == img.shape and tiled.dtype == np.float32
    assert np.abs(whole - img).max() > 0.01  # the model really changes the image
    np.testing.assert_allclose(tiled, whole, atol=1e-4)


def test_flat_gradient_shows_no_seam():
    h, w = 48, 130
    img = np.tile(np.linspace(0.1, 0.9, w, dtype=np.float32), (h, 1))[:, :, None]
    dn = NetworkDenoiser(Identity(1), identity_spec(receptive_field=4), device="cpu", tile=40)
    out = dn.denoise(img)
    assert dn.last_info["tiles"] > 2
    np.testing.assert_allclose(out, img, atol=1e-6)
    assert np.abs(np.diff(out[:, :, 0], axis=1) - np.diff(img[:, :, 0], axis=1)).max() < 1e-6


def test_cancel_between_tiles_raises_cancelled():
    token = CancelToken()
    seen = []

    def cb(f, msg):
        seen.append(f)
        if f > 0.3:
            token.cancel()

    model, spec = small_dncnn(1)
    dn = NetworkDenoiser(model, spec, device="cpu", tile=32)
    with pytest.raises(Cancelled):
        dn.denoise(np.zeros((100, 100, 1), np.float32), progress=Progress(cb, token))
    assert seen and max(seen) < 1.0


def test_progress_is_monotonic_and_ends_at_one():
    seen = []
    model, spec = small_dncnn(1)
    dn = NetworkDenoiser(model, spec, device="cpu", tile=32)
    dn.denoise(np.zeros((70, 70, 1), np.float32), progress=Progress(lambda f, m: seen.append(f)))
    assert len(seen) > 3
    assert all(b >= a for a, b in zip(seen, seen[1:]))
    assert seen[-1] == 1.0


def test_strength_zero_returns_input_and_half_blends():
    model, spec = small_dncnn(3)
    img = np.random.default_rng(2).random((20, 24, 3), dtype=np.float32)
    dn = NetworkDenoiser(model, spec, device="cpu")
    np.testing.assert_array_equal(dn.denoise(img, strength=0.0), img)
    full = dn.denoise(img, strength=1.0)
    half = dn.denoise(img, strength=0.5)
    np.testing.assert_allclose(half, 0.5 * full + 0.5 * img, atol=1e-6)
    with pytest.raises(ValueError):
        dn.denoise(img, strength=1.5)


def test_gray_model_on_color_image_runs_per_channel():
    model, spec = small_dncnn(1)
    img = np.random.default_rng(3).random((24, 20, 3), dtype=np.float32)
    dn = NetworkDenoiser(model, spec, device="cpu")
    out = dn.denoise(img)
    assert out.shape == img.shape
    for c in range(3):
        np.testing.assert_allclose(out[:, :, c], dn.denoise(img[:, :, c : c + 1])[:, :, 0], atol=1e-5)


def test_color_model_on_gray_image_replicates():
    model, spec = small_dncnn(3)
    img = np.random.default_rng(4).random((24, 20, 1), dtype=np.float32)
    dn = NetworkDenoiser(model, spec, device="cpu")
    out = dn.denoise(img)
    assert out.shape == img.shape
    rgb = dn.denoise(np.repeat(img, 3, axis=2))
    np.testing.assert_allclose(out[:, :, 0], rgb.mean(axis=2), atol=1e-5)
    assert dn.denoise(img[:, :, 0]).shape == (24, 20)  # plain H×W in, H×W out


def test_output_is_clamped_and_sizes_padded_to_multiple():
    class Checker(Identity):
        def forward(self, x, sigma=None):
            assert x.shape[-1] % 8 == 0 and x.shape[-2] % 8 == 0 and min(x.shape[-2:]) >= 16
            return x * 3 - 1

    spec = identity_spec(size_req=SizeRequirements(multiple_of=8, minimum=16), receptive_field=2)
    dn = NetworkDenoiser(Checker(3), spec, device="cpu", tile=64)
    img = np.random.default_rng(5).random((5, 91, 3), dtype=np.float32)
    out = dn.denoise(img)
    assert out.shape == img.shape and out.min() >= 0.0 and out.max() <= 1.0
    np.testing.assert_allclose(out, np.clip(img * 3 - 1, 0, 1), atol=1e-6)


def test_sigma_is_passed_on_the_unit_scale():
    got = []

    class SigmaModel(Identity):
        def forward(self, x, sigma=None):
            got.append(sigma)
            return x

    dn = NetworkDenoiser(SigmaModel(1), identity_spec(receptive_field=0), device="cpu")
    dn.takes_sigma = True
    dn.denoise(np.zeros((8, 8, 1), np.float32), sigma=25.5)
    assert got[-1] == pytest.approx(0.1)
    assert dn.last_info["sigma_used"] == 25.5


def test_oom_backs_off_then_gives_a_clear_error():
    class OOMOver(Identity):
        def __init__(self, limit):
            super().__init__(1)
            self.limit = limit
            self.sizes = []

        def forward(self, x, sigma=None):
            self.sizes.append(x.shape[-1])
            if x.shape[-1] * x.shape[-2] > self.limit:
                raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
            return x

    img = np.random.default_rng(6).random((200, 200, 1), dtype=np.float32)
    model = OOMOver(70 * 70)
    dn = NetworkDenoiser(model, identity_spec(receptive_field=2), device="cpu", tile=256)
    out = dn.denoise(img)
    np.testing.assert_allclose(out, img, atol=1e-6)
    assert max(model.sizes) == 200 and dn.last_info["tile"] == 64
    model.sizes.clear()
    dn.denoise(img)  # the next image starts at the size that fitted: no failed attempts
    assert max(model.sizes) <= 64
    dn2 = NetworkDenoiser(OOMOver(10), identity_spec(receptive_field=2), device="cpu", tile=256)
    with pytest.raises(OutOfMemory, match="not enough memory"):
        dn2.denoise(img)


def test_other_errors_are_not_retried():
    class Broken(Identity):
        def forward(self, x, sigma=None):
            raise RuntimeError("shape mismatch")

    with pytest.raises(RuntimeError, match="shape mismatch"):
        NetworkDenoiser(Broken(1), identity_spec(), device="cpu").denoise(np.zeros((8, 8, 1), np.float32))


def test_bad_arguments():
    model, spec = small_dncnn(1)
    with pytest.raises(ValueError, match="precision"):
        NetworkDenoiser(model, spec, device="cpu", precision="fp8")
    with pytest.raises(ValueError, match="too small"):
        NetworkDenoiser(model, spec, device="cpu", tile=8)
    with pytest.raises(ValueError, match="channels"):
        NetworkDenoiser(model, spec, device="cpu").denoise(np.zeros((8, 8, 4), np.float32))


def test_auto_tile_is_reasonable_on_cpu():
    model, spec = small_dncnn(3)
    dn = NetworkDenoiser(model, spec, device="cpu")
    assert 256 <= dn.auto_tile(3) <= 2048
    dn.denoise(np.zeros((300, 200, 3), np.float32))
    assert dn.last_info["tiles"] == 1  # fits the memory budget: no overlap work at all
    gray_model, gray_spec = small_dncnn(1)
    gray = NetworkDenoiser(gray_model, gray_spec, device="cpu")
    assert gray.auto_tile(3) < gray.auto_tile(1)  # RGB through a gray model runs 3 tiles at once


def test_integer_input_and_denoise_image():
    from denoise_desktop.engine import denoise_image
    from denoise_desktop.imageio import ImageData
    from denoise_desktop.noise_estimate import estimate_sigma

    model, spec = small_dncnn(3)
    rng = np.random.default_rng(7)
    px = rng.integers(0, 65536, (30, 40, 3), dtype=np.uint16)
    alpha = rng.integers(0, 65536, (30, 40), dtype=np.uint16)
    dn = NetworkDenoiser(model, spec, device="cpu", tile=32)
    np.testing.assert_allclose(dn.denoise(px), dn.denoise(px.astype(np.float32) / 65535), atol=1e-6)
    image = ImageData(px, alpha=alpha, bit_depth=16, format="PNG")
    out, info = denoise_image(image, dn, strength=0.7)
    expected = image.with_pixels(dn.denoise(image.to_float(), strength=0.7))
    assert out.pixels.dtype == np.uint16 and out.alpha is alpha
    assert np.abs(out.pixels.astype(int) - expected.pixels.astype(int)).max() <= 1
    assert info["sigma_estimated"] is None and info["tiles"] > 1 and info["seconds"] > 0

    sigma_dn = NetworkDenoiser(Identity(3), identity_spec(receptive_field=0), device="cpu")
    sigma_dn.takes_sigma = True
    _, info = denoise_image(image, sigma_dn)
    assert info["sigma_estimated"] == pytest.approx(estimate_sigma(image.to_float()))
    assert info["sigma_used"] == info["sigma_estimated"]


@pytest.mark.parametrize("arch,hparams,shape,tile,rf", [
    ("ffdnet", {"in_channels": 3, "depth": 4, "features": 8}, (71, 53, 3), 40, 10),  # multiple_of 2
    ("unet_res", {"in_channels": 1, "features": 8}, (300, 260, 1), 240, None),  # multiple_of 8, real spec
])
def test_tiled_equals_whole_for_downsampling_models(arch, hparams, shape, tile, rf):
    torch.manual_seed(0)
    model = models.build(arch, **hparams).eval()
    spec = models.get_spec(arch)
    if rf is not None:
        spec = dataclasses.replace(spec, receptive_field=rf)
    img = np.random.default_rng(8).random(shape, dtype=np.float32)
    whole = NetworkDenoiser(model, spec, device="cpu", tile=1024).denoise(img, sigma=25)
    dn = NetworkDenoiser(model, spec, device="cpu", tile=tile)
    tiled = dn.denoise(img, sigma=25)
    assert dn.last_info["tiles"] > 2
    assert np.abs(whole - img).max() > 0.01
    np.testing.assert_allclose(tiled, whole, atol=1e-4)


def test_read_only_input_is_fine():
    model, spec = small_dncnn(1)
    img = np.random.default_rng(9).random((16, 16, 1), dtype=np.float32)
    img.setflags(write=False)
    out = NetworkDenoiser(model, spec, device="cpu").denoise(img)
    assert out.shape == img.shape and out.flags.writeable


def test_bf16_autocast_path_runs_close_to_fp32():
    model, spec = small_dncnn(3)
    img = np.random.default_rng(10).random((24, 24, 3), dtype=np.float32)
    ref = NetworkDenoiser(model, spec, device="cpu", precision="fp32").denoise(img)
    dn = NetworkDenoiser(model, spec, device="cpu", precision="bf16")
    out = dn.denoise(img)
    assert out.dtype == np.float32 and dn.last_info["precision"] == "bf16"
    assert np.abs(out - ref).max() < 0.05


class PositionDependent(Identity):
    """Not equivariant to flips or rotations: adds ramps along the tensor's own axes."""

    def forward(self, x, sigma=None):
        h, w = x.shape[-2:]
        ramp_w = torch.linspace(0, 1, w).view(1, 1, 1, w)
        ramp_h = torch.linspace(0, 1, h).view(1, 1, h, 1) ** 2
        return 0.5 * x + 0.25 * ramp_w + 0.1 * ramp_h


def _dihedral(a, k, mirror):
    a = np.rot90(a, k, axes=(0, 1))
    return np.ascontiguousarray(a[:, ::-1] if mirror else a)


@pytest.mark.parametrize("n, symmetries", [
    (2, [(0, True)]),                        # left-right mirror
    (4, [(0, True), (2, True), (2, False)]),  # + top-bottom mirror, half turn
    (8, [(k, m) for k in range(4) for m in (False, True) if (k, m) != (0, False)]),
])
def test_self_ensemble_commutes_with_its_symmetries(n, symmetries):
    # Averaging over a group of flips/rotations makes any model equivariant to that group; that
    # only holds if every transform is undone correctly before averaging.
    img = np.random.default_rng(7).random((24, 40, 3), dtype=np.float32) * 0.5
    spec = identity_spec(size_req=SizeRequirements(multiple_of=8), receptive_field=2)
    single = NetworkDenoiser(PositionDependent(3), spec, device="cpu", tile=128)
    ens = NetworkDenoiser(PositionDependent(3), spec, device="cpu", tile=128, ensemble=n)
    out = ens.denoise(img)
    assert ens.last_info["ensemble"] == n
    for k, mirror in symmetries:
        turned = ens.denoise(_dihedral(img, k, mirror))
        np.testing.assert_allclose(turned, _dihedral(out, k, mirror), atol=1e-5)
        # The single run is not equivariant, so the check above can fail.
        assert np.abs(single.denoise(_dihedral(img, k, mirror)) - _dihedral(single.denoise(img), k, mirror)).max() > 0.01


@pytest.mark.parametrize("n", [1, 2, 4, 8])
def test_self_ensemble_of_identity_is_identity_with_padding_and_channels(n):
    # Odd sizes need padding (bottom/right), which the turned copies move elsewhere; a gray model
    # on a color image runs its channels as a batch.
    spec = identity_spec(size_req=SizeRequirements(multiple_of=8, minimum=16), receptive_field=2)
    img = np.random.default_rng(8).random((13, 29, 3), dtype=np.float32)
    for channels in (1, 3):
        dn = NetworkDenoiser(Identity(channels), spec, device="cpu", tile=64, ensemble=n)
        np.testing.assert_allclose(dn.denoise(img), img, atol=1e-6)


def test_self_ensemble_rejects_other_sizes():
    model, spec = small_dncnn()
    with pytest.raises(ValueError, match="ensemble"):
        NetworkDenoiser(model, spec, device="cpu", ensemble=3)
    dn = NetworkDenoiser(model, spec, device="cpu")
    with pytest.raises(ValueError, match="1, 2, 4, 8"):
        dn.set_ensemble(16)
    assert dn.ensemble == 1


def test_self_ensemble_reports_and_cancels_between_passes():
    calls, seen, token = [], [], CancelToken()

    class Counting(Identity):
        def forward(self, x, sigma=None):
            calls.append(1)
            return x

    def cb(f, msg):
        seen.append((f, msg))
        if "pass 3/8" in msg:
            token.cancel()

    dn = NetworkDenoiser(Counting(1), identity_spec(receptive_field=2), device="cpu", tile=256, ensemble=8)
    with pytest.raises(Cancelled):
        dn.denoise(np.zeros((40, 40, 1), np.float32), progress=Progress(cb, token))
    assert len(calls) == 2  # one tile: stopped after its second pass, not after all eight
    fractions = [f for f, _ in seen]
    assert all(b >= a for a, b in zip(fractions, fractions[1:])) and 0 < fractions[-1] < 1


def test_sigma_outside_the_trained_range_runs_with_a_note():
    dn = NetworkDenoiser(Identity(1), identity_spec(receptive_field=0), device="cpu", sigma_range=(5, 55))
    dn.takes_sigma = True
    img = np.zeros((8, 8, 1), np.float32)
    dn.denoise(img, sigma=55.8)  # within the estimate's wobble: no note
    assert "sigma_note" not in dn.last_info
    dn.denoise(img, sigma=70)
    assert "70.0 is above the 5–55" in dn.last_info["sigma_note"]
    dn.denoise(img, sigma=2)
    assert "below" in dn.last_info["sigma_note"]
    from denoise_desktop.engine import denoise_image
    from denoise_desktop.imageio import ImageData

    _, info = denoise_image(ImageData(np.zeros((8, 8), np.uint8), bit_depth=8, format="PNG"), dn, sigma=90)
    assert "90.0 is above" in info["sigma_note"]
    dn.takes_sigma = False  # σ is not an input: nothing to say about it
    dn.denoise(img, sigma=70)
    assert "sigma_note" not in dn.last_info


def test_the_level_used_and_its_source_are_reported_and_a_near_zero_estimate_is_noted(monkeypatch):
    from denoise_desktop import noise_estimate
    from denoise_desktop.engine import denoise_image, level_text
    from denoise_desktop.imageio import ImageData

    monkeypatch.setattr(noise_estimate, "estimate_noise",  # "nothing found"
                        lambda img: noise_estimate.NoiseEstimate(0.4, False, 0.4, None))

    dn = NetworkDenoiser(Identity(1), identity_spec(receptive_field=0), device="cpu")
    dn.takes_sigma = True
    flat = ImageData(np.full((32, 32), 128, np.uint8), bit_depth=8, format="PNG")
    _, info = denoise_image(flat, dn)
    assert info["sigma_estimated"] == 0.4
    assert "little noise found" in info["sigma_note"] and "set σ by hand" in info["sigma_note"]
    assert level_text(info).endswith("(estimated, white noise)")
    _, info = denoise_image(flat, dn, sigma=25)
    assert "sigma_note" not in info and level_text(info) == "σ 25.0 (set)"
    assert level_text(info, estimated=True) == "σ 25.0 (estimated)"  # an estimate made earlier
    assert level_text({"sigma_used": None}) is None


def test_a_blind_model_reports_no_sigma_and_says_when_the_noise_is_far_from_its_training():
    """Issue 26, item 4: an MNIST autoencoder (trained at σ 127.5) on a photo at σ ~5."""
    from denoise_desktop.engine import denoise_image
    from denoise_desktop.imageio import ImageData

    class Blind:
        id, takes_sigma, sigma_range = "blind", False, (127.5, 127.5)

        def denoise(self, img, sigma=None, strength=1.0, progress=None):
            assert sigma is None  # a blind model is never handed a level
            return np.asarray(img, np.float32) / (255.0 if np.asarray(img).dtype == np.uint8 else 1.0)

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:96, 0:96] / 96.0
    clean = np.stack([0.3 + 0.4 * xx, 0.3 + 0.4 * yy, 0.5 + 0.2 * np.sin(8 * xx)], -1)
    noisy = np.clip(np.rint((clean + rng.normal(0, 5 / 255, clean.shape)) * 255), 0, 255).astype(np.uint8)
    _, info = denoise_image(ImageData(pixels=noisy, bit_depth=8, format="PNG"), Blind())
    assert info["sigma_used"] is None
    assert "far below the σ 127.5 this model was trained on" in info["sigma_note"]
