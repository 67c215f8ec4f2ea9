"""Issue 30, items 1–6: outputs that reach inputs through linked sub-folders, nested output
folders, stale-lock races, a lock cut short by a full disk, training exports that replaced a
user's model or recipe, and a killed write's temp file."""

from __future__ import annotations

import errno
import json
import os
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from denoise_desktop import batch
from denoise_desktop.batch import BatchError

from batch_helpers import digests


class Identity:
    takes_sigma = False
    id = "identity"

    def denoise(self, x, sigma=None, strength=1.0, progress=None):
        return x


def png(path: Path, value: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((8, 8, 3), value, np.uint8)).save(path)
    return path


# -- item 1 ----------------------------------------------------------------------------------------

def test_an_output_sub_folder_linked_to_another_inputs_folder_is_refused(tmp_path):
    """in/a/p.png and in/b/p.png, recursive, --out out where out/a → in/b: out/a/p.png is in/b/p.png."""
    src, out = tmp_path / "in", tmp_path / "out"
    png(src / "a" / "p.png", 1)
    png(src / "b" / "p.png", 2)
    out.mkdir()
    os.symlink(src / "b", out / "a")
    before = digests(src / "b")
    with pytest.raises(BatchError, match=r"would overwrite the input .*in/b/p\.png.*through a link"):
        batch.plan([src], out, recursive=True)
    assert digests(src / "b") == before


# -- item 2 ----------------------------------------------------------------------------------------

def test_a_batch_into_a_folder_inside_another_batchs_output_tree_is_refused(tmp_path):
    """--out o -r (writes o and o/sub) and --out o/sub: one lock must cover both."""
    src = tmp_path / "in"
    png(src / "a.png")
    png(src / "sub" / "b.png")
    outer = batch.plan([src], tmp_path / "o", recursive=True)
    inner = batch.plan([src / "sub"], tmp_path / "o" / "sub")
    first = batch.run(outer, Identity())
    assert next(first).status == "done"  # the outer batch holds its tree now
    with pytest.raises(BatchError, match="another batch is writing into"):
        batch.plan([src / "sub"], tmp_path / "o" / "sub")
    with pytest.raises(BatchError, match="another batch is writing into"):
        next(batch.run(inner, Identity()))
    assert [r.status for r in first] == ["done"]
    # and the other way round: the inner batch first, then the outer one is refused
    second = batch.run(inner, Identity())
    next(second)
    with pytest.raises(BatchError, match="another batch is writing into"):
        next(batch.run(outer, Identity()))
    second.close()
    assert not list(tmp_path.rglob(batch.LOCK_NAME))


# -- item 3 ----------------------------------------------------------------------------------------

def test_a_stale_lock_is_taken_over_by_one_process_only(tmp_path):
    """Many takers of a dead process's lock at once: at most one may hold it at any time."""
    out = tmp_path / "out"
    out.mkdir()
    dead = json.dumps({"pid": 2**22 + 4321, "host": socket.gethostname(), "started": time.time() - 60})
    holding, most, lock = [0], [0], threading.Lock()

    def taker(start: threading.Barrier) -> None:
        start.wait()
        try:
            with batch.output_lock(out):
                with lock:
                    holding[0] += 1
                    most[0] = max(most[0], holding[0])
                time.sleep(0.003)
                with lock:
                    holding[0] -= 1
        except BatchError:
            pass

    for _ in range(15):
        (out / batch.LOCK_NAME).write_text(dead)
        start = threading.Barrier(6)
        threads = [threading.Thread(target=taker, args=(start,)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert most[0] == 1


# -- item 4 ----------------------------------------------------------------------------------------

def test_a_lock_cut_short_by_a_full_disk_neither_fails_nor_blocks_later_batches(tmp_path, monkeypatch):
    src, out = tmp_path / "in", tmp_path / "out"
    png(src / "a.png")
    out.mkdir()
    (out / batch.LOCK_NAME).write_bytes(b"")  # what a full disk left: an empty lock, no process
    assert [r.status for r in batch.run(batch.plan([src], out), Identity())] == ["done"]

    real_write = os.write

    def full_disk(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full_disk)
    with batch.output_lock(out):  # no traceback: the lock holds, its holder is just unnamed
        monkeypatch.setattr(os, "write", real_write)
        with pytest.raises(BatchError, match="another batch is writing into"):
            batch.plan([src], out)
    assert not (out / batch.LOCK_NAME).exists()


# -- item 5 ----------------------------------------------------------------------------------------

def test_training_never_replaces_a_user_model_or_its_own_recipe(tmp_path, capsys):
    from denoise_desktop import paths

    from test_training import image_folder, recipe_doc, run_cli, write_recipe

    mine = paths.user_models_dir() / "tiny.safetensors"
    mine.write_bytes(b"the user's own model")
    (paths.user_models_dir() / "tiny.json").write_text('{"name": "mine"}')
    doc = recipe_doc(image_folder(tmp_path / "img", n=4), data={"val_fraction": 0.5, "batch_size": 2},
                     export={"to_user_models": True})
    recipe = write_recipe(tmp_path, doc)
    assert run_cli(str(recipe), "--run-dir", str(tmp_path / "run")) == 0
    assert mine.read_bytes() == b"the user's own model"
    assert (paths.user_models_dir() / "tiny-2.safetensors").is_file()
    assert "is already among your models and was kept; this one is saved as tiny-2.safetensors" in capsys.readouterr().err

    # --run-dir in the recipe's own folder: the run's recipe.toml copy would replace the recipe
    project = tmp_path / "project"
    project.mkdir()
    own = project / "recipe.toml"
    own.write_bytes(recipe.read_bytes())
    assert run_cli(str(own), "--run-dir", str(project)) == 2
    assert "holds the recipe" in capsys.readouterr().err
    assert own.read_bytes() == recipe.read_bytes() and sorted(p.name for p in project.iterdir()) == ["recipe.toml"]


# -- item 6 ----------------------------------------------------------------------------------------

@pytest.mark.skipif(os.name == "nt", reason="on Windows a temp's age alone tells a killed run's")
def test_a_temp_left_by_a_killed_write_is_removed_at_once_and_a_live_one_kept(tmp_path):
    import signal
    import subprocess
    import sys

    from denoise_desktop import imageio

    out = tmp_path / "out"
    out.mkdir()
    code = ("import sys, time\nfrom denoise_desktop.imageio import atomic_write\n"
            "with atomic_write(sys.argv[1]):\n    print('writing', flush=True)\n    time.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", code, str(out / "a.png")], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "writing\n"
    [part] = list(out.glob(".dd-*.part"))
    assert imageio.remove_stale_temps(out) == [] and part.exists()  # its writer is alive
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert part.exists() and part.stat().st_size == 0  # what kill -9 leaves
    with imageio.atomic_write(out / "b.png") as live:  # a write of this process, under way
        assert imageio.remove_stale_temps(out) == [part]
        assert live.exists()
    assert not list(out.glob(".dd-*"))
