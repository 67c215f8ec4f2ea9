"""Issue 14, item 8: metadata that cannot be written (a fuzzed TIFF's garbage DateTime, a JPEG's
broken EXIF block) is dropped, the rest kept, and the output line says so; the file is done."""

from __future__ import annotations

import numpy as np
from PIL import Image, TiffImagePlugin

from denoise_desktop import batch, cli
from denoise_desktop.imageio import read_image, write_image


class Identity:
    takes_sigma = False
    id = "identity"

    def denoise(self, x, sigma=None, strength=1.0, progress=None):
        return x


def pixels():
    return np.random.default_rng(0).integers(0, 256, (16, 20, 3), dtype=np.uint8)


def fuzzed_tiff(path):
    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    ifd[306] = "garbage\x01datetime"  # DateTime must be "YYYY:MM:DD HH:MM:SS"
    ifd[315] = "Jane Doe"
    ifd[270] = "a description"
    Image.fromarray(pixels()).save(path, tiffinfo=ifd)
    return path


def test_a_garbage_tiff_datetime_is_dropped_and_the_rest_kept(tmp_path):
    src = fuzzed_tiff(tmp_path / "fuzzed.tif")
    before = src.read_bytes()
    notes: list[str] = []
    out = write_image(read_image(src), tmp_path / "out.tif", notes=notes)
    assert np.array_equal(read_image(out).pixels, pixels())
    exif = Image.open(out).getexif()
    assert exif.get(315) == "Jane Doe" and exif.get(270) == "a description" and 306 not in exif
    assert len(notes) == 1 and "DateTime" in notes[0] and "rest of the metadata kept" in notes[0]
    assert src.read_bytes() == before


def test_a_non_ascii_tiff_string_is_kept(tmp_path):
    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    ifd[315] = "José Müller"
    Image.fromarray(pixels()).save(tmp_path / "a.tif", tiffinfo=ifd)
    notes: list[str] = []
    out = write_image(read_image(tmp_path / "a.tif"), tmp_path / "out.tif", notes=notes)
    assert notes == [] and "Jos" in str(Image.open(out).getexif().get(315))


def test_the_batch_and_the_cli_line_carry_the_note(tmp_path, capsys, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    fuzzed_tiff(src / "fuzzed.tif")
    [r] = list(batch.run(batch.plan([src], tmp_path / "out"), Identity()))
    assert r.status == "done", r.error
    assert any("DateTime" in n for n in r.notes)
    monkeypatch.setattr(cli, "_load_denoiser", lambda *a, **k: Identity())
    assert cli.main(["run", str(src), "--out", str(tmp_path / "out2"), "--model", "identity"]) == 0
    err = capsys.readouterr().err
    assert "done" in err and "note: could not write the TIFF DateTime tag" in err


def test_a_jpeg_with_a_broken_exif_block_is_done_with_a_note(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    broken = b"Exif\x00\x00" + b"\x13\x37 not a TIFF header at all"
    Image.fromarray(pixels()).save(src / "b.jpg", exif=broken, quality=90)
    [r] = list(batch.run(batch.plan([src], tmp_path / "out"), Identity()))
    assert r.status == "done", r.error
    assert any("EXIF could not be read" in n for n in r.notes)
    read_image(tmp_path / "out" / "b.jpg")
    [r] = list(batch.run(batch.plan([src], tmp_path / "out2"), Identity(), keep_metadata=False))
    assert r.status == "done" and r.notes == []  # nothing to say when no metadata was asked for


def test_an_encoder_refusing_a_field_drops_only_that_field(tmp_path, monkeypatch):
    """Any field the encoder rejects (here: a stub that refuses the ICC profile) is dropped alone."""
    from denoise_desktop.imageio import write

    Image.fromarray(pixels()).save(tmp_path / "a.png", dpi=(300, 300))
    img = read_image(tmp_path / "a.png")
    import dataclasses

    img = dataclasses.replace(img, icc_profile=b"not a profile", xmp=b"<x:xmpmeta/>")
    real = write._write_pillow  # patched where write_image looks it up

    def refuse_icc(tmp, fmt, px, alpha, exif, icc, dpi, quality, xmp=None, iptc=None):
        if icc:
            raise ValueError("bad ICC profile")
        return real(tmp, fmt, px, alpha, exif, icc, dpi, quality, xmp, iptc)

    monkeypatch.setattr(write, "_write_pillow", refuse_icc)
    notes: list[str] = []
    out = write_image(img, tmp_path / "out.png", notes=notes)
    back = read_image(out)
    assert back.icc_profile is None and back.xmp and back.dpi == (300.0, 300.0)
    assert notes == ["could not write the ICC profile (bad ICC profile): dropped, the rest of the metadata kept"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
