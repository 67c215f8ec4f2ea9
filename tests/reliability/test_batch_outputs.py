"""Issue 14, item 3 (and 7's summary): a batch never takes files from its own output folder and
says how many it left out; clashing outputs are refused clearly; a second batch into a folder
another batch is writing is refused (lock file, stale locks taken over); the CLI's failed-files
summary names each path once."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from denoise_desktop import batch, cli
from denoise_desktop.batch import BatchError


class Identity:
    """A denoiser that returns its input: fast, and enough to exercise planning and writing."""

    takes_sigma = False
    id = "identity"

    def denoise(self, x, sigma=None, strength=1.0, progress=None):
        return x


def png(path: Path, value: int = 0, size=(12, 12)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((*size, 3), value, np.uint8)).save(path)
    return path


def test_files_inside_the_output_folder_are_left_out_and_counted(tmp_path):
    src = tmp_path / "in"
    png(src / "a.png")
    png(src / "b.png")
    out = src / "dn"
    png(out / "original_kept_here.png", 9)  # not ours: still never an input, but counted
    items = batch.plan([src], out, recursive=True)
    assert [i.source.name for i in items] == ["a.png", "b.png"]
    assert [p.name for p in items.excluded] == ["original_kept_here.png"]
    assert any("left out 1 image file(s) inside the output folder" in n for n in items.notes())
    list(batch.run(items, Identity()))
    again = batch.plan([src], out, recursive=True)  # earlier outputs are not denoised again
    assert [i.source.name for i in again] == ["a.png", "b.png"] and len(again.excluded) == 3
    assert again.replacing == 2 and any("2 output(s) already exist" in n for n in again.notes())


def test_cli_says_how_many_files_were_left_out(tmp_path, capsys, monkeypatch):
    src = tmp_path / "in"
    png(src / "a.png")
    png(src / "dn" / "old.png")
    monkeypatch.setattr(cli, "_load_denoiser", lambda *a, **k: Identity())
    assert cli.main(["run", str(src), "--out", str(src / "dn"), "-r", "--model", "identity"]) == 0
    err = capsys.readouterr().err
    assert "note: left out 1 image file(s) inside the output folder" in err


def test_two_input_folders_with_one_name_are_refused_with_the_reason(tmp_path):
    png(tmp_path / "2023" / "IMG_1.png")
    png(tmp_path / "2024" / "IMG_1.png")
    with pytest.raises(BatchError, match="same name in different input folders"):
        batch.plan([tmp_path / "2023", tmp_path / "2024"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_second_batch_into_a_folder_being_written_is_refused(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    png(src / "a.png")
    items = batch.plan([src], out)
    running = batch.run(items, Identity())  # a batch that has started, not finished
    with batch.output_lock(out):  # (what the running batch holds)
        assert (out / batch.LOCK_NAME).is_file()
        with pytest.raises(BatchError, match="another batch is writing into"):
            batch.plan([src], out)
        with pytest.raises(BatchError, match="another batch is writing into"):
            next(batch.run(items, Identity()))
        assert not (out / "a.png").exists()
    assert [r.status for r in running] == ["done"]
    assert not (out / batch.LOCK_NAME).exists()  # released when the batch ends


def test_the_lock_is_released_when_a_batch_is_abandoned_and_stale_locks_are_taken_over(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    png(src / "a.png")
    png(src / "b.png")
    results = batch.run(batch.plan([src], out), Identity())
    next(results)
    assert (out / batch.LOCK_NAME).exists()
    results.close()  # e.g. the window closed mid-batch
    assert not (out / batch.LOCK_NAME).exists()
    # a lock left by a killed run: its process is gone
    (out / batch.LOCK_NAME).write_text(json.dumps({"pid": 2**22 + 12345, "host": socket.gethostname(),
                                             "started": time.time() - 60}))
    assert [r.status for r in batch.run(batch.plan([src], out), Identity())] == ["done", "done"]
    assert not (out / batch.LOCK_NAME).exists()
    # another machine's lock (PID unknowable) is stale once untouched for hours
    (out / batch.LOCK_NAME).write_text(json.dumps({"pid": 1, "host": "elsewhere", "started": 0}))
    with pytest.raises(BatchError, match="process 1 on elsewhere"):
        batch.plan([src], out)
    os.utime(out / batch.LOCK_NAME, (1, 1))
    assert len(batch.plan([src], out)) == 2


def test_the_failed_files_summary_names_each_path_once(tmp_path, capsys, monkeypatch):
    src = tmp_path / "in"
    png(src / "a.png")
    (src / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    monkeypatch.setattr(cli, "_load_denoiser", lambda *a, **k: Identity())
    assert cli.main(["run", str(src), "--out", str(tmp_path / "out"), "--model", "identity"]) == 1
    err = capsys.readouterr().err
    summary = err.split("failed files:\n", 1)[1]
    [line] = [ln for ln in summary.splitlines() if ln.strip()]
    assert line.count(str(src / "broken.png")) == 1, line
