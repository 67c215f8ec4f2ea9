"""Camera RAW input: small Bayer DNGs written with tifffile (``tests/dng_helpers.py``), developed
by LibRaw (rawpy).

The scene is known: the left half red-ish, the right half blue-ish (linear ``LEFT``/``RIGHT``), so a
test can check demosaic orientation, white balance, the tone curve and bit depth end to end.
"""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
import tifffile
from PIL import Image, ImageCms

rawpy = pytest.importorskip("rawpy")

from denoise_desktop import batch, imageio  # noqa: E402
from denoise_desktop.imageio import raw  # noqa: E402
from denoise_desktop.cli import main  # noqa: E402
from dng_helpers import LEFT, RIGHT, srgb_curve, write_dng, write_dng_with_preview  # noqa: E402


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def half_means(pixels):
    w = pixels.shape[1]
    f = pixels.astype(np.float64) / 65535
    return f[:, 2 : w // 2 - 2].reshape(-1, 3).mean(0), f[:, w // 2 + 2 : -2].reshape(-1, 3).mean(0)


def classical_id():
    from denoise_desktop import registry

    ids = [e.id for e in registry.list_models() if e.kind == "classical"]
    return next((i for i in ids if "gauss" in i.lower()), None) or next(i for i in ids if "nlm" in i.lower())


# -- develop -------------------------------------------------------------------------------------


def test_extensions_come_from_one_place():
    assert {".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2", ".pef", ".kdc"} <= raw.RAW_EXTENSIONS
    assert raw.RAW_EXTENSIONS <= imageio.READABLE_EXTENSIONS
    assert not raw.RAW_EXTENSIONS & imageio.SUPPORTED_EXTENSIONS  # read, never written
    assert raw.is_raw("a/B.NEF") and not raw.is_raw("b.tif")
    assert imageio.output_suffix_for(".NEF") == ".tif" and imageio.output_suffix_for(".gif") == ".png"
    assert imageio.output_suffix_for(".jpeg") == ".jpeg"


def test_develop_is_16_bit_srgb_with_colours_in_place(tmp_path):
    src = write_dng(tmp_path / "scene.dng")
    before = sha(src)
    img = imageio.read_image(src)
    assert img.bit_depth == 16 and img.pixels.dtype == np.uint16 and img.pixels.shape == (32, 48, 3)
    left, right = half_means(img.pixels)
    # no auto-brightening, the sRGB tone curve: the known scene comes back (demosaic keeps halves apart)
    np.testing.assert_allclose(left, srgb_curve(LEFT), atol=0.01)
    np.testing.assert_allclose(right, srgb_curve(RIGHT), atol=0.01)
    assert len(np.unique(img.pixels)) > 256 or img.pixels.max() % 257  # real 16-bit values, not 8-bit ×257
    assert img.icc_profile and ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(img.icc_profile)))
    assert "sRGB" in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(img.icc_profile)))
    assert sha(src) == before


def test_camera_white_balance_undoes_the_sensor_response(tmp_path):
    # the sensor is half as sensitive in red and 0.8 in blue; as-shot neutral says so
    img = imageio.read_image(write_dng(tmp_path / "wb.dng", neutral=(0.5, 1.0, 0.8)))
    left, right = half_means(img.pixels)
    np.testing.assert_allclose(left, srgb_curve(LEFT), atol=0.01)
    np.testing.assert_allclose(right, srgb_curve(RIGHT), atol=0.01)


def test_orientation_is_applied_once(tmp_path):
    img = imageio.read_image(write_dng(tmp_path / "rot.dng", orientation=6))  # 90° clockwise
    assert img.pixels.shape == (48, 32, 3)
    f = img.pixels.astype(np.float64) / 65535
    top, bottom = f[2:22].reshape(-1, 3).mean(0), f[26:-2].reshape(-1, 3).mean(0)
    np.testing.assert_allclose(top, srgb_curve(LEFT), atol=0.01)  # the left half is now on top
    np.testing.assert_allclose(bottom, srgb_curve(RIGHT), atol=0.01)
    ex = Image.Exif()
    ex.load(img.exif)
    assert ex[0x0112] == 1


