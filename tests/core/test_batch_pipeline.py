"""Batch/CLI overlap the next file's decode and the last file's encode with the network, without
changing what comes out: results in order, each after its file is complete, cancel leaves no
partial file, a failed prefetched read fails that file only."""

from __future__ import annotations

import threading
import time

import numpy as np

from denoise_desktop import batch, imageio
from denoise_desktop.progress import CancelToken, Progress


class SlowIdentity:
    """A blind 'denoiser' that takes long enough for the I/O threads to show, logging events."""

    takes_sigma = False

    def __init__(self, log, seconds=0.3, token=None, cancel_on=None):
        self.log, self.seconds, self.token, self.cancel_on = log, seconds, token, cancel_on
        self.calls = 0

    def denoise(self, img, sigma=None, strength=1.0, progress=None):
        self.calls += 1
        self.log.append(("denoise start", self.calls, time.perf_counter()))
        if self.cancel_on == self.calls:
            self.token.cancel()
        time.sleep(self.seconds)
        self.log.append(("denoise end", self.calls, time.perf_counter()))
        if progress is not None:
            progress.check_cancelled()
        x = np.asarray(img, dtype=np.float32)
        return x / 255.0 if img.dtype == np.uint8 else x


def _inputs(folder, n=3):
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        px = rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)
        imageio.write_image(imageio.ImageData(px, bit_depth=8, format="PNG"), folder / f"f{i}.png")
    return folder


def _logging_io(monkeypatch, log):
    read, write = imageio.read_image, imageio.write_image

    def logged_read(path, **kw):
        log.append(("read start", path.name, time.perf_counter()))
        time.sleep(0.1)
        try:
            return read(path, **kw)
        finally:
            log.append(("read end", path.name, time.perf_counter()))

    def logged_write(img, path, **kw):
        log.append(("write start", path.name, time.perf_counter(), threading.current_thread().name))
        time.sleep(0.1)
        write(img, path, **kw)
        log.append(("write end", path.name, time.perf_counter()))

    monkeypatch.setattr(imageio, "read_image", logged_read)
    monkeypatch.setattr(imageio, "write_image", logged_write)


def _at(log, kind, key):
    return next(e[2] for e in log if e[0] == kind and e[1] == key)


def test_decode_and_encode_overlap_the_network(tmp_path, monkeypatch):
    src = _inputs(tmp_path / "in")
    log: list = []
    _logging_io(monkeypatch, log)
    items = batch.plan([src], tmp_path / "out")
    results = list(batch.run(items, SlowIdentity(log)))
    assert [r.status for r in results] == ["done"] * 3
    assert [r.item.source.name for r in results] == ["f0.png", "f1.png", "f2.png"]
    # f1 was decoded while f0 was being denoised, and f0 encoded while f1 was
    assert _at(log, "read start", "f1.png") < _at(log, "denoise end", 1)
    assert _at(log, "write start", "f0.png") < _at(log, "denoise end", 2)
    assert all(e[3].startswith("batch-write") for e in log if e[0] == "write start")
    for r in results:  # each result came once its file was complete, pixels unchanged
        assert imageio.is_complete_image(r.item.output)
        np.testing.assert_array_equal(imageio.read_image(r.item.output).pixels, imageio.read_image(r.item.source).pixels)


def test_cancel_during_the_next_file_keeps_the_finished_one_and_writes_nothing_else(tmp_path, monkeypatch):
    src = _inputs(tmp_path / "in")
    log: list = []
    _logging_io(monkeypatch, log)
    token = CancelToken()
    items = batch.plan([src], tmp_path / "out")
    results = list(batch.run(items, SlowIdentity(log, token=token, cancel_on=2), progress=Progress(None, token)))
    assert [r.status for r in results] == ["done", "cancelled"]
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".denoise-desktop")) == ["f0.png"]
    assert imageio.is_complete_image(out / "f0.png")


def test_a_failed_read_ahead_fails_that_file_only(tmp_path):
    src = _inputs(tmp_path / "in")
    (src / "f1.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    items = batch.plan([src], tmp_path / "out")
    results = list(batch.run(items, SlowIdentity([], seconds=0.05)))
    assert [r.status for r in results] == ["done", "failed", "done"]
    assert "f1.png" in results[1].error
    assert not (tmp_path / "out" / "f1.png").exists()


def test_a_failed_write_fails_that_file_only(tmp_path, monkeypatch):
    src = _inputs(tmp_path / "in")
    write = imageio.write_image

    def flaky(img, path, **kw):
        if path.name == "f0.png":
            raise OSError(28, "No space left on device (disk full)")
        write(img, path, **kw)

    monkeypatch.setattr(imageio, "write_image", flaky)
    results = list(batch.run(batch.plan([src], tmp_path / "out"), SlowIdentity([], seconds=0.05)))
    assert [r.status for r in results] == ["failed", "done", "done"]
    assert "disk full" in results[0].error
