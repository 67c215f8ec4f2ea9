"""imageio: exact round trips, metadata, orientation, odd modes, bad input, atomic writes."""

from __future__ import annotations

import dataclasses
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageOps

from denoise_desktop import imageio
from denoise_desktop.imageio import (
    ImageData,
    ImageReadError,
    ImageWriteError,
    atomic_write,
    format_for_suffix,
    is_supported,
    read_image,
    suffix_for_format,
    write_image,
)
from denoise_desktop.progress import Cancelled

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
DATE = "2021:06:01 12:34:56"


def make_exif(orientation: int = 1) -> bytes:
    ex = Image.Exif()
    ex[271] = "TestCam"  # Make
    ex[272] = "Model 7"  # Model
    ex[0x0112] = orientation
    ex.get_ifd(0x8769)[0x9003] = DATE  # DateTimeOriginal, in the Exif sub-IFD
    return ex.tobytes()


def parse_exif(raw: bytes | None) -> Image.Exif:
    assert raw, "EXIF was lost"
    ex = Image.Exif()
    ex.load(raw)
    return ex


def random_image(depth: int, channels: int, with_alpha: bool, h: int = 13, w: int = 17, seed: int = 1) -> ImageData:
    rng = np.random.default_rng(seed)
    dtype = np.uint8 if depth == 8 else np.uint16
    top = np.iinfo(dtype).max
    px = rng.integers(0, top, (h, w, channels), dtype=dtype, endpoint=True)
    alpha = rng.integers(0, top, (h, w), dtype=dtype, endpoint=True) if with_alpha else None
    return ImageData(px, alpha, depth, "PNG", make_exif(), SRGB)


def folder_listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


# ------------------------------------------------------------------------------------ basics


