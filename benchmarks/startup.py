"""App start-up: seconds from process start until the main window is shown (event loop running).

    python -m benchmarks.startup [--runs 5] [--ref GIT_REV] [--json out.json]

Launches the real app (``denoise_desktop.gui.main``) offscreen with a fresh user folder and reads
the ``window-shown`` line it prints when ``DENOISE_DESKTOP_REPORT_STARTUP=1``. ``--ref`` also
measures another revision (checked out into a temporary git worktree), launches alternating, so
a ratio between the two comes from the same minutes of a noisy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAUNCH = "import sys; from denoise_desktop.gui import main; sys.exit(main(['--quit-after', '10']))"


def launch(tree: Path, home: Path) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DENOISE_DESKTOP_REPORT_STARTUP="1",
               DENOISE_DESKTOP_HOME=str(home), DENOISE_DESKTOP_SETTINGS_DIR=str(home / "settings"),
               PYTHONPATH=str(tree))
    proc = subprocess.run([sys.executable, "-c", LAUNCH], cwd=tree, env=env, capture_output=True,
                          text=True, timeout=300)
    for line in proc.stderr.splitlines():
        if line.startswith("window-shown "):
            return float(line.split()[1])
    raise RuntimeError(f"{tree}: no window-shown line (exit {proc.returncode}):\n{proc.stderr[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--ref", help="another git revision to measure alternately (e.g. HEAD~3)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"this tree": ROOT}
        if args.ref:
            ref_tree = Path(tmp) / "ref"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(ref_tree), args.ref],
                           check=True, capture_output=True)
            trees[args.ref] = ref_tree
        try:
            launch(ROOT, Path(tmp) / "warm")  # first launch fills the OS file cache
            times: dict[str, list[float]] = {k: [] for k in trees}
            for i in range(args.runs):
                for label, tree in trees.items():
                    times[label].append(launch(tree, Path(tmp) / f"home-{i}-{len(times[label])}-{label[:4]}"))
        finally:
            if args.ref:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(ref_tree)],
                               capture_output=True)
    result = {k: {"median_s": statistics.median(v), "runs_s": v} for k, v in times.items()}
    for label, r in result.items():
        print(f"{label:>12}: median {r['median_s']:.2f} s  ({', '.join(f'{t:.2f}' for t in r['runs_s'])})")
    if args.ref:
        ratio = result[args.ref]["median_s"] / result["this tree"]["median_s"]
        print(f"{args.ref} / this tree: {ratio:.2f}x")
        result["ratio"] = ratio
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
