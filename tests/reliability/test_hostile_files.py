"""Issue 30, items 7–9: one hostile file must not hang the app, fill its memory or slow every
command: a FIFO or a device among the user's models, a tiny JPEG declaring a huge canvas, model
files with big headers."""

from __future__ import annotations

import io
import json
import logging
import os
import struct
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from denoise_desktop import paths, registry, weights
from denoise_desktop.imageio import ImageReadError, read_image
from denoise_desktop.models import build


def tiny_model_file(path: Path) -> Path:
    weights.save_weights(build("dncnn", "gray", depth=3, features=4).eval(), path, {"name": path.stem})
    return path


def forged_jpeg(width: int, height: int) -> bytes:
    """A real 16×16 gray JPEG whose SOF0 header declares ``width``×``height``."""
    buf = io.BytesIO()
    Image.fromarray(np.full((16, 16), 128, np.uint8)).save(buf, "JPEG", quality=50)
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5: sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def finishes_within(seconds: float, fn) -> bool:
    """Whether ``fn()`` returns in time (run in a daemon thread: a hang must not hang the tests)."""
    done = threading.Event()
    threading.Thread(target=lambda: (fn(), done.set()), daemon=True).start()
    return done.wait(seconds)


# -- item 7 ----------------------------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"), reason="POSIX FIFOs and devices")
def test_a_fifo_or_a_device_among_the_user_models_neither_hangs_nor_fills_memory(caplog):
    folder = paths.user_models_dir()
    tiny_model_file(folder / "a_piped_card.safetensors")
    (folder / "a_piped_card.json").unlink()
    os.mkfifo(folder / "a_piped_card.json")  # no writer ever: reading it blocks forever
    os.mkfifo(folder / "b_pipe.safetensors")
    tiny_model_file(folder / "c_endless_card.safetensors")
    (folder / "c_endless_card.json").unlink()
    os.symlink("/dev/zero", folder / "c_endless_card.json")  # reading it never ends
    listed: list[str] = []
    with caplog.at_level(logging.WARNING):
        assert finishes_within(5, lambda: listed.extend(e.id for e in registry.list_models()))
    assert {"a_piped_card", "c_endless_card"} <= set(listed)  # usable, without their cards
    assert "not a regular file" in caplog.text
    with pytest.raises(weights.WeightsError, match="not a regular file"):
        weights.read_regular_file(folder / "c_endless_card.json", weights.MAX_CARD_BYTES)


# -- item 8 ----------------------------------------------------------------------------------------

def test_a_tiny_jpeg_declaring_a_huge_canvas_is_refused_before_decoding(tmp_path, caplog):
    from training.data.folders import load_folder

    bomb = tmp_path / "bomb.jpg"
    bomb.write_bytes(forged_jpeg(16000, 16000))  # 256 MP: under the 300 MP cap
    assert bomb.stat().st_size < 1000
    t0 = time.perf_counter()
    with pytest.raises(ImageReadError, match="declares 16000×16000 pixels but holds only"):
        read_image(bomb)
    assert time.perf_counter() - t0 < 1.0
    # a plausible file of that kind still decodes
    ok = tmp_path / "ok.jpg"
    ok.write_bytes(forged_jpeg(16, 16))
    assert read_image(ok).pixels.shape == (16, 16, 1)
    # training skips it and says so (it once trained on 256 MP of grey without a word)
    good = [tmp_path / f"g{i}.png" for i in range(5)]
    for g in good:
        Image.fromarray(np.zeros((8, 8), np.uint8)).save(g)
    with caplog.at_level(logging.WARNING):
        images = load_folder([*good, bomb], channels=1, skip_unreadable=True)
    assert len(images) == 5 and "bomb.jpg" in caplog.text and "holds only" in caplog.text


# -- item 9 ----------------------------------------------------------------------------------------

def big_header_file(path: Path, mb: float) -> Path:
    """A file whose header declares a tiny dncnn but lists many empty extra tensors (``mb`` MB)."""
    header: dict = {"__metadata__": {"format": weights.FORMAT, "arch": "dncnn",
                                     "hparams": json.dumps({"in_channels": 1, "depth": 3, "features": 4})}}
    n = int(mb * 2**20 / 90)
    header.update({f"t{i:07d}_{'x' * 40}": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]} for i in range(n)})
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text)
    return path