def test_suffix_helpers():
    assert format_for_suffix(".JPG") == "JPEG" and format_for_suffix("tif") == "TIFF"
    assert format_for_suffix(".gif") is None
    assert suffix_for_format("jpeg") == ".jpg" and suffix_for_format("WEBP") == ".webp"
    with pytest.raises(ValueError):
        suffix_for_format("GIF")
    assert is_supported("a/b/photo.Tiff") and not is_supported("x.txt")
    assert {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"} <= imageio.SUPPORTED_EXTENSIONS


def test_imagedata_float_round_trip_and_validation():
    img = random_image(16, 3, True)
    f = img.to_float()
    assert f.dtype == np.float32 and f.shape == (13, 17, 3) and 0.0 <= f.min() and f.max() <= 1.0
    back = img.with_pixels(f)
    assert np.array_equal(back.pixels, img.pixels)
    assert back.alpha is img.alpha and back.exif == img.exif and back.icc_profile == img.icc_profile
    clipped = img.with_pixels(np.full((13, 17, 1), 2.0))
    assert clipped.channels == 1 and clipped.pixels.max() == 65535
    assert (img.height, img.width, img.channels) == (13, 17, 3)
    with pytest.raises(ValueError):
        img.with_pixels(np.zeros((5, 5, 3)))
    with pytest.raises(ValueError):
        ImageData(np.zeros((4, 4, 3), np.uint16), bit_depth=8)


# ------------------------------------------------------------------------------ round trips


@pytest.mark.parametrize("depth", [8, 16])
@pytest.mark.parametrize("channels,with_alpha", [(1, False), (1, True), (3, False), (3, True)])
@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_lossless_round_trip_keeps_pixels_alpha_and_metadata(tmp_path, depth, channels, with_alpha, suffix):
    img = random_image(depth, channels, with_alpha)
    out = write_image(img, tmp_path / f"out{suffix}")
    back = read_image(out)
    assert back.bit_depth == depth and back.pixels.dtype == img.pixels.dtype
    assert back.format == ("PNG" if suffix == ".png" else "TIFF")
    assert np.array_equal(back.pixels, img.pixels)
    if with_alpha:
        assert back.alpha is not None and np.array_equal(back.alpha, img.alpha)
    else:
        assert back.alpha is None
    assert back.icc_profile == SRGB
    ex = parse_exif(back.exif)
    assert ex[271] == "TestCam" and ex[272] == "Model 7"
    assert ex.get_ifd(0x8769)[0x9003] == DATE


@pytest.mark.parametrize("channels", [1, 3])
def test_16bit_png_with_injected_chunks_is_standard(tmp_path, channels):
    """16-bit PNGs get hand-made chunks (iCCP/eXIf/pHYs; gray+alpha entirely): other decoders
    must accept them (CRCs, chunk order) and see the same samples."""
    import cv2

    img = dataclasses.replace(random_image(16, channels, True, h=40, w=33), dpi=(300.0, 300.0))
    p = write_image(img, tmp_path / "x.png")
    with Image.open(p) as im:
        im.verify()  # checks every chunk CRC
    with Image.open(p) as im:
        assert im.info["icc_profile"] == SRGB and round(im.info["dpi"][0]) == 300
    ref = cv2.imdecode(np.fromfile(p, np.uint8), cv2.IMREAD_UNCHANGED)
    assert ref.dtype == np.uint16 and ref.shape == (40, 33, 4)
    color = ref[:, :, :1] if channels == 1 else ref[:, :, [2, 1, 0]]
    assert np.array_equal(color, img.pixels) and np.array_equal(ref[:, :, 3], img.alpha)


@pytest.mark.parametrize("suffix", [".png", ".tif", ".jpg", ".bmp"])
def test_dpi_survives(tmp_path, suffix):
    img = dataclasses.replace(random_image(16, 3, False), dpi=(300.0, 150.0))
    assert read_image(write_image(img, tmp_path / f"x{suffix}")).dpi == (300.0, 150.0)


def test_repr_is_a_short_summary():
    text = repr(random_image(16, 3, True))
    assert "17×13×3" in text and "16-bit" in text and "alpha" in text and len(text) < 200


@pytest.mark.parametrize("channels", [1, 3])
def test_jpeg_round_trip_is_close_and_keeps_metadata(tmp_path, make_image, channels):
    px = make_image(48, 40, channels, np.uint8)
    img = ImageData(px, None, 8, "PNG", make_exif(), SRGB)
    back = read_image(write_image(img, tmp_path / "x.jpg", quality=95))
    assert back.format == "JPEG" and back.channels == channels
    assert np.abs(back.pixels.astype(int) - px.astype(int)).mean() < 2.0
    assert back.icc_profile == SRGB
    assert parse_exif(back.exif).get_ifd(0x8769)[0x9003] == DATE


def test_webp_lossless_and_bmp_round_trip(tmp_path):
    img = random_image(8, 3, True)
    back = read_image(write_image(img, tmp_path / "x.webp", quality=100))
    assert np.array_equal(back.pixels, img.pixels) and np.array_equal(back.alpha, img.alpha)
    assert back.icc_profile == SRGB and parse_exif(back.exif)[271] == "TestCam"
    for channels in (1, 3):
        plain = random_image(8, channels, False)
        bmp = read_image(write_image(plain, tmp_path / f"x{channels}.bmp"))
        assert bmp.format == "BMP" and np.array_equal(bmp.pixels, plain.pixels)


def test_16bit_to_8bit_only_format_rounds(tmp_path):
    px = np.array([[0, 128, 129, 257, 65535, 32896]], np.uint16)[:, :, None]
    img = ImageData(px, None, 16, "PNG")
    back = read_image(write_image(img, tmp_path / "x.bmp"))
    expected = np.rint(px.astype(np.float64) * 255 / 65535).astype(np.uint8)
    assert back.bit_depth == 8 and np.array_equal(back.pixels, expected)


XMP = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
       b'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
       b'tiff:Orientation="6" xmp:Rating="4"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')
# IPTC-IIM: record version, keyword "sunset!", caption "hello" (odd total length on purpose)
IPTC = b"\x1c\x02\x00\x00\x02\x00\x04" + b"\x1c\x02\x19\x00\x07sunset!" + b"\x1c\x02\x78\x00\x05hello"


@pytest.mark.parametrize("depth", [8, 16])
@pytest.mark.parametrize("suffix", [".png", ".tif", ".jpg", ".webp"])
def test_xmp_and_iptc_survive_where_the_format_holds_them(tmp_path, depth, suffix):
    img = dataclasses.replace(random_image(depth, 3, False), xmp=XMP, iptc=IPTC)
    p = write_image(img, tmp_path / f"x{suffix}")
    back = read_image(p)
    # pixels are stored upright, so the XMP orientation is reset like the EXIF one
    assert back.xmp == XMP.replace(b'Orientation="6"', b'Orientation="1"')
    if suffix in (".jpg", ".tif"):
        assert back.iptc == IPTC
    else:
        assert back.iptc is None  # PNG and WebP have no IPTC block; XMP carries its fields
    if suffix == ".jpg":  # an independent reader finds the records in the APP13 segment
        with Image.open(p) as im:
            assert im.info["photoshop"][0x0404] == IPTC and im.info["xmp"] == back.xmp
    if suffix == ".tif":
        import tifffile

        with tifffile.TiffFile(p) as tf:
            assert tf.pages.first.tags.valueof(33723) == IPTC


