"""Realistic camera-noise synthesis: its statistics look like a camera's, and draws are seeded."""

import dataclasses
import io

import numpy as np
import pytest
from PIL import Image

from training import camera
from training.config import NoiseConfig
from training.data.patches import apply_noise
from training.noise import make_noise


def _flat(value: float, size: int = 96, c: int = 3) -> np.ndarray:
    return np.full((size, size, c), value, np.float32)


def _cam(rng: np.random.Generator, **changes) -> camera.CameraDraw:
    base = camera.draw_camera(rng, jpeg_quality=None)
    return dataclasses.replace(base, **{"sharpen": 0.0, "shot": 4e-3, "read": 1e-5, **changes})


@pytest.mark.parametrize("pattern", list(camera.PATTERNS))
@pytest.mark.parametrize("method", camera.DEMOSAIC)
def test_noise_free_development_gives_the_image_back(pattern: str, method: str) -> None:
    # unprocess ∘ develop is the identity away from clipping: a flat colour survives the trip
    rng = np.random.default_rng(0)
    cam = _cam(rng, pattern=pattern, demosaic=method)
    img = _flat(0.0) + np.array([0.7, 0.45, 0.25], np.float32)
    out = camera.develop(camera.demosaic(camera.mosaic(camera.unprocess(img, cam), pattern), pattern, method), cam)
    assert np.abs(out[8:-8, 8:-8] - img[8:-8, 8:-8]).max() < 0.02


def test_noise_variance_grows_with_brightness() -> None:
    rng = np.random.default_rng(1)
    cam = _cam(rng, demosaic="bilinear")
    dark = camera.camera_pipeline(_flat(0.15), np.random.default_rng(2), cam=cam)
    bright = camera.camera_pipeline(_flat(0.6), np.random.default_rng(2), cam=cam)
    # in the sensor's linear space shot noise makes the variance grow with the signal; the sRGB
    # gamma flattens it, so measure after taking both images back there
    var = [float((camera.unprocess(n, cam) - camera.unprocess(t, cam))[8:-8, 8:-8].var()) for n, _, t in (dark, bright)]
    assert var[1] > 2.0 * var[0]
    assert bright[1] > dark[1]  # the reported (sRGB) level still rises


def test_neighbouring_pixels_noise_is_correlated_after_demosaicing() -> None:
    rng = np.random.default_rng(3)
    for method in camera.DEMOSAIC:
        cam = _cam(rng, demosaic=method, shot=1e-2)
        noisy, _, target = camera.camera_pipeline(_flat(0.4, 192), np.random.default_rng(4), cam=cam)
        r = (noisy - target)[8:-8, 8:-8, 1]
        r = r - r.mean()
        corr = float((r[:, 1:] * r[:, :-1]).mean() / (r * r).mean())
        assert corr > 0.2, (method, corr)
    # white Gaussian noise on the same grid has none: the measure can fail
    w = np.random.default_rng(5).standard_normal((176, 176)).astype(np.float32)
    assert abs(float((w[:, 1:] * w[:, :-1]).mean() / (w * w).mean())) < 0.05


def _chroma_planes(img: np.ndarray, quality: int, subsampling: str) -> tuple[tuple[int, int], ...]:
    u8 = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(u8).save(buf, "JPEG", quality=quality, subsampling=2 if subsampling == "4:2:0" else 0)
    buf.seek(0)
    with Image.open(buf) as im:
        return tuple(im.layer)  # (id, h-sampling, v-sampling, table) per component


def test_jpeg_chroma_really_is_subsampled() -> None:
    rng = np.random.default_rng(6)
    img = rng.random((64, 64, 3)).astype(np.float32)
    assert [c[1:3] for c in _chroma_planes(img, 90, "4:2:0")] == [(2, 2), (1, 1), (1, 1)]
    assert [c[1:3] for c in _chroma_planes(img, 90, "4:4:4")] == [(1, 1), (1, 1), (1, 1)]
    # and the round trip loses chroma detail at 4:2:0 that 4:4:4 keeps
    ycc = lambda a: np.asarray(Image.fromarray(np.uint8(np.rint(a * 255))).convert("YCbCr"), np.float32)
    e420 = np.abs(ycc(camera.jpeg(img, 95, "4:2:0"))[..., 1:] - ycc(img)[..., 1:]).mean()
    e444 = np.abs(ycc(camera.jpeg(img, 95, "4:4:4"))[..., 1:] - ycc(img)[..., 1:]).mean()
    assert e420 > 2 * e444


def test_seeded_draw_is_reproducible_and_seeds_differ() -> None:
    clean = np.random.default_rng(7).random((64, 64, 3)).astype(np.float32)
    a = camera.realistic(clean, np.random.default_rng(8), awgn_fraction=0.0)
    b = camera.realistic(clean, np.random.default_rng(8), awgn_fraction=0.0)
    c = camera.realistic(clean, np.random.default_rng(9), awgn_fraction=0.0)
    assert np.array_equal(a[0], b[0]) and a[1] == b[1] and np.array_equal(a[2], b[2])
    assert not np.array_equal(a[0], c[0])


def test_awgn_share_reports_sigma_before_jpeg_and_keeps_the_clean_target() -> None:
    clean = _flat(0.5, 64)
    rng = np.random.default_rng(10)
    noisy, level, target = camera.realistic(clean, rng, sigma=25.0, awgn_fraction=1.0, jpeg_fraction=1.0)
    assert level == pytest.approx(25 / 255) and target is clean
    # JPEG removes some of the noise: the RMS is below σ, the level still says σ
    assert (noisy - clean).std() < 25 / 255


