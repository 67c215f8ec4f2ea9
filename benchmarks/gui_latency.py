"""GUI responsiveness while a batch runs: event-loop stalls measured by a 10 ms timer.

    python -m benchmarks.gui_latency [--images 24] [--size 384] [--model auto|random-dncnn|<id>]
                                     [--threads N] [--trace] [--json out.json]
    python -m benchmarks.gui_latency --training-flood 2000     # Training tab, 2000 events/s

Builds the real Batch tab (offscreen Qt) with the real ``TaskRunner``, queues generated noisy
photos and starts the batch exactly as a user would (``BatchPanel.start``). Meanwhile a
``QTimer`` with a 10 ms interval records the time between its ticks: a tick that arrives late
means the GUI thread could not process events (a frozen window). Reported: max and p99 gap and
how many gaps exceeded 100 ms (the target is none), plus the batch throughput for context. The
same timer runs for a few seconds before the batch starts: that idle baseline shows how much of
the latency is the machine's other load rather than the batch. As in the app (whose model
catalog imports torch in a worker at start-up), torch is imported before the batch; ``--cold``
leaves that to the batch's first file.

``--model random-dncnn`` runs a color DnCNN with random weights through the engine (the heaviest
network work without needing bundled weights); ``auto`` uses the registry's default models.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]

import numpy as np

TICK_MS = 10
STALL_MS = 100.0


def _make_images(folder: Path, n: int, size: int) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size] / size
    for i in range(n):
        base = np.stack([np.sin(6 * xx + i), np.cos(5 * yy - i), xx * yy], axis=-1) * 0.4 + 0.5
        noisy = np.clip(base + rng.normal(0, 25 / 255, base.shape), 0, 1)
        Image.fromarray((noisy * 255).round().astype(np.uint8)).save(folder / f"photo_{i:03d}.png")


def _random_dncnn_loader():
    from denoise_desktop import models
    from denoise_desktop.engine import NetworkDenoiser

    def load(model_id, device, preferred=None):
        net = models.build("dncnn", "color")
        return NetworkDenoiser(net, models.get_spec("dncnn"), device="cpu", id="random-dncnn")

    return load


def _other_stacks(depth: int = 8) -> list[list[str]]:
    """The innermost ``depth`` frames of every other thread, as "file:line function" strings."""
    import threading

    me = threading.get_ident()
    out = []
    for ident, frame in sys._current_frames().items():
        if ident == me:
            continue
        stack = []
        while frame is not None and len(stack) < depth:
            code = frame.f_code
            stack.append(f"{Path(code.co_filename).name}:{frame.f_lineno} {code.co_name}")
            frame = frame.f_back
        out.append(stack)
    return out


def _print_stall(title: str, before: list, after: list) -> None:
    """Where the other threads were just before and just after a stall: the code between the
    two (usually the same innermost call) is what kept the GUI thread from running."""
    print(f"--- {title}", file=sys.stderr)
    for label, stacks in (("before", before), ("after", after)):
        for stack in stacks:
            if any("run_batch" in f or "batch.py" in f for f in stack) or label == "after":
                print(f"  {label}: " + " <- ".join(stack), file=sys.stderr)


def measure(n_images: int, size: int, model: str, idle_s: float = 3.0, trace: bool = False,
            warm_start: bool = True) -> dict:
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from denoise_desktop.gui import batch_job
    from denoise_desktop.gui.panels import batch_panel as bp
    from denoise_desktop.gui.workers import TaskRunner
    from denoise_desktop.settings import AppSettings

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ.setdefault("DENOISE_DESKTOP_HOME", str(tmp / "home"))
        src, out = tmp / "in", tmp / "out"
        src.mkdir()
        _make_images(src, n_images, size)

        if model == "random-dncnn":
            batch_job.load_denoiser = _random_dncnn_loader()
            batch_job.model_choices = lambda: [("DnCNN (random weights)", "random-dncnn", (3,))]
        runner = TaskRunner(max_threads=2)
        panel = bp.BatchPanel(runner, AppSettings(last_batch_out_dir=str(out), naming="{stem}_dn"))
        panel.resize(1000, 800)
        panel.show()
        panel.add_inputs([src])
        i = panel.model_combo.findData(model if model != "auto" else batch_job.AUTO_MODEL)
        if i < 0:
            raise SystemExit(f"unknown model {model!r}; known: "
                             + ", ".join(str(panel.model_combo.itemData(k)) for k in range(panel.model_combo.count())))
        panel.model_combo.setCurrentIndex(i)

        gaps: list[float] = []
        idle_gaps: list[float] = []  # before the batch: what the machine's load alone costs
        stalls: list[tuple[float, float, str]] = []  # (at s, gap ms, what the batch was doing)
        clock = QElapsedTimer()
        last = [0]
        summary: dict = {}
        doing = ["idle"]
        prev_stacks: list = [[]]
        panel.batch_started.connect(lambda n: doing.__setitem__(0, "planned"))

        def tick() -> None:
            now = clock.nsecsElapsed()
            if last[0]:
                gap = (now - last[0]) / 1e6
                if doing[0] == "idle":
                    idle_gaps.append(gap)
                    last[0] = now
                    return
                gaps.append(gap)
                if gap > STALL_MS / 2:
                    stalls.append((round(now / 1e9, 2), round(gap, 1), doing[0]))
                    if trace and gap > STALL_MS:
                        _print_stall(f"stall of {gap:.0f} ms at {now / 1e9:.2f} s", prev_stacks[0], _other_stacks())
            last[0] = now
            if trace:
                prev_stacks[0] = _other_stacks()
            if panel.task is not None:
                doing[0] = f"{panel.model.finished_count()} done"

        timer = QTimer()
        timer.setInterval(TICK_MS)
        timer.timeout.connect(tick)

        def done(s: dict) -> None:
            summary.update(s)
            QTimer.singleShot(100, app.quit)  # a few more ticks after the end

        panel.batch_finished.connect(done)
        if warm_start:
            # As the app does at start-up (MainWindow's model catalog): torch is imported in a
            # worker before any batch, so its one-off import is not counted as a batch stall.
            from denoise_desktop.gui import jobs

            task = runner.submit(jobs.list_models, lane="catalog")
            while not task.done:
                app.processEvents()
                time.sleep(0.01)
        clock.start()
        timer.start()
        t0 = time.perf_counter()
        def start() -> None:
            doing[0] = "starting"
            panel.start()

        QTimer.singleShot(int(idle_s * 1000), start)
        app.exec()
        wall = time.perf_counter() - t0
        timer.stop()
        runner.shutdown(10_000)
        panel.close()
        # Delete Qt objects while the application still exists (avoids teardown-order warnings).
        panel.deleteLater()
        runner.deleteLater()
        timer.deleteLater()
        app.processEvents()

    arr = np.asarray(gaps)
    idle = np.asarray(idle_gaps)
    return {
        "images": n_images,
        "size": size,
        "model": model,
        "batch_state": summary.get("state"),
        "done": summary.get("done"),
        "failed": summary.get("failed"),
        "batch_seconds": round(float(summary.get("seconds", wall)), 2),
        "images_per_s": round(n_images / max(1e-9, float(summary.get("seconds", wall))), 2),
        "ticks": int(arr.size),
        "gap_max_ms": round(float(arr.max()), 1) if arr.size else None,
        "gap_p99_ms": round(float(np.percentile(arr, 99)), 1) if arr.size else None,
        "gap_median_ms": round(float(np.median(arr)), 1) if arr.size else None,
        "stalls_over_100ms": int((arr > STALL_MS).sum()),
        "gaps_over_50ms": stalls,
        "idle_gap_max_ms": round(float(idle.max()), 1) if idle.size else None,
        "idle_gap_p99_ms": round(float(np.percentile(idle, 99)), 1) if idle.size else None,
    }


FLOOD = r"""
import json, sys, time
rate, seconds = float(sys.argv[1]), float(sys.argv[2])
print(json.dumps({"v": 1, "type": "start", "total_steps": int(rate * seconds)}), flush=True)
t0, step = time.monotonic(), 0
while time.monotonic() - t0 < seconds:
    step += 1
    print(json.dumps({"v": 1, "type": "step", "step": step, "loss": 1.0 / step, "images_per_s": 999.0,
                      "eta_s": 1.0}), flush=True)
    if step % 500 == 0:
        print(json.dumps({"v": 1, "type": "epoch", "epoch": step // 500, "step": step, "val_psnr": 30.0}), flush=True)
    time.sleep(max(0.0, t0 + step / rate - time.monotonic()))
print(json.dumps({"v": 1, "type": "done", "step": step}), flush=True)
"""


def measure_training(rate: float, seconds: float) -> dict:
    """The Training tab fed ``rate`` events/s by a child process (a fast GPU trainer's worst case)."""
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from denoise_desktop.gui.panels.training_panel import TrainingPanel

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("DENOISE_DESKTOP_HOME", str(Path(tmp) / "home"))
        script = Path(tmp) / "flood.py"
        script.write_text(FLOOD)
        panel = TrainingPanel(None)
        panel.resize(1200, 800)
        panel.show()
        gaps: list[float] = []
        clock = QElapsedTimer()
        last = [0]

        def tick() -> None:
            now = clock.nsecsElapsed()
            if last[0]:
                gaps.append((now - last[0]) / 1e6)
            last[0] = now

        timer = QTimer()
        timer.setInterval(TICK_MS)
        timer.timeout.connect(tick)
        panel.process.finished.connect(lambda *_: QTimer.singleShot(100, app.quit))
        clock.start()
        timer.start()
        panel.start_command([sys.executable, str(script), str(rate), str(seconds)])
        app.exec()
        timer.stop()
        events = panel.run.events_seen
        points = 0 if panel.loss_curve.xData is None else len(panel.loss_curve.xData)
        panel.close()
        panel.deleteLater()
        timer.deleteLater()
        app.processEvents()
    arr = np.asarray(gaps)
    return {
        "scenario": "training", "events_per_s": rate, "seconds": seconds, "events_seen": events,
        "curve_points": points, "ticks": int(arr.size),
        "gap_max_ms": round(float(arr.max()), 1), "gap_p99_ms": round(float(np.percentile(arr, 99)), 1),
        "gap_median_ms": round(float(np.median(arr)), 1), "stalls_over_100ms": int((arr > STALL_MS).sum()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=24)
    ap.add_argument("--size", type=int, default=384)
    ap.add_argument("--model", default="auto", help="auto, random-dncnn, or a registry model id")
    ap.add_argument("--idle", type=float, default=3.0, help="seconds measured before the batch (baseline)")
    ap.add_argument("--trace", action="store_true", help="print the other threads' stacks after each stall")
    ap.add_argument("--threads", type=int, default=0,
                    help="torch and OpenCV threads for the batch (0 = their defaults: all cores)")
    ap.add_argument("--json", type=Path, help="also write the result here")
    ap.add_argument("--cold", action="store_true",
                    help="do not import torch before the batch (the app imports it at start-up; this counts it in the batch)")
    ap.add_argument("--training-flood", type=float, metavar="EVENTS_PER_S",
                    help="instead of a batch: the Training tab fed this many events/s for 10 s")
    args = ap.parse_args(argv)
    if args.training_flood:
        result = measure_training(args.training_flood, 10.0)
        result["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
        print(json.dumps(result, indent=2))
        if args.json:
            args.json.write_text(json.dumps(result, indent=2) + "\n")
        return 0 if result["stalls_over_100ms"] == 0 else 1
    if args.threads:
        import cv2
        import torch

        torch.set_num_threads(args.threads)
        cv2.setNumThreads(args.threads)
    result = measure(args.images, args.size, args.model, args.idle, args.trace, warm_start=not args.cold)
    result["torch_imported_before"] = not args.cold
    result["threads"] = args.threads or "default"
    result["OPENBLAS_NUM_THREADS"] = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    result["machine"] = f"{platform.system()} {platform.machine()}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}"
    result["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    ok = result["stalls_over_100ms"] == 0 and result["batch_state"] == "finished"
    print(f"\nmax gap {result['gap_max_ms']} ms, p99 {result['gap_p99_ms']} ms, "
          f"{result['stalls_over_100ms']} stalls > {STALL_MS:.0f} ms -> {'OK' if ok else 'TARGET MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