def test_big_model_headers_are_read_once_and_only_when_needed(monkeypatch):
    folder = paths.user_models_dir()
    for k in range(3):
        big_header_file(folder / f"big{k}.safetensors", 0.5)
    tiny_model_file(folder / "mine.safetensors")
    calls: list[str] = []
    real_check = registry.check_weights_file

    def counting(path):
        calls.append(Path(path).name)
        return real_check(path)

    monkeypatch.setattr(registry, "check_weights_file", counting)

    def new_process() -> None:  # what a new command starts with
        monkeypatch.setattr(registry, "_CHECKED", {})
        monkeypatch.setattr(registry, "_checks_state", {"loaded": False, "dirty": False}, raising=False)

    new_process()
    assert {b.path.name for b in registry.broken_models()} >= {"big0.safetensors", "big1.safetensors"}
    assert sorted(c for c in calls if c.startswith(("big", "mine"))) == [
        "big0.safetensors", "big1.safetensors", "big2.safetensors", "mine.safetensors"]
    calls.clear()
    new_process()  # the next command: every header check comes from the cache folder
    assert "mine" in [e.id for e in registry.list_models()] and calls == []
    (folder / "mine.safetensors").write_bytes((folder / "mine.safetensors").read_bytes())  # rewritten
    new_process()
    registry.list_models()
    assert calls == ["mine.safetensors"]  # a changed file is checked again
    calls.clear()
    for cache in paths.cache_dir().iterdir():
        cache.unlink()
    new_process()  # no cache at all: a lookup or a default reads no other user file
    registry.get("mine")
    registry.default_model_id((1,))
    assert [c for c in calls if c.startswith(("big", "mine"))] == ["mine.safetensors"]


def test_a_scan_names_what_it_passes_over(tmp_path):
    """Issue 30, item 13: a folder named x.png, a dead link and a linked folder (which may loop)
    are said in the plan's notes, not skipped without a word."""
    import numpy as np
    from PIL import Image

    from denoise_desktop import batch

    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(src / "sub" / "a.png")
    (src / "folder.png").mkdir()
    (src / "dead.jpg").symlink_to(tmp_path / "nowhere.jpg")
    (src / "sub" / "loop").symlink_to(src, target_is_directory=True)
    plan = batch.plan([src], tmp_path / "out", recursive=True)
    assert [it.source.name for it in plan] == ["a.png"]
    text = "\n".join(plan.notes())
    assert "folder.png (a folder, not an image file)" in text
    assert "dead.jpg (a link to nothing)" in text
    assert "loop (a linked folder, not followed)" in text


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads every folder")
def test_an_unreadable_sub_folder_is_named(tmp_path):
    import numpy as np
    from PIL import Image

    from denoise_desktop import batch

    src = tmp_path / "in"
    (src / "locked").mkdir(parents=True)
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(src / "a.png")
    (src / "locked").chmod(0)
    try:
        plan = batch.plan([src], tmp_path / "out", recursive=True)
    finally:
        (src / "locked").chmod(0o755)
    assert "locked (folder not readable" in "\n".join(plan.notes())


def test_a_truncated_16_bit_tiff_fails_with_our_line_only(tmp_path):
    """Issue 30, item 13: no OpenCV/libtiff log lines before the reason (run in a fresh process:
    OpenCV writes them to the C stderr, which capsys does not see)."""
    import subprocess
    import sys

    import cv2

    ok, buf = cv2.imencode(".tif", (np.random.default_rng(0).random((64, 64, 3)) * 65535).astype(np.uint16))
    bad = tmp_path / "cut.tif"
    bad.write_bytes(bytes(buf)[: len(buf) // 2])
    code = ("from denoise_desktop import imageio\n"
            "try:\n    imageio.read_image(r'%s')\nexcept imageio.ImageIOError as e:\n    print('REFUSED', e)\n" % bad)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "REFUSED" in done.stdout and "cut.tif" in done.stdout
    assert done.stderr == "", done.stderr  # no tifffile, Pillow or OpenCV/libtiff lines