def test_gray_patches_are_the_luma_of_a_colour_camera() -> None:
    noisy, level, target = camera.realistic(_flat(0.4, 64, 1), np.random.default_rng(11), awgn_fraction=0.0)
    assert noisy.shape == target.shape == (64, 64, 1)
    assert level > 0


def test_odd_sizes_keep_their_shape() -> None:
    noisy, _, target = camera.camera_pipeline(_flat(0.5, 33), np.random.default_rng(12))
    assert noisy.shape == target.shape == (33, 33, 3)


def test_recipe_noise_gives_the_developed_target_to_the_dataset() -> None:
    fn = make_noise(NoiseConfig(kind="realistic", sigma=[0, 55], awgn_fraction=0.0, quantize_8bit=True))
    clean = np.random.default_rng(13).random((48, 48, 3)).astype(np.float32)
    target, noisy, level = apply_noise(fn, clean, np.random.default_rng(14))
    assert target.shape == clean.shape and not np.array_equal(target, clean)
    assert np.allclose(noisy * 255, np.rint(noisy * 255), atol=1e-4)
    assert 0 < level < 0.5


def test_in_camera_noise_reduction_makes_blotchy_colour_noise_like_camera_jpegs():
    rng = np.random.default_rng(15)
    ycc = np.array([[0.299, 0.587, 0.114], [-0.169, -0.331, 0.5], [0.5, -0.419, -0.081]], np.float32)

    def stats(cam):
        noisy, _, target = camera.camera_pipeline(_flat(0.4, 192), np.random.default_rng(16), cam=cam)
        r = ((noisy - target)[8:-8, 8:-8] @ ycc.T)
        r = r - r.mean(axis=(0, 1))
        corr = [float((r[:, 1:, c] * r[:, :-1, c]).mean() / (r[..., c] ** 2).mean()) for c in range(3)]
        return r.std(axis=(0, 1)), corr

    plain_std, plain_corr = stats(_cam(rng, demosaic="bilinear", shot=1e-3, luma_nr=0.0, chroma_nr=0.0))
    nr_std, nr_corr = stats(_cam(rng, demosaic="bilinear", shot=1e-3, luma_nr=0.8, chroma_nr=2.5))
    assert nr_corr[0] > plain_corr[0] + 0.2 and min(nr_corr[1:]) > 0.85
    assert nr_std[1] < 0.8 * nr_std[0] and nr_std[0] < plain_std[0]  # chroma noise now below luma noise


def test_a_jpeg_camera_samples_target_is_jpegd_alike_unless_asked_not_to():
    clean = np.random.default_rng(17).random((64, 64, 3)).astype(np.float32)
    cam = dataclasses.replace(camera.draw_camera(np.random.default_rng(18)), jpeg_quality=70, subsampling="4:2:0")
    n1, l1, t1 = camera.camera_pipeline(clean, np.random.default_rng(19), cam=cam)
    n0, l0, t0 = camera.camera_pipeline(clean, np.random.default_rng(19), cam=cam, jpeg_target=False)
    assert np.array_equal(n1, n0) and l1 == l0
    assert np.array_equal(t1, camera.jpeg(t0, 70, "4:2:0"))
    # the JPEG'd pair differs by the noise, not by the format: much closer than to the raw target
    assert np.abs(n1 - t1).mean() < np.abs(n1 - t0).mean()


def _coarse_share(cam: camera.CameraDraw, sigma: float = 4.0) -> np.ndarray:
    """Share of each YCbCr channel's noise variance that survives a Gaussian blur of ``sigma`` px."""
    import cv2

    noisy, _, target = camera.camera_pipeline(_flat(0.4, 192), np.random.default_rng(20), cam=cam)
    r = ((noisy - target) @ camera._YCC.T)[12:-12, 12:-12].astype(np.float32)
    r = r - r.mean(axis=(0, 1))
    return np.array([(cv2.GaussianBlur(np.ascontiguousarray(r[..., c]), (0, 0), sigma) ** 2).mean()
                     / (r[..., c] ** 2).mean() for c in range(3)])


def test_coarse_noise_reduction_leaves_blotchy_noise_at_several_pixels():
    rng = np.random.default_rng(21)
    base = _cam(rng, demosaic="bilinear", shot=1e-3, luma_nr=0.8, chroma_nr=2.5)
    fine = _coarse_share(base)
    coarse = _coarse_share(dataclasses.replace(base, luma_coarse=0.15, chroma_coarse=0.6, coarse_sigma=6.0))
    assert coarse[0] > fine[0] + 0.05 and min(coarse[1:]) > min(fine[1:]) + 0.1
    # the level keeps its meaning: the coarse part re-scales the noise, it does not add to it
    _, l_fine, _ = camera.camera_pipeline(_flat(0.4, 192), np.random.default_rng(20), cam=base)
    _, l_coarse, _ = camera.camera_pipeline(_flat(0.4, 192), np.random.default_rng(20),
                                            cam=dataclasses.replace(base, luma_coarse=0.15, coarse_sigma=6.0))
    assert l_coarse == pytest.approx(l_fine, rel=0.15)


def test_recipes_without_coarse_noise_keep_their_random_stream():
    # coarse_fraction = 0 draws nothing more: earlier stages' samples are reproduced exactly
    a = camera.draw_camera(np.random.default_rng(22))
    b = camera.draw_camera(np.random.default_rng(22), coarse_fraction=0.0)
    assert all(np.array_equal(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    assert a.luma_coarse == a.chroma_coarse == a.coarse_sigma == 0.0 and a.chroma_gain == 1.0
    drawn = [camera.draw_camera(np.random.default_rng(s), coarse_fraction=1.0, nr_fraction=1.0) for s in range(20)]
    assert all(d.coarse_sigma > 0 and 0 < d.chroma_gain <= 1 for d in drawn)