def test_exif_carried_over(tmp_path):
    img = imageio.read_image(write_dng(tmp_path / "exif.dng"))
    ex = Image.Exif()
    ex.load(img.exif)
    assert ex[271] == "TestMake" and ex[272] == "TestModel X1" and ex[306] == "2024:05:06 07:08:09"
    sub = ex.get_ifd(0x8769)
    assert sub[34855] == 3200 and float(sub[33434]) == pytest.approx(0.005) and float(sub[33437]) == 4.0
    assert sub[42036] == "Test Lens 35mm F1.4" and float(sub[37386]) == 35.0 and sub[0xA001] == 1
    gps = ex.get_ifd(0x8825)
    assert gps[1] == "N" and [float(v) for v in gps[2]] == [48.0, 51.0, 30.0] and gps[0] == b"\x02\x03\x00\x00"
    assert 37500 not in sub  # no maker notes: their offsets point into the RAW


@pytest.mark.parametrize("space", ["adobe", "prophoto"])
def test_wide_gamut_develop_matches_its_icc_profile(tmp_path, space):
    src = write_dng(tmp_path / "wide.dng")
    srgb = raw.read_raw(src)
    wide = raw.read_raw(src, color_space=space)
    profile = ImageCms.ImageCmsProfile(io.BytesIO(wide.icc_profile))
    assert ImageCms.getProfileDescription(profile).strip()
    # converting the wide-gamut develop to sRGB through its profile gives the sRGB develop
    im = Image.fromarray((wide.pixels // 257).astype(np.uint8))
    back = ImageCms.profileToProfile(im, profile, ImageCms.createProfile("sRGB"), outputMode="RGB")
    diff = np.abs(np.asarray(back).astype(int) - (srgb.pixels // 257).astype(int))
    assert diff[:, 2:22].max() <= 4 and diff[:, 26:-2].max() <= 4


def test_quick_preview_is_the_embedded_one_oriented(tmp_path):
    src = write_dng_with_preview(tmp_path / "prev.dng", orientation=6)
    before = sha(src)
    prev = raw.read_raw_preview(src)
    assert prev.bit_depth == 8 and prev.pixels.shape == (60, 40, 3)  # the preview, turned 90° clockwise
    assert tuple(prev.pixels[5, 20]) == (200, 40, 30) and tuple(prev.pixels[50, 20]) == (30, 50, 200)
    full = imageio.read_image(src)  # the full develop of the same file, turned the same way
    assert full.pixels.shape == (96, 64, 3)
    top, bottom = full.pixels[5:40].reshape(-1, 3).mean(0), full.pixels[56:-5].reshape(-1, 3).mean(0)
    assert top[0] > top[2] and bottom[2] > bottom[0]
    assert sha(src) == before


def test_quick_preview_without_one_is_a_half_size_develop(tmp_path):
    src = write_dng(tmp_path / "p.dng")
    prev = raw.read_raw_preview(src)
    assert prev.bit_depth == 8 and prev.pixels.shape == (16, 24, 3)
    assert prev.pixels[:, :10, 0].mean() > prev.pixels[:, :10, 2].mean()  # red left


def test_unreadable_raw_is_one_clear_error(tmp_path):
    bad = tmp_path / "broken.nef"
    bad.write_bytes(b"II*\x00" + b"\x00" * 200)
    with pytest.raises(imageio.ImageReadError, match="broken.nef") as e:
        imageio.read_image(bad)
    assert "LibRaw" in str(e.value) or "RAW" in str(e.value)
    text = tmp_path / "notes.cr2"
    text.write_text("not a raw file")
    with pytest.raises(imageio.ImageReadError, match="notes.cr2"):
        imageio.read_image(text)
    with pytest.raises(imageio.ImageReadError, match="empty"):
        (tmp_path / "empty.dng").write_bytes(b"")
        imageio.read_image(tmp_path / "empty.dng")


# -- batch and CLI -------------------------------------------------------------------------------


def test_batch_plans_tiff_for_raw_and_names_a_clash(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    write_dng(src / "a.dng")
    tifffile.imwrite(src / "a.tif", np.zeros((8, 8, 3), np.uint16))
    write_dng(src / "b.DNG")
    p = batch.plan([src], tmp_path / "out")
    outs = sorted(i.output.name for i in p)
    assert outs == ["a.dng.tif", "a.tif", "b.tif"]
    with pytest.raises(batch.BatchError, match="a.png"):  # a forced format: both would be a.png
        batch.plan([src], tmp_path / "o2", fmt="png")


def test_cli_folder_with_dng_jpeg_and_16bit_tiff(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    write_dng(src / "shot.dng", noise=0.02)
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)).save(src / "photo.jpg", quality=90)
    tifffile.imwrite(src / "scan.tif", rng.integers(0, 65536, (24, 32, 3), dtype=np.uint16), photometric="rgb")
    (src / "broken.cr2").write_bytes(b"II*\x00" + b"\x00" * 64)
    before = {p.name: sha(p) for p in src.iterdir()}
    out = tmp_path / "out"
    code = main(["run", str(src), "--out", str(out), "--model", classical_id(), "--sigma", "10"])
    captured = capsys.readouterr()
    assert code == 1  # the corrupt RAW failed, the others were written
    assert "broken.cr2" in captured.out + captured.err
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["photo.jpg", "scan.tif", "shot.tif"]
    with tifffile.TiffFile(out / "shot.tif") as t:
        page = t.pages[0]
        assert page.dtype == np.uint16 and page.shape == (32, 48, 3)
        assert page.tags["Make"].value == "TestMake" and page.tags["Model"].value == "TestModel X1"
        assert "ExifTag" in page.tags
        icc = page.tags["InterColorProfile"].value
    assert "sRGB" in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(bytes(icc))))
    dev = imageio.read_image(out / "shot.tif")
    assert dev.bit_depth == 16
    left, right = half_means(dev.pixels)
    assert left[0] > left[2] + 0.3 and right[2] > right[0] + 0.3  # red left, blue right
    assert imageio.read_image(out / "scan.tif").bit_depth == 16
    assert {p.name: sha(p) for p in src.iterdir()} == before  # inputs untouched

    out_png = tmp_path / "png"
    assert main(["run", str(src / "shot.dng"), "--out", str(out_png), "--model", classical_id(), "--sigma", "10",
                 "--format", "png"]) == 0
    png = imageio.read_image(out_png / "shot.png")
    assert png.bit_depth == 16 and png.exif and png.icc_profile
    out_jpg = tmp_path / "jpg"
    assert main(["run", str(src / "shot.dng"), "--out", str(out_jpg), "--model", classical_id(), "--sigma", "10",
                 "--format", "jpg"]) == 0
    jpg = imageio.read_image(out_jpg / "shot.jpg")
    assert jpg.bit_depth == 8 and jpg.exif
    assert {p.name: sha(p) for p in src.iterdir()} == before


def test_cli_raw_colour_option_attaches_its_profile(tmp_path, capsys):
    src = write_dng(tmp_path / "wide.dng")
    out = tmp_path / "out"
    assert main(["run", str(src), "--out", str(out), "--model", classical_id(), "--sigma", "5",
                 "--raw-colour", "adobe"]) == 0
    img = imageio.read_image(out / "wide.tif")
    assert "Adobe RGB" in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(img.icc_profile)))
    assert main(["run", str(src), "--out", str(out), "--raw-colour", "lab"]) == 2


