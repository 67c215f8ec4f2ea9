"""Batch: planning errors create nothing; formats/bit depth/alpha kept; failures isolated; cancel/resume."""

import os

import numpy as np
import pytest
import torch
from PIL import Image

from denoise_desktop import batch
from denoise_desktop.batch import BatchError
from denoise_desktop.imageio import read_image
from denoise_desktop.progress import CancelToken, Progress

from batch_helpers import digests, make_inputs, tiny_denoiser

torch.set_num_threads(1)


def test_folder_batch_keeps_names_formats_depth_alpha_and_inputs(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    paths = make_inputs(src)
    before = digests(src)
    items = batch.plan([src], out)
    assert [i.source.name for i in items] == sorted(p.name for p in paths.values())
    assert not out.exists()  # planning creates nothing
    results = list(batch.run(items, tiny_denoiser(), sigma=10.0))
    assert [r.status for r in results] == ["done"] * 4, [r.error for r in results]
    assert digests(src) == before  # inputs byte-identical
    for key, p in paths.items():
        a, b = read_image(p), read_image(out / p.name)
        assert (b.format, b.bit_depth, b.pixels.shape) == (a.format, a.bit_depth, a.pixels.shape)
        if key == "rgba":
            np.testing.assert_array_equal(b.alpha, a.alpha)
    assert read_image(out / "c_16bit.tif").pixels.dtype == np.uint16
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files


def test_corrupt_file_is_reported_and_others_done(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    make_inputs(src)
    (src / "b_broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    results = list(batch.run(batch.plan([src], out), tiny_denoiser()))
    by = {r.item.source.name: r for r in results}
    assert by["b_broken.png"].status == "failed" and "b_broken.png" in by["b_broken.png"].error
    assert sum(r.status == "done" for r in results) == 4
    assert not (out / "b_broken.png").exists()


def test_cancel_midway_leaves_nothing_partial_and_resume_finishes(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    make_inputs(src)
    token = CancelToken()
    started = []

    def cb(fraction, message):
        if len(started) == 3 and "tiles" in message and not message.startswith("0/"):
            token.cancel()  # during the third file, between its tiles

    items = batch.plan([src], out)
    dn = tiny_denoiser(tile=24)
    results = list(batch.run(items, dn, progress=Progress(cb, token), on_start=lambda i, it: started.append(i)))
    assert [r.status for r in results] == ["done", "done", "cancelled"]
    cancelled = results[-1].item.output
    assert not cancelled.exists()
    assert sorted(p.name for p in out.iterdir()) == [r.item.output.name for r in results[:2]]  # no temp files
    resumed = list(batch.run(batch.plan([src], out, skip_existing=True), dn))
    assert [r.status for r in resumed] == ["skipped", "skipped", "done", "done"]
    assert len(list(out.iterdir())) == 4


def test_formats_naming_recursive_and_out_dir_inside_input(tmp_path):
    src = tmp_path / "in"
    make_inputs(src)
    make_inputs(src / "sub")
    out = src / "denoised"  # inside the input folder: allowed, never overwrites an input
    items = batch.plan([src], out, recursive=True, fmt="png", naming="{stem}_dn")
    assert len(items) == 8
    assert {i.output.suffix for i in items} == {".png"}
    assert out / "sub" / "a_rgb_dn.png" in [i.output for i in items]
    list(batch.run(items, tiny_denoiser()))
    # a second plan must not pick up our own outputs as inputs
    assert len(batch.plan([src], out, recursive=True, fmt="png", naming="{stem}_dn")) == 8


@pytest.mark.parametrize("case", ["missing", "out_is_file", "under_a_file", "output_is_input",
                                  "other_input_clash", "bad_naming", "bad_format", "collision", "unsupported"])
def test_plan_errors_create_nothing(tmp_path, case):
    src = tmp_path / "in"
    paths = make_inputs(src)
    before = sorted(p for p in tmp_path.rglob("*"))
    kwargs = {}
    inputs, out = [src], tmp_path / "out"
    if case == "missing":
        inputs, match = [tmp_path / "nope.png"], "no such file"
    elif case == "out_is_file":
        out, match = paths["png"], "is a file"
    elif case == "under_a_file":  # root can write anywhere, so unwritable = a path under a file
        out, match = paths["png"] / "sub" / "deeper", "is a file"
    elif case == "output_is_input":
        out, match = src, "overwrite the input"
    elif case == "other_input_clash":  # b_photo.jpg → b_photo.png exists as another input
        Image.new("RGB", (4, 4)).save(src / "b_photo.png")
        before = sorted(p for p in tmp_path.rglob("*"))
        inputs = [src / "b_photo.jpg", src / "b_photo.png"]
        out, kwargs, match = src, {"fmt": "png"}, r"overwrite the input .*b_photo\.png"
    elif case == "bad_naming":
        kwargs, match = {"naming": "{name}"}, "naming pattern"
    elif case == "bad_format":
        kwargs, match = {"fmt": "gif"}, "unknown output format"
    elif case == "collision":
        Image.new("RGB", (4, 4)).save(src / "a_rgb.jpg")
        before = sorted(p for p in tmp_path.rglob("*"))
        kwargs, match = {"fmt": "png"}, "both be written"
    else:
        inputs, match = [tmp_path / "notes.txt"], "not a supported image"
        (tmp_path / "notes.txt").write_text("x")
        before = sorted(p for p in tmp_path.rglob("*"))
    with pytest.raises(BatchError, match=match):
        batch.plan(inputs, out, **kwargs)
    assert sorted(p for p in tmp_path.rglob("*")) == before


def test_output_equal_input_via_symlinked_folder(tmp_path):
    src = tmp_path / "in"
    make_inputs(src)
    link = tmp_path / "link"
    os.symlink(src, link)
    with pytest.raises(BatchError, match="overwrite the input"):
        batch.plan([src], link)


def test_default_model_factory_gets_channels(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(src / "g.png")
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(src / "c.png")
    asked = []

    def factory(channels):
        asked.append(channels)
        return tiny_denoiser()

    results = list(batch.run(batch.plan([src], out), factory))
    assert [r.status for r in results] == ["done", "done"] and asked == [3, 1]
    assert read_image(out / "g.png").channels == 1


def test_a_files_time_leaves_out_the_time_the_batch_was_paused(tmp_path):
    import threading
    import time as _time

    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(src / "a.png")
    token = CancelToken()
    dn = tiny_denoiser()

    def pausing(msg_f, msg):  # pause once, early in the file; resume 0.6 s later
        if not getattr(pausing, "done", False):
            pausing.done = True
            token.pause()
            threading.Timer(0.6, token.resume).start()

    t0 = _time.perf_counter()
    [r] = list(batch.run(batch.plan([src], out), dn, sigma=10, progress=Progress(pausing, token)))
    wall = _time.perf_counter() - t0
    assert r.status == "done" and wall >= 0.6
    assert token.paused_seconds >= 0.55 and r.seconds < wall - 0.5