def test_iptc_stored_as_long_in_a_big_endian_tiff_is_read_as_bytes(tmp_path):
    import tifffile

    padded = IPTC + b"\x00" * (-len(IPTC) % 4)
    longs = struct.unpack(f">{len(padded) // 4}I", padded)
    tifffile.imwrite(tmp_path / "x.tif", np.zeros((8, 8), np.uint8), byteorder=">",
                     extratags=[(33723, "I", len(longs), longs, True)])
    assert read_image(tmp_path / "x.tif").iptc == padded


def test_keep_metadata_false_strips_exif_and_icc(tmp_path):
    img = dataclasses.replace(random_image(8, 3, False), xmp=XMP, iptc=IPTC)
    for suffix in (".png", ".jpg", ".tif"):
        back = read_image(write_image(img, tmp_path / f"x{suffix}", keep_metadata=False))
        assert back.exif is None and back.icc_profile is None and back.xmp is None and back.iptc is None


def test_explicit_format_overrides_suffix(tmp_path):
    p = write_image(random_image(8, 3, False), tmp_path / "x.dat", format="jpg")
    assert p.read_bytes()[:3] == b"\xff\xd8\xff"
    with pytest.raises(ImageWriteError, match="x.gif"):
        write_image(random_image(8, 3, False), tmp_path / "x.gif")


# ------------------------------------------------------------------------------ orientation


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_matches_pillow_and_is_reset(tmp_path, orientation):
    rng = np.random.default_rng(orientation)
    px = rng.integers(0, 255, (6, 10, 3), dtype=np.uint8, endpoint=True)
    p = tmp_path / "o.png"
    Image.fromarray(px).save(p, exif=make_exif(orientation))
    img = read_image(p)
    with Image.open(p) as im:
        expected = np.asarray(ImageOps.exif_transpose(im))
    assert np.array_equal(img.pixels, expected)
    ex = parse_exif(img.exif)
    assert ex[0x0112] == 1 and ex[271] == "TestCam"
    # written back, the file displays the same (orientation 1, pixels already rotated)
    again = read_image(write_image(img, tmp_path / "o2.png"))
    assert np.array_equal(again.pixels, expected)


def test_jpeg_orientation_6_rotates_pixels_and_alpha_free(tmp_path):
    px = np.zeros((8, 16, 3), np.uint8)
    px[:, :8] = 255  # left half white
    p = tmp_path / "r.jpg"
    Image.fromarray(px).save(p, exif=make_exif(6), quality=100)
    img = read_image(p)
    assert (img.height, img.width) == (16, 8)  # 90° clockwise: the left half becomes the top
    assert img.pixels[:6].mean() > 240 and img.pixels[-6:].mean() < 15
    assert parse_exif(img.exif)[0x0112] == 1


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_orientation_applies_to_16bit_pixels_and_alpha(tmp_path, suffix):
    import cv2
    import tifffile

    img = random_image(16, 3, True, h=6, w=10)
    rgba = np.dstack([img.pixels, img.alpha])
    p = tmp_path / f"o16{suffix}"
    if suffix == ".png":
        ok, buf = cv2.imencode(".png", rgba[:, :, [2, 1, 0, 3]])
        p.write_bytes(imageio.encode._png_with_metadata(buf.tobytes(), make_exif(6), None, None))
    else:
        tifffile.imwrite(p, rgba, photometric="rgb", extrasamples=["unassalpha"], extratags=[(274, "H", 1, 6, True)])
    back = read_image(p)
    assert back.bit_depth == 16 and (back.height, back.width) == (10, 6)
    assert np.array_equal(back.pixels, np.rot90(img.pixels, -1))
    assert np.array_equal(back.alpha, np.rot90(img.alpha, -1))
    assert parse_exif(back.exif)[0x0112] == 1


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tif", ".webp"])
def test_writing_always_stores_orientation_1(tmp_path, suffix):
    """ImageData pixels are display-oriented, so stale orientation tags must not survive."""
    img = dataclasses.replace(random_image(8, 3, False, h=6, w=10), exif=make_exif(8))
    back = read_image(write_image(img, tmp_path / f"x{suffix}"))
    assert (back.height, back.width) == (6, 10)
    ex = parse_exif(back.exif)
    assert ex[0x0112] == 1 and ex[271] == "TestCam"