# -- denoised on the mosaic ----------------------------------------------------------------------


def _noise_rms(path_a, path_b):
    a = imageio.read_image(path_a).pixels.astype(np.float64) / 65535
    b = imageio.read_image(path_b).pixels.astype(np.float64) / 65535
    return float(np.sqrt(np.mean((a[2:-2, 2:-2] - b[2:-2, 2:-2]) ** 2)))


def test_cli_denoises_a_raw_on_its_mosaic_by_default_and_can_develop_first(tmp_path, capsys):
    from denoise_desktop import registry

    if registry.mosaic_model_id() is None:
        pytest.skip("no bundled RAW-mosaic network")
    src = tmp_path / "in"
    src.mkdir()
    write_dng(src / "shot.dng", h=64, w=96, noise=0.04, seed=1)
    clean = write_dng(tmp_path / "clean.dng", h=64, w=96)
    before = sha(src / "shot.dng")
    assert main(["run", str(src), "--out", str(tmp_path / "m")]) == 0
    said = "".join(capsys.readouterr())
    assert "RAW mosaic (RGGB" in said and registry.mosaic_model_id() in said
    assert main(["run", str(src), "--out", str(tmp_path / "d"), "--raw", "developed"]) == 0
    said = "".join(capsys.readouterr())
    assert "RAW mosaic" not in said
    assert main(["run", str(clean), "--out", str(tmp_path / "c"), "--model", classical_id(), "--sigma", "0"]) == 0
    ref = tmp_path / "c" / "clean.tif"
    noisy = tmp_path / "n"
    assert main(["run", str(src), "--out", str(noisy), "--model", classical_id(), "--sigma", "0"]) == 0
    for path in (tmp_path / "m" / "shot.tif", tmp_path / "d" / "shot.tif"):
        assert _noise_rms(path, ref) < 0.7 * _noise_rms(noisy / "shot.tif", ref)  # both remove noise
    m = imageio.read_image(tmp_path / "m" / "shot.tif")
    assert m.bit_depth == 16 and m.exif and m.icc_profile  # developed as any RAW: metadata kept
    left, right = half_means(m.pixels)
    assert left[0] > left[2] + 0.3 and right[2] > right[0] + 0.3  # colours in place
    assert sha(src / "shot.dng") == before


