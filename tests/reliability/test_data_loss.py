"""Issue 14 items 1, 2, 4 and 7: a short write is a failure (and skip-existing redoes it), an input
symlinked to another file's output is refused, long names and a killed run's temps, tiny images."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from denoise_desktop import batch
from denoise_desktop.batch import BatchError
from denoise_desktop.imageio import read_image

from batch_helpers import digests, tiny_denoiser


def test_an_input_symlinked_to_another_files_output_is_refused(tmp_path):
    """in/zlink.png → ../out/photo.png: writing out/photo.png would replace what zlink reads."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(src / "photo.png")
    Image.fromarray(np.full((8, 8, 3), 7, np.uint8)).save(out / "photo.png")
    os.symlink(out / "photo.png", src / "zlink.png")
    before = digests(out)
    with pytest.raises(BatchError, match="overwrite the input"):
        batch.plan([src], out)
    assert digests(out) == before


def test_a_short_write_fails_the_file_and_skip_existing_redoes_a_truncated_output(tmp_path, monkeypatch):
    """A full disk: Pillow's optimised JPEG encoder returns without an error on ENOSPC, leaving a
    cut-off file. It must fail (no output left), and a cut-off output from before is redone."""
    from denoise_desktop import imageio

    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    rgb = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(src / "a.jpg", quality=90)
    real_save = Image.Image.save

    def short_save(self, fp, *a, **k):
        real_save(self, fp, *a, **k)
        data = Path(fp).read_bytes()
        Path(fp).write_bytes(data[: len(data) // 2])  # what the full disk kept, silently

    monkeypatch.setattr(Image.Image, "save", short_save)
    [r] = list(batch.run(batch.plan([src], out), tiny_denoiser()))
    assert r.status == "failed" and "not written completely" in r.error
    assert list(out.iterdir()) == []  # neither the output nor a temp file
    monkeypatch.setattr(Image.Image, "save", real_save)

    good = out / "a.jpg"
    Image.fromarray(rgb).save(good, quality=90)
    good.write_bytes(good.read_bytes()[:300])  # a truncated output of an earlier run
    assert not imageio.is_complete_image(good)
    [item] = batch.plan([src], out, skip_existing=True)
    assert not item.skip
    [r] = list(batch.run([item], tiny_denoiser()))
    assert r.status == "done" and imageio.is_complete_image(good)
    read_image(good)
    [item] = batch.plan([src], out, skip_existing=True)
    assert item.skip
    (out / "empty.jpg").write_bytes(b"")
    assert not imageio.is_complete_image(out / "empty.jpg")


def test_long_names_fit_and_stale_temps_of_a_killed_run_are_removed(tmp_path):
    from denoise_desktop import imageio

    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    long_stem = "p" * 240  # + ".png" = 244 bytes: the old 23-byte temp suffix overflowed 255
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(src / f"{long_stem}.png")
    stale = out / ".dd-0123abcd.part"
    stale.write_bytes(b"half a file")
    os.utime(stale, (1, 1))
    young = out / ".dd-89abcdef.part"  # a concurrent run's, being written (it holds its lock): kept
    young.write_bytes(b"x")
    writer = open(young, "rb")
    if os.name != "nt":  # (on Windows age alone decides)
        import fcntl

        fcntl.flock(writer, fcntl.LOCK_EX)
    other = out / ".dd-notours.part"
    other.write_bytes(b"x")
    results = list(batch.run(batch.plan([src], out), tiny_denoiser()))
    assert [r.status for r in results] == ["done"], results[0].error
    assert (out / f"{long_stem}.png").is_file()
    assert not stale.exists() and young.exists() and other.exists()
    writer.close()
    assert imageio.remove_stale_temps(tmp_path / "missing") == []


@pytest.mark.parametrize("w,h", [(1, 1), (2, 1), (4, 4), (1920, 1), (1, 300)])
def test_tiny_images_pass_through_unchanged_with_a_note(tmp_path, w, h):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    pixels = np.random.default_rng(2).integers(0, 256, (h, w, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(src / "tiny.png")
    [r] = list(batch.run(batch.plan([src], out), tiny_denoiser()))  # blind: the default "auto"
    assert r.status == "done", r.error
    assert f"{w}×{h} px is too small" in r.info["sigma_note"]
    assert np.array_equal(np.asarray(Image.open(out / "tiny.png")), pixels)