# ------------------------------------------------------------------------------ odd modes


def test_palette_cmyk_bilevel_la_and_i16_modes(tmp_path):
    rgb = np.random.default_rng(3).integers(0, 255, (9, 11, 3), dtype=np.uint8)
    Image.fromarray(rgb).quantize(8).save(tmp_path / "p.png")
    pal = read_image(tmp_path / "p.png")
    assert pal.channels == 3 and pal.alpha is None and pal.bit_depth == 8

    pa = Image.fromarray(rgb).quantize(8)
    pa.info["transparency"] = 0
    pa.save(tmp_path / "pt.png", transparency=0)
    assert read_image(tmp_path / "pt.png").alpha is not None

    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "c.jpg")
    cmyk = read_image(tmp_path / "c.jpg")
    assert cmyk.channels == 3 and np.abs(cmyk.pixels.astype(int) - rgb.astype(int)).mean() < 20

    Image.fromarray(rgb[:, :, 0] > 128).save(tmp_path / "b.png")
    bilevel = read_image(tmp_path / "b.png")
    assert bilevel.channels == 1 and set(np.unique(bilevel.pixels)) <= {0, 255}

    la = np.dstack([rgb[:, :, 0], rgb[:, :, 1]])
    Image.fromarray(la, mode="LA").save(tmp_path / "la.png")
    got = read_image(tmp_path / "la.png")
    assert np.array_equal(got.pixels[:, :, 0], la[:, :, 0]) and np.array_equal(got.alpha, la[:, :, 1])

    g16 = (np.arange(99, dtype=np.uint16).reshape(9, 11) * 600)
    Image.fromarray(g16).save(tmp_path / "g16.png")
    got = read_image(tmp_path / "g16.png")
    assert got.bit_depth == 16 and np.array_equal(got.pixels[:, :, 0], g16)


def test_float_tiff_becomes_16bit(tmp_path):
    import tifffile

    f = np.linspace(0, 1, 60, dtype=np.float32).reshape(6, 10)
    tifffile.imwrite(tmp_path / "f.tif", f)
    img = read_image(tmp_path / "f.tif")
    assert img.bit_depth == 16
    assert np.array_equal(img.pixels[:, :, 0], np.rint(f * 65535).astype(np.uint16))


def test_lzw_16bit_rgb_tiff_reads_via_fallback(tmp_path):
    import cv2

    px = random_image(16, 3, False).pixels
    ok, buf = cv2.imencode(".tif", px[:, :, ::-1])  # OpenCV writes LZW (tifffile needs imagecodecs)
    assert ok
    (tmp_path / "lzw.tif").write_bytes(buf.tobytes())
    assert np.array_equal(read_image(tmp_path / "lzw.tif").pixels, px)


def test_multiframe_takes_first_frame_and_counts(tmp_path):
    a = np.full((5, 6, 3), 10, np.uint8)
    b = np.full((5, 6, 3), 200, np.uint8)
    Image.fromarray(a).save(tmp_path / "m.tif", save_all=True, append_images=[Image.fromarray(b)])
    Image.fromarray(a).save(tmp_path / "m.webp", save_all=True, append_images=[Image.fromarray(b)], lossless=True)
    Image.fromarray(a).save(tmp_path / "m.png", save_all=True, append_images=[Image.fromarray(b)])
    for name in ("m.tif", "m.webp", "m.png"):
        img = read_image(tmp_path / name)
        assert img.frames == 2, name
        assert np.array_equal(img.pixels, a), name


# ------------------------------------------------------------------------------ bad input


def _truncated(tmp_path: Path, suffix: str) -> Path:
    good = tmp_path / f"good{suffix}"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(good)
    bad = tmp_path / f"cut{suffix}"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    good.unlink()
    return bad


def _truncated_16bit(tmp_path: Path, suffix: str) -> Path:
    good = tmp_path / f"good16{suffix}"
    write_image(random_image(16, 3, False, h=64, w=64), good, keep_metadata=False)
    bad = tmp_path / f"cut16{suffix}"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    good.unlink()
    return bad