def test_mosaic_network_is_for_raw_files_only(tmp_path, capsys):
    from denoise_desktop import registry
    from denoise_desktop.gui import jobs

    model_id = registry.mosaic_model_id()
    if model_id is None:
        pytest.skip("no bundled RAW-mosaic network")
    png = tmp_path / "photo.png"
    Image.fromarray(np.full((32, 32, 3), 128, np.uint8)).save(png)
    assert main(["run", str(png), "--out", str(tmp_path / "o"), "--model", model_id]) == 2
    assert "RAW" in capsys.readouterr().err and not (tmp_path / "o").exists()
    dng = write_dng(tmp_path / "shot.dng", noise=0.02)
    assert main(["run", str(dng), "--out", str(tmp_path / "o2"), "--model", model_id]) == 0
    assert (tmp_path / "o2" / "shot.tif").exists()
    assert model_id not in {e.id for e in jobs.list_models()}  # never offered for a developed image
    assert main(["models"]) == 0 and model_id in capsys.readouterr().out


def test_a_sensor_that_is_not_bayer_is_developed_first_with_a_note(tmp_path, monkeypatch):
    from denoise_desktop import raw_mosaic

    def not_bayer(*args, **kwargs):
        raise raw_mosaic.NotBayer("the mosaic path needs a 2×2 Bayer sensor; this file has another layout")

    monkeypatch.setattr(raw_mosaic, "develop_denoised", not_bayer)
    src = write_dng(tmp_path / "xtrans.dng", noise=0.02)
    items = batch.plan([src], tmp_path / "out")
    from denoise_desktop import registry

    results = list(batch.run(items, registry.load(classical_id()), sigma=5, raw_mosaic=object()))
    assert results[0].status == "done" and (tmp_path / "out" / "xtrans.tif").exists()
    assert any("developed, then denoised" in n for n in results[0].notes)
    # with nothing else to denoise it (a mosaic network chosen on its own), the file fails clearly
    results = list(batch.run(batch.plan([src], tmp_path / "out2"), None, raw_mosaic=object()))
    assert results[0].status == "failed" and "Bayer" in results[0].error
