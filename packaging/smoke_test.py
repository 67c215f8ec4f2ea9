"""Smoke-test a built Denoise Desktop bundle; prints a report and exits non-zero on failure.

    python packaging/smoke_test.py dist/DenoiseDesktop [--json build/smoke.json]

Runs the frozen executable the way a user and the app itself do, each time with a fresh
per-user folder (``DENOISE_DESKTOP_HOME``) so nothing on this machine leaks in or out:

0. ``--version`` names this tree's version (no stale build);
1. ``--smoke-test``: loads the default model, denoises a generated image, exits 0;
2. ``train --help`` and two training steps of the bundled ``default_gray`` recipe on generated
   images (DataLoader workers on): the frozen trainer, which the GUI starts as
   ``<exe> train ...``, must train, checkpoint and export;
3. the GUI, offscreen, twice: it must show its window and quit by itself.  The app honours
   ``DENOISE_DESKTOP_QUIT_AFTER_MS`` (single-shot timer after the window is shown) and, with
   ``DENOISE_DESKTOP_REPORT_STARTUP=1``, prints ``window-shown <seconds>`` to stderr.  We time
   from process start to that line (what a user waits: bootloader, imports, first paint); the
   first run after a build is as cold as this machine gets without dropping the page cache.
   With ``--x11`` the GUI runs on ``$DISPLAY`` (e.g. Xvfb) instead, with the real xcb plugin,
   and counts as shown when xdotool sees its window (no hooks needed; CPU time recorded too);
4. the bundle is unchanged afterwards: user data must go to per-user folders, never into it;
5. the bundle's size on disk.

Standard library only, so any Python can run it against any build.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["find_executable", "bundle_size", "snapshot", "main"]

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from project_meta import read_meta  # noqa: E402

_SHOWN_RE = re.compile(r"window-shown\s+([0-9.]+)")


@dataclass
class Check:
    name: str
    ok: bool
    seconds: float
    detail: str = ""
    extra: dict = field(default_factory=dict)


def find_executable(target: Path, app_name: str) -> tuple[Path, Path]:
    """(executable, bundle root) for a one-folder dir, a macOS .app or a one-file binary."""
    if target.is_file():
        return target, target
    if target.suffix == ".app":
        return target / "Contents" / "MacOS" / app_name, target
    exe = target / (app_name + (".exe" if sys.platform == "win32" else ""))
    if not exe.is_file():
        raise SystemExit(f"smoke_test: no executable {exe}")
    return exe, target


def bundle_size(root: Path) -> tuple[int, int]:
    """(bytes, files) as stored: symlinks count as links, not as their targets."""
    if root.is_file():
        return root.stat().st_size, 1
    total = count = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            total += os.lstat(os.path.join(dirpath, name)).st_size
            count += 1
    return total, count


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """{relative path: (size, mtime_ns)} of every file, to prove the app wrote nothing there."""
    if root.is_file():
        st = root.stat()
        return {root.name: (st.st_size, st.st_mtime_ns)}
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            out[os.path.relpath(path, root)] = (st.st_size, st.st_mtime_ns)
    return out


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DENOISE_DESKTOP_HOME"] = str(home)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.update(extra)
    return env


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_cli(name: str, exe: Path, args: list[str], timeout: float, must_contain: str = "") -> Check:
    with tempfile.TemporaryDirectory(prefix="dd-smoke-") as home:
        start = time.perf_counter()
        try:
            proc = subprocess.run([str(exe), *args], env=_env(Path(home)), capture_output=True,
                                  text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return Check(name, False, timeout, f"no exit within {timeout:.0f} s")
        seconds = time.perf_counter() - start
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        return Check(name, False, seconds, f"exit code {proc.returncode}\n{_tail(out)}")
    if must_contain and must_contain not in out:
        return Check(name, False, seconds, f"output lacks {must_contain!r}\n{_tail(out)}")
    return Check(name, True, seconds, _tail(proc.stdout, 3))


def write_gray_png(path: Path, size: int, seed: int) -> None:
    """A small 8-bit gray PNG (gradient + stripes) with the standard library only."""
    rows = []
    for y in range(size):
        row = bytes((x * 3 + y * 2 + seed * 40 + (16 if (x // 4 + seed) % 2 else 0)) % 256
                    for x in range(size))
        rows.append(b"\x00" + row)  # filter type 0 per scanline

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def run_train(name: str, exe: Path, timeout: float) -> Check:
    """Two steps of the bundled gray recipe on generated images, DataLoader workers on: the
    frozen trainer must start (multiprocessing freeze_support), train, checkpoint and export."""
    with tempfile.TemporaryDirectory(prefix="dd-smoke-") as home:
        base = Path(home)
        for split, count in (("train", 4), ("val", 1)):
            (base / split).mkdir()
            for i in range(count):
                write_gray_png(base / split / f"{i}.png", 48, i)
        run_dir = base / "run"
        args = ["train", "default_gray", "--set", f"data.train={json.dumps(str(base / 'train'))}",
                "--set", f"data.val={json.dumps(str(base / 'val'))}", "--set", "data.patch_size=32",
                "--set", "data.val_crop=0", "--set", "data.batch_size=2", "--set", "data.workers=2",
                "--set", "train.epochs=1", "--set", "train.steps_per_epoch=2", "--threads", "1",
                "--no-stdin", "--events", "-", "--run-dir", str(run_dir)]
        start = time.perf_counter()
        try:
            proc = subprocess.run([str(exe), *args], env=_env(base), capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return Check(name, False, timeout, f"no exit within {timeout:.0f} s")
        seconds = time.perf_counter() - start
        exported = sorted(p.name for p in (run_dir / "export").glob("*.safetensors"))
    events = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    done = [json.loads(e) for e in events if '"type": "done"' in e]
    if proc.returncode != 0 or not done or not exported:
        return Check(name, False, seconds, f"exit code {proc.returncode}, done event: {bool(done)}, "
                     f"exported: {exported}\n{_tail(proc.stdout + proc.stderr)}")
    return Check(name, True, seconds, f"{done[0].get('step')} steps, exported {', '.join(exported)}")


def run_gui(name: str, exe: Path, args: list[str], quit_after_ms: int, timeout: float,
            need_report: bool) -> Check:
    with tempfile.TemporaryDirectory(prefix="dd-smoke-") as home:
        env = _env(Path(home), DENOISE_DESKTOP_QUIT_AFTER_MS=str(quit_after_ms),
                   DENOISE_DESKTOP_REPORT_STARTUP="1")
        start = time.perf_counter()
        # Own process group, so a hung app is killed with anything it started (else an
        # orphan would hold the pipe open and the reader would wait for it).
        proc = subprocess.Popen([str(exe), *args], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=os.name == "posix")
        shown: dict[str, float] = {}
        lines: list[str] = []

        def read_output() -> None:  # one reader for stdout+stderr: the line is timed on arrival
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                m = _SHOWN_RE.search(line)
                if m and "wall" not in shown:
                    shown["wall"] = time.perf_counter() - start
                    shown["reported"] = float(m.group(1))

        reader = threading.Thread(target=read_output, daemon=True)
        reader.start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            if os.name == "posix":
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
            proc.wait()
            reader.join(5)
            hint = ("" if shown else
                    " and never reported window-shown (is DENOISE_DESKTOP_QUIT_AFTER_MS honoured?)")
            return Check(name, False, timeout, f"still running after {timeout:.0f} s{hint}\n"
                         + _tail("".join(lines)))
        seconds = time.perf_counter() - start
        reader.join(10)  # EOF comes once the app (and anything it started) has closed its output
    output = "".join(lines)
    if proc.returncode != 0:
        return Check(name, False, seconds, f"exit code {proc.returncode}\n{_tail(output)}")
    if not shown and need_report:
        return Check(name, False, seconds, "exited 0 but never printed 'window-shown <s>' with "
                     "DENOISE_DESKTOP_REPORT_STARTUP=1\n" + _tail(output))
    extra = {"window_shown_s": shown.get("wall"), "window_shown_reported_s": shown.get("reported")}
    detail = (f"window shown after {shown['wall']:.2f} s (app says {shown['reported']:.2f} s)"
              if shown else "window-shown not reported")
    return Check(name, True, seconds, detail, extra)



def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far, Linux only: on a busy machine it
    is a fairer start-up figure than wall time, which then mostly measures waiting."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run_gui_x11(name: str, exe: Path, args: list[str], title: str, quit_after_ms: int,
                timeout: float, screenshot: Path | None) -> Check:
    """The GUI on a real X server (``DISPLAY``, e.g. Xvfb), for apps without the env hooks.

    The window counts as shown when xdotool finds a visible window whose title contains
    ``title``: the real xcb platform plugin, mapped and named. After ``quit_after_ms`` the
    app gets SIGTERM unless it quit by itself.
    """
    if not (os.environ.get("DISPLAY") and shutil.which("xdotool")):
        return Check(name, False, 0.0, "--x11 needs DISPLAY and xdotool")
    with tempfile.TemporaryDirectory(prefix="dd-smoke-") as home:
        env = _env(Path(home), QT_QPA_PLATFORM="xcb", DENOISE_DESKTOP_QUIT_AFTER_MS=str(quit_after_ms))
        start = time.perf_counter()
        with tempfile.TemporaryFile("w+") as log:
            proc = subprocess.Popen([str(exe), *args], env=env, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            window, shown, cpu = "", None, None
            while proc.poll() is None and time.perf_counter() - start < timeout:
                found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title],
                                       capture_output=True, text=True).stdout.split()
                if found:
                    shown, window = time.perf_counter() - start, found[0]
                    cpu = _cpu_seconds(proc.pid)
                    break
                time.sleep(0.05)
            if shown is not None and screenshot is not None and shutil.which("import"):
                time.sleep(min(2.0, quit_after_ms / 1000))  # let it paint
                subprocess.run(["import", "-window", window, str(screenshot)], capture_output=True)
            terminated = False
            try:
                proc.wait(timeout=quit_after_ms / 1000 + 10 if shown is not None else 0.1)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGTERM)
                terminated = True
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            seconds = time.perf_counter() - start
            log.seek(0)
            output = log.read()
    if shown is None:
        return Check(name, False, seconds, f"no visible window titled {title!r} within {timeout:.0f} s "
                     f"(exit code {proc.returncode})\n{_tail(output)}")
    if not terminated and proc.returncode != 0:
        return Check(name, False, seconds, f"exit code {proc.returncode}\n{_tail(output)}")
    how = "closed by SIGTERM (no quit hook)" if terminated else "quit by itself"
    cpu_text = f" ({cpu:.2f} s CPU)" if cpu is not None else ""
    return Check(name, True, seconds, f"window mapped after {shown:.2f} s{cpu_text}; {how}",
                 {"window_shown_s": shown, "window_shown_reported_s": None, "window_shown_cpu_s": cpu})


# Debian/Ubuntu packages of the libraries Qt's xcb plugin loads (Qt ≥ 6.5 refuses it without
# libxcb-cursor0); what a user must install for a real window on Linux.
XCB_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1", "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0", "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0", "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libxcb-xinerama.so.0": "libxcb-xinerama0",
}


def missing_libraries(ldd_output: str) -> list[str]:
    """The ``lib… => not found`` names of an ``ldd`` listing, each once."""
    out: list[str] = []
    for line in ldd_output.splitlines():
        if "not found" in line:
            name = line.split("=>")[0].strip()
            if name and name not in out:
                out.append(name)
    return out


def check_xcb(root: Path) -> Check | None:
    """Linux: the bundled xcb platform plugin's libraries are all present on this machine, or the
    packages to install are named — the window would otherwise fail with Qt's 'could not load the
    Qt platform plugin "xcb"' (None where there is no such plugin or no ``ldd``)."""
    plugin = next(iter(sorted(root.rglob("libqxcb.so"))), None)
    if plugin is None or not shutil.which("ldd"):
        return None
    start = time.perf_counter()
    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout
    missing = missing_libraries(out)
    seconds = time.perf_counter() - start
    if not missing:
        return Check("xcb libraries", True, seconds, f"{plugin.name}: all libraries found")
    packages = sorted({XCB_PACKAGES.get(m, m) for m in missing})
    return Check("xcb libraries", False, seconds,
                 f"{plugin.name} needs {', '.join(missing)}: sudo apt install {' '.join(packages)}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("target", type=Path, help="dist/DenoiseDesktop, a .app, or a one-file binary")
    p.add_argument("--json", type=Path, help="also write the report here")
    p.add_argument("--skip-gui", action="store_true", help="CLI checks only (no Qt platform)")
    p.add_argument("--skip-train", action="store_true", help="no 2-step training run")
    p.add_argument("--gui-args", default="", help="arguments that open the window (default: none)")
    p.add_argument("--quit-after-ms", type=int, default=3000)
    p.add_argument("--gui-runs", type=int, default=2, help="first is cold, the rest warm")
    p.add_argument("--timeout", type=float, default=300.0, help="per CLI run, seconds")
    p.add_argument("--gui-timeout", type=float, default=120.0,
                   help="seconds a GUI run may take beyond --quit-after-ms before it fails")
    p.add_argument("--no-startup-report", action="store_true",
                   help="do not require the 'window-shown' line")
    p.add_argument("--x11", action="store_true",
                   help="run the GUI on $DISPLAY (e.g. Xvfb) and detect its window with xdotool")
    p.add_argument("--screenshot", type=Path, help="with --x11: save the window here (ImageMagick)")
    args = p.parse_args(argv)

    meta = read_meta()
    exe, root = find_executable(args.target, meta.app_name)
    before = snapshot(root)
    size, files = bundle_size(root)
    print(f"bundle {root}: {size / 2**20:.0f} MiB in {files} files; executable {exe}", flush=True)

    checks: list[Check] = []

    def record(check: Check) -> None:  # print as we go: a frozen torch app starts slowly
        checks.append(check)
        first = check.detail.splitlines()[0] if check.detail else ""
        print(f"{'PASS' if check.ok else 'FAIL'}  {check.name:<16} {check.seconds:7.2f} s  {first}",
              flush=True)
        if not check.ok and "\n" in check.detail:
            print("      " + check.detail.split("\n", 1)[1].replace("\n", "\n      "), flush=True)

    # --version proves the frozen package is the one this tree describes (no stale build)
    record(run_cli("version", exe, ["--version"], args.timeout, meta.version))
    record(run_cli("smoke-test", exe, ["--smoke-test"], args.timeout, "smoke test ok"))
    record(run_cli("train --help", exe, ["train", "--help"], args.timeout, "usage"))
    if not args.skip_train:
        record(run_train("train (2 steps)", exe, args.timeout))
    if not args.skip_gui:
        xcb = check_xcb(root) if sys.platform.startswith("linux") else None
        if xcb is not None:
            record(xcb)
        for i in range(args.gui_runs):
            label = "gui (cold)" if i == 0 else f"gui (warm {i})"
            if args.x11:
                record(run_gui_x11(label, exe, args.gui_args.split(), meta.display_name,
                                   args.quit_after_ms, args.gui_timeout,
                                   args.screenshot if i == 0 else None))
            else:
                record(run_gui(label, exe, args.gui_args.split(), args.quit_after_ms,
                               args.quit_after_ms / 1000 + args.gui_timeout,
                               not args.no_startup_report))
    after = snapshot(root)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    record(Check("bundle unchanged", not changed, 0.0,
                 "wrote into the bundle: " + ", ".join(changed[:20]) if changed else ""))
    report = {
        "app": meta.app_name, "version": meta.version, "platform": sys.platform,
        "executable": str(exe), "bundle_bytes": size, "bundle_files": files,
        "checks": [asdict(c) for c in checks],
        "ok": all(c.ok for c in checks),
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print("smoke test", "passed" if report["ok"] else "FAILED")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
