"""Fault injection for issue 30, items 1–9: each case runs the real code in a fresh process and a
temporary folder, stopped after 10 s, and the script prints a Markdown table (case, outcome,
seconds, peak memory of that process).

    python -m benchmarks.fault_injection [--case NAME ...] [--keep DIR]

Outcomes: "refused with a reason" (one line, nothing changed) or "ok" (handled, nothing lost);
anything else is a finding: "LOST DATA", "hang (over 10 s)", "traceback", "over 1 GB".
Peak memory is the whole process's (Python, numpy, Pillow, and torch where the case needs it).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import resource
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT_S = 10
REFUSED, OK = "refused with a reason", "ok"


# -- helpers (run in the case's process) -----------------------------------------------------------

def png(path: Path, value: int = 0) -> Path:
    import numpy as np
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((8, 8, 3), value, np.uint8)).save(path)
    return path


def digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


class Identity:
    takes_sigma = False
    id = "identity"

    def denoise(self, x, sigma=None, strength=1.0, progress=None):
        return x


def cli(*argv: str) -> tuple[int, str]:
    """``denoise-desktop ARGV`` in this process: (exit code, what it wrote to stderr)."""
    from denoise_desktop import cli as app_cli

    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
    try:
        code = app_cli.main(list(argv))
        return code, sys.stderr.getvalue()
    finally:
        sys.stdout, sys.stderr = old


def first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


# -- the cases: each returns (outcome, detail) -------------------------------------------------------

def case_1_linked_output_subfolder(d: Path):
    from denoise_desktop import batch

    src, out = d / "in", d / "out"
    png(src / "a" / "p.png", 1)
    png(src / "b" / "p.png", 2)
    out.mkdir()
    os.symlink(src / "b", out / "a")  # out/a/p.png is in/b/p.png
    before = digests(src)
    try:
        list(batch.run(batch.plan([src], out, recursive=True), Identity()))
        outcome = OK, "planned and ran"
    except batch.BatchError as e:
        outcome = REFUSED, str(e)
    return ("LOST DATA", "an input changed") if digests(src) != before else outcome


def case_2_nested_output_folders(d: Path):
    from denoise_desktop import batch

    src = d / "in"
    png(src / "a.png")
    png(src / "sub" / "b.png")
    outer = batch.run(batch.plan([src], d / "o", recursive=True), Identity())
    next(outer)  # --out o -r is writing (o and o/sub)
    try:
        list(batch.run(batch.plan([src / "sub"], d / "o" / "sub"), Identity()))
        return "LOST DATA", "both batches wrote o/sub"
    except batch.BatchError as e:
        return REFUSED, str(e)
    finally:
        outer.close()


def _race_worker(out, rounds, start, end, holding, twice, guard):
    from denoise_desktop import batch

    for _ in range(rounds):
        start.wait()
        try:
            with batch.output_lock(out):
                with guard:
                    holding.value += 1
                    if holding.value > 1:
                        twice.value += 1
                time.sleep(0.002)
                with guard:
                    holding.value -= 1
        except batch.BatchError:
            pass
        end.wait()


def case_3_stale_lock_race(d: Path, rounds: int = 200):
    import multiprocessing as mp
    import socket

    from denoise_desktop import batch

    out = d / "out"
    out.mkdir()
    ctx = mp.get_context("fork")
    start, end = ctx.Barrier(3), ctx.Barrier(3)
    holding, twice, guard = ctx.Value("i", 0), ctx.Value("i", 0), ctx.Lock()
    workers = [ctx.Process(target=_race_worker, args=(out, rounds, start, end, holding, twice, guard)) for _ in range(2)]
    for w in workers:
        w.start()
    dead = json.dumps({"pid": 2**22 + 4321, "host": socket.gethostname(), "started": time.time() - 60})
    for _ in range(rounds):
        (out / batch.LOCK_NAME).write_text(dead)  # left by a killed run
        start.wait()
        end.wait()
    for w in workers:
        w.join()
    if twice.value:
        return "LOST DATA", f"two processes held the lock in {twice.value} of {rounds} tries"
    return OK, f"two processes, {rounds} takeovers of a dead PID's lock: never held twice"


def case_4_full_disk_lock(d: Path):
    import errno

    from denoise_desktop import batch

    src, out = d / "in", d / "out"
    png(src / "a.png")
    out.mkdir()
    real_write = os.write

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    os.write = full  # the lock's JSON cannot be written
    try:
        with batch.output_lock(out):
            os.write = real_write
            try:
                batch.plan([src], out)
                return "LOST DATA", "a second batch was let in"
            except batch.BatchError:
                pass
    finally:
        os.write = real_write
    (out / batch.LOCK_NAME).write_bytes(b"")  # what a full disk left behind, no process holds it
    statuses = [r.status for r in batch.run(batch.plan([src], out), Identity())]
    if statuses != ["done"]:
        return "refused", f"after a 0-byte lock: {statuses}"
    return OK, "ENOSPC on the lock: no traceback, still exclusive; a 0-byte leftover lock: next batch ran"


def _training_recipe(d: Path, **export) -> Path:
    import numpy as np
    from PIL import Image

    img = d / "img"
    img.mkdir(parents=True)
    for i in range(4):
        Image.fromarray(np.random.default_rng(i).integers(0, 255, (20, 20), dtype=np.uint8)).save(img / f"{i}.png")
    extra = "".join(f"{k} = {json.dumps(v)}\n" for k, v in export.items())
    recipe = d / "recipe.toml"
    recipe.write_text(f'name = "tiny"\n[model]\narch = "dncnn"\nhparams = {{depth = 3, features = 4}}\n'
                      f'[data]\ntrain = "{img}"\nval_fraction = 0.5\npatch_size = 16\npatches_per_image = 2\n'
                      f'batch_size = 2\nchannels = 1\n[train]\nepochs = 1\nthreads = 1\ncheckpoint_every = 0\n'
                      f'[export]\n{extra}')
    return recipe


def _train(*argv: str) -> tuple[int, str]:
    from training import cli as train_cli

    err = io.StringIO()
    old = sys.stderr
    sys.stderr = err
    try:
        code = train_cli.main([*argv, "--no-stdin", "--device", "cpu"])
    finally:
        sys.stderr = old
    return code, err.getvalue()


def case_5a_export_onto_a_user_model(d: Path):
    from denoise_desktop import paths

    mine = paths.user_models_dir() / "tiny.safetensors"
    mine.write_bytes(b"the user's own model")
    code, err = _train(str(_training_recipe(d, to_user_models=True)), "--run-dir", str(d / "run"))
    if mine.read_bytes() != b"the user's own model":
        return "LOST DATA", "the user's model was replaced"
    note = next((ln for ln in err.splitlines() if "already among your models" in ln), "")
    return (OK, note.split("note=", 1)[-1]) if code == 0 and note else ("silent", f"exit {code}")


def case_5b_run_dir_is_the_recipe_folder(d: Path):
    recipe = _training_recipe(d)
    before = recipe.read_bytes()
    code, err = _train(str(recipe), "--run-dir", str(d))
    if recipe.read_bytes() != before:
        return "LOST DATA", "the recipe was rewritten"
    return (REFUSED, first_line(err).removeprefix("error: ")) if code == 2 else ("ran", f"exit {code}")


def case_6_killed_write(d: Path):
    from denoise_desktop import batch

    src, out = d / "in", d / "out"
    png(src / "a.png")
    out.mkdir()
    code = ("import sys, time\nfrom denoise_desktop.imageio import atomic_write\n"
            "with atomic_write(sys.argv[1]):\n    print('writing', flush=True)\n    time.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", code, str(out / "a.png")], stdout=subprocess.PIPE, text=True,
                             cwd=ROOT)
    child.stdout.readline()
    child.send_signal(signal.SIGKILL)
    child.wait()
    left = [p.name for p in out.glob(".dd-*.part")]
    statuses = [r.status for r in batch.run(batch.plan([src], out), Identity())]
    rest = [p.name for p in out.glob(".dd-*.part")]
    if rest or statuses != ["done"]:
        return "kept", f"temps after the rerun: {rest}; {statuses}"
    return OK, f"kill -9 left {len(left)} 0-byte temp; the rerun removed it"


def case_7_fifo_and_device_among_models(d: Path):
    from denoise_desktop import models, paths, weights

    folder = paths.user_models_dir()
    for stem in ("a_piped_card", "c_endless_card"):
        weights.save_weights(models.build("dncnn", "gray", depth=3, features=4), folder / f"{stem}.safetensors")
        (folder / f"{stem}.json").unlink()
    os.mkfifo(folder / "a_piped_card.json")
    os.mkfifo(folder / "b_pipe.safetensors")
    os.symlink("/dev/zero", folder / "c_endless_card.json")
    code, err = cli("models")
    src = png(d / "in" / "x.png")
    code_run, err_run = cli("run", str(src), "--out", str(d / "out"), "--model", "median")
    if code != 0 or code_run != 0:
        return "failed", first_line(err + err_run)
    return OK, "`models` and `run` finish; the FIFO and /dev/zero cards are skipped (not regular files)"


def forged_jpeg(width: int, height: int) -> bytes:
    import numpy as np
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.full((16, 16), 128, np.uint8)).save(buf, "JPEG", quality=50)
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5: sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def case_8_jpeg_declaring_256_mp(d: Path):
    bomb = d / "in" / "bomb.jpg"
    bomb.parent.mkdir()
    bomb.write_bytes(forged_jpeg(16000, 16000))
    code, err = cli("run", str(bomb), "--out", str(d / "out"), "--model", "median")
    line = next((ln.strip() for ln in err.splitlines() if "bomb.jpg" in ln and "declares" in ln), "")
    if code == 0 or not line:
        return "decoded", f"exit {code}"
    return REFUSED, f"({bomb.stat().st_size} bytes) " + line.split("bomb.jpg': ", 1)[-1]


def big_header(path: Path, megabytes: float) -> None:
    from denoise_desktop import weights

    header = {"__metadata__": {"format": weights.FORMAT, "arch": "dncnn",
                               "hparams": json.dumps({"in_channels": 1, "depth": 3, "features": 4})}}
    n = int(megabytes * 2**20 / 110)  # ~110 bytes of JSON per entry
    header.update({f"t{i:07d}_{'x' * 40}": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]} for i in range(n)})
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text)


def _ten_headers(megabytes: float) -> None:
    from denoise_desktop import paths

    for k in range(10):
        big_header(paths.user_models_dir() / f"big{k}.safetensors", megabytes)


def _models_command(what: str):
    code, err = cli("models")
    return (OK, what) if code == 0 else ("failed", first_line(err))


def _run_without_cache(d: Path):
    from denoise_desktop import paths

    (paths.cache_dir() / "model_checks.json").unlink(missing_ok=True)
    code, err = cli("run", str(png(d / "in" / "x.png")), "--out", str(d / "out"), "--model", "median")
    checks = paths.cache_dir() / "model_checks.json"
    read = [k for k in (json.loads(checks.read_text()) if checks.exists() else {}) if "/big" in k]
    if code != 0 or read:
        return "failed", first_line(err) or f"{len(read)} user headers read"
    return OK, "no user header read (a lookup checks only its own model)"


SETUP = {"9a": lambda: _ten_headers(16), "9b": lambda: _ten_headers(3.9)}
CASES = {
    "1 output sub-folder linked to another input's folder": case_1_linked_output_subfolder,
    "2 batches into nested output folders (o -r, o/sub)": case_2_nested_output_folders,
    "3 stale-lock takeover race (2 processes × 200)": case_3_stale_lock_race,
    "4 full disk while writing the lock": case_4_full_disk_lock,
    "5a training export onto a user model of that name": case_5a_export_onto_a_user_model,
    "5b --run-dir = the recipe's folder": case_5b_run_dir_is_the_recipe_folder,
    "6 kill -9 during a write, then rerun": case_6_killed_write,
    "7 FIFO card, FIFO weights, card → /dev/zero": case_7_fifo_and_device_among_models,
    "8 JPEG of a few hundred bytes declaring 16000×16000": case_8_jpeg_declaring_256_mp,
    "9a `models` with 10 user files of 16 MB headers": lambda d: _models_command("refused from 8 bytes each (over the 4 MB cap)"),
    "9b `models` with 10 files of 3.9 MB headers, first run": lambda d: _models_command("each header checked once, saved"),
    "9c the same `models`, next command": lambda d: _models_command("no header read again (checks cached by file identity)"),
    "9d `run --model median`, same folder, no cache": lambda d: _run_without_cache(d),
}
SHARED_DIR = {"9b": "9", "9c": "9", "9d": "9"}  # these run one after the other in one folder


def run_case(name: str, folder: Path) -> dict:
    """In the child process: set up, run under the 10 s alarm, report as one JSON line."""
    key = name.split()[0]
    import denoise_desktop.cli  # noqa: F401 - imports (torch among them) are not the case's time
    import denoise_desktop.registry  # noqa: F401

    if key in SETUP:
        SETUP[key]()

    def alarm(signum, frame):
        raise TimeoutError

    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(LIMIT_S)
    t0 = time.perf_counter()
    try:
        outcome, detail = CASES[name](folder)
    except TimeoutError:
        outcome, detail = f"hang (over {LIMIT_S} s)", ""
    except Exception as e:  # noqa: BLE001 - any escaping exception is a finding
        outcome, detail = "traceback", f"{type(e).__name__}: {e}"
    finally:
        signal.alarm(0)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20 if sys.platform == "darwin" else 1 << 10)
    if peak > 1024 and outcome in (OK, REFUSED):
        outcome = "over 1 GB"
    return {"case": name, "outcome": outcome, "detail": detail, "seconds": seconds, "peak_mb": peak}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", action="append", help="run only cases whose name starts with this (repeatable)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    ap.add_argument("--keep", metavar="DIR", help="work in DIR (kept) instead of a temporary folder")
    args = ap.parse_args(argv)
    if args.child:
        print("RESULT " + json.dumps(run_case(args.child, Path(args.dir))), flush=True)
        return 0
    names = [n for n in CASES if not args.case or any(n.startswith(c) for c in args.case)]
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="fault-injection-"))
    rows = []
    for name in names:
        key = name.split()[0]
        folder = base / SHARED_DIR.get(key, key)
        folder.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, DENOISE_DESKTOP_HOME=str(folder / "home"), PYTHONPATH=str(ROOT),
                   DENOISE_DESKTOP_CPU_BF16="0")
        try:  # the child stops itself after 10 s of the case; this catches a hang it cannot interrupt
            proc = subprocess.run([sys.executable, "-m", "benchmarks.fault_injection", "--child", name, "--dir", str(folder)], cwd=ROOT,
                                  env=env, capture_output=True, text=True, timeout=LIMIT_S + 60)
            line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
            row = json.loads(line[7:]) if line else {"case": name, "outcome": "crashed", "seconds": float("nan"),
                                                     "peak_mb": float("nan"), "detail": proc.stderr[-300:]}
        except subprocess.TimeoutExpired:
            row = {"case": name, "outcome": f"hang (over {LIMIT_S} s)", "seconds": float("nan"),
                   "peak_mb": float("nan"), "detail": "killed"}
        rows.append(row)
        print(f"{name}: {row['outcome']} ({row['seconds']:.2f} s)", file=sys.stderr, flush=True)
    print("| case | outcome | s | peak MB | detail |\n|---|---|---:|---:|---|")
    for r in rows:
        detail = str(r.get("detail", "")).replace(str(base), "$TMP").replace("|", "\\|").replace("\n", " ")
        if len(detail) > 160:
            detail = detail[:157] + "…"
        print(f"| {r['case']} | {r['outcome']} | {r['seconds']:.2f} | {r['peak_mb']:.0f} | {detail} |")
    bad = [r for r in rows if r["outcome"] not in (OK, REFUSED)]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
