"""Issue 14, item 9: GIF (still and animated), APNG and multi-page TIFF in a scanned folder are
read deliberately (first frame, with a note); GIF is written as PNG; every other file of a
scanned folder that is not read is named in the summary."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from PIL import Image

from denoise_desktop import batch, cli
from denoise_desktop.imageio import ImageWriteError, read_image, write_image


class Identity:
    takes_sigma = False
    id = "identity"

    def denoise(self, x, sigma=None, strength=1.0, progress=None):
        return x


def frames(n=3, size=(14, 18)):
    rng = np.random.default_rng(0)
    return [Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)) for _ in range(n)]


@pytest.fixture
def folder(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    f = frames()
    f[0].save(src / "anim.gif", save_all=True, append_images=f[1:], duration=40, loop=0)
    f[0].save(src / "still.gif")
    f[0].save(src / "anim.png", save_all=True, append_images=f[1:], duration=40)  # APNG
    f[0].save(src / "pages.tif", save_all=True, append_images=f[1:])
    (src / "notes.txt").write_text("x")
    (src / "layers.psd").write_bytes(b"8BPS not really")  # (camera RAW is read: imageio/raw.py)
    (src / ".hidden").write_text("x")  # hidden files are not listed
    return src


def test_gif_reads_its_first_frame_and_says_how_many_there_are(folder):
    img = read_image(folder / "anim.gif")
    assert img.frames == 3 and img.channels == 3
    assert img.notes == ("only the first of 3 frames was denoised",)
    assert read_image(folder / "still.gif").notes == ()
    assert read_image(folder / "pages.tif").notes == ("only the first of 3 pages was denoised",)


def test_a_scanned_folder_processes_animations_and_names_what_it_skips(folder, tmp_path):
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    out = tmp_path / "out"
    items = batch.plan([folder], out)
    # anim.gif would be anim.png like the APNG beside it: it gets anim.gif.png instead
    assert {i.source.name: i.output.name for i in items} == {
        "anim.gif": "anim.gif.png", "anim.png": "anim.png", "pages.tif": "pages.tif", "still.gif": "still.png"}
    assert [p.name for p in items.unsupported] == ["layers.psd", "notes.txt"]
    assert "skipped: 2 unsupported file(s)" in "\n".join(items.notes())
    results = {r.item.source.name: r for r in batch.run(items, Identity())}
    assert all(r.status == "done" for r in results.values()), [r.error for r in results.values()]
    assert results["anim.gif"].notes == ["only the first of 3 frames was denoised"]
    assert results["anim.png"].notes == ["only the first of 3 frames was denoised"]
    assert results["pages.tif"].notes == ["only the first of 3 pages was denoised"]
    assert results["still.gif"].notes == []
    assert Image.open(out / "still.png").format == "PNG"
    assert np.array_equal(read_image(out / "anim.gif.png").pixels, read_image(folder / "anim.gif").pixels)
    assert before == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_the_cli_notes_frames_and_lists_the_unsupported_files(folder, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "_load_denoiser", lambda *a, **k: Identity())
    assert cli.main(["run", str(folder), "--out", str(tmp_path / "out"), "--model", "identity"]) == 0
    captured = capsys.readouterr()
    assert "4 done, 0 failed, 0 skipped (2 unsupported file(s) not read)" in captured.out
    err = captured.err
    assert "note: only the first of 3 frames was denoised" in err
    assert "note: only the first of 3 pages was denoised" in err
    listed = err.split("skipped: 2 unsupported file(s)", 1)[1]
    assert str(folder / "notes.txt") in listed and str(folder / "layers.psd") in listed
    assert ".hidden" not in err


def test_gif_is_not_written(tmp_path):
    frames(1)[0].save(tmp_path / "a.gif")
    with pytest.raises(ImageWriteError, match="save as PNG"):
        write_image(read_image(tmp_path / "a.gif"), tmp_path / "b.gif")