def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "random.jpg").write_bytes(np.random.default_rng(0).bytes(500))
    (tmp_path / "text.png").write_text("hello, I am not a picture\n")
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "anim.gif").write_bytes(b"GIF89a" + b"\x00" * 20)
    header_only = tmp_path / "header.png"
    header_only.write_bytes(b"\x89PNG\r\n\x1a\n")
    return {
        "truncated png": _truncated(tmp_path, ".png"),
        "truncated jpeg": _truncated(tmp_path, ".jpg"),
        "truncated tiff": _truncated(tmp_path, ".tif"),
        "truncated webp": _truncated(tmp_path, ".webp"),
        "truncated 16-bit png": _truncated_16bit(tmp_path, ".png"),
        "truncated 16-bit tiff": _truncated_16bit(tmp_path, ".tif"),
        "empty": tmp_path / "empty.png",
        "random bytes": tmp_path / "random.jpg",
        "text named png": tmp_path / "text.png",
        "directory": tmp_path / "folder.png",
        "missing": tmp_path / "nope.png",
        "gif": tmp_path / "anim.gif",
        "png signature only": header_only,
    }


def test_each_bad_input_raises_a_clear_error_and_writes_nothing(tmp_path):
    cases = _bad_inputs(tmp_path)
    before = folder_listing(tmp_path)
    reasons = {}
    for label, path in cases.items():
        with pytest.raises(ImageReadError) as info:
            read_image(path)
        msg = str(info.value)
        assert f"'{path}'" in msg, (label, msg)
        assert info.value.path == path
        reasons[label] = info.value.reason
    assert folder_listing(tmp_path) == before
    assert "truncated" in reasons["truncated png"] and "truncated" in reasons["truncated jpeg"]
    assert "empty" in reasons["empty"]
    assert "not found" in reasons["missing"]
    assert "folder" in reasons["directory"]
    assert "not a PNG" in reasons["text named png"]
    assert "GIF" in reasons["gif"]


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    with pytest.raises(ImageReadError, match="regular file"):
        read_image(fifo)


def _png_with_ihdr(w: int, h: int) -> bytes:
    """A tiny file declaring a w×h gray image (the data itself is a few bytes)."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def test_huge_declared_size_is_refused(tmp_path):
    for w, h in [(20_000, 20_000), (60_000, 60_000)]:  # 400 MP (Pillow would warn), 3.6 GP (error)
        p = tmp_path / f"huge{w}.png"
        p.write_bytes(_png_with_ihdr(w, h))
        with pytest.raises(ImageReadError, match="too large") as info:
            read_image(p)
        assert str(p) in str(info.value)


# ------------------------------------------------------------------------------ safe writing


def test_refuses_to_overwrite_the_source(tmp_path):
    src = tmp_path / "in.png"
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(src)
    original = src.read_bytes()
    img = read_image(src)
    darker = img.with_pixels(img.to_float() * 0.5 + 0.25)
    targets = [src, tmp_path / "." / "in.png"]
    link = tmp_path / "hard.png"
    try:
        os.link(src, link)
        targets.append(link)
    except OSError:
        pass
    for target in targets:
        with pytest.raises(ImageWriteError, match="input") as info:
            write_image(darker, target)
        assert "in.png" in str(info.value) or "hard.png" in str(info.value)
    assert src.read_bytes() == original
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".part")]


def test_failure_inside_atomic_write_leaves_no_temp_and_keeps_old_file(tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"old")
    for exc in (RuntimeError("boom"), Cancelled(), KeyboardInterrupt()):
        with pytest.raises(type(exc)):
            with atomic_write(target) as tmp:
                assert tmp.parent == tmp_path and tmp.name.startswith(".dd-") and tmp.name.endswith(".part")
                tmp.write_bytes(b"partial")
                raise exc
        assert folder_listing(tmp_path) == ["out.png"]
        assert target.read_bytes() == b"old"
    with atomic_write(target) as tmp:
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new" and folder_listing(tmp_path) == ["out.png"]


def test_encoder_failure_raises_write_error_and_leaves_nothing(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("encoder exploded")

    monkeypatch.setattr(imageio.write, "_write_pillow", broken)  # where write_image looks it up
    with pytest.raises(ImageWriteError, match="out.jpg"):
        write_image(random_image(8, 3, False), tmp_path / "out.jpg")
    assert folder_listing(tmp_path) == []


def test_write_into_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ImageWriteError, match="does not exist"):
        write_image(random_image(8, 1, False), tmp_path / "no" / "x.png")
