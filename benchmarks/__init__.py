"""The project's benchmarks: ``python -m benchmarks`` lists them, ``python -m benchmarks.NAME --help``
says how to run one, and ``python -m benchmarks report`` reruns those behind ``docs/results.md`` and
rewrites the page from their records (``--quick``: only the fast ones).

Adding a benchmark takes a module here and one line in ``INDEX``. A module that feeds
``docs/results.md`` takes ``--record`` and then writes its tables with ``records.write``; its
``INDEX`` line gives the arguments the report runs it with. One-question experiments live in
``experiments/``, each docstring holding the question and the answer it found.

Shared pieces: ``data`` (the images and cases), ``runner`` (methods side by side, scored by
``denoise_desktop/protocol.py``), ``timing`` (CPU time, interleaved repeats, the machine),
``records`` (tables and records), ``plots`` (line plots), ``report`` (the results page).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Entry:
    name: str  # the module: python -m benchmarks.<name>
    what: str  # one line: what it measures
    minutes: float  # roughly, on two cores: all of its report runs (or one run with its defaults)
    report: tuple[tuple[str, ...], ...] = ()  # argument lists the report runs it with (each + --record)
    quick: bool = False  # also rerun by ``report --quick``


INDEX = [
    Entry("quality", "PSNR/SSIM on Gaussian noise σ 15/25/50 (Set12 gray, held-out BSDS500 colour): "
          "the defaults against BM3D, DnCNN, FFDNet, NLM", 70,
          (("--skip-color", "--gray-models",
            "unet_res_gray,unet_res_gray@x2,unet_res_gray@true,ffdnet_gray,dncnn_gray_s25,bm3d,nlm"),
           ("--skip-gray", "--color-models", "unet_res_color,unet_res_color@x2,unet_res_color@true,bm3d,nlm"))),
    Entry("real_noise", "real camera noise (PolyU Canon pairs) and Gaussian noise saved as JPEG q90 4:2:0: "
          "the colour default blind against NLM and CBM3D", 90,
          (("--bm3d", "--skip-jpeg"), ("--bm3d", "--skip-pairs"))),
    Entry("real_noise_models", "every bundled model blind on the real camera pairs, colour and gray", 15, ((),)),
    Entry("photon_noise", "photon noise: FMDD microscopy pairs (PSNR, SSIM, brightness kept), the mean on "
          "dark Poisson images, where Auto routes", 4, (("--parts", "microscopy,mean"),), quick=True),
    Entry("raw_mosaic", "camera RAW: denoising on the Bayer mosaic vs develop-then-denoise on synthetic RAW "
          "(ISO 200–12800); --timing: a whole 24 MP RAW through the CLI", 10, (("--oversample", "2"), ("--timing", "24"))),
    Entry("quality_time", "quality per CPU-second: Quality 1/2/4/8 passes × precision on real pairs, noisy "
          "JPEGs and Gaussian noise, with the plot", 25, ((),)),
    Entry("speed", "MP/s and CPU-s per MP of every architecture against DnCNN, tiling overhead, peak memory "
          "on a 50 MP photo", 5, (("--threads", "2", "--skip", "tiling"),), quick=True),
    Entry("photo_24mp", "a 24 MP JPEG end to end: time per stage, the CLI's wall and CPU time, the default "
          "against DnCNN", 12, ((),)),
    Entry("classic", "the classic systems on their own test sets (MNIST, Fashion-MNIST, CIFAR-10, Set12); "
          "writes docs/classic.md", 45),
    Entry("startup", "app start-up: seconds to the shown main window (offscreen)", 1),
    Entry("gui_latency", "GUI event-loop stalls while a batch runs, or under a flood of training events", 2),
    Entry("raw_preview", "a 24 MP camera RAW: time to the first preview and to the full develop", 1),
    Entry("fault_injection", "crashes, full disks, corrupt files…: each case in a fresh process, its outcome "
          "and peak memory", 3),
    Entry("screenshots", "screenshots of the app for the docs (docs/screenshots/)", 2),
    Entry("raw_screenshot", "screenshot of a generated high-ISO RAW denoised in the app", 1),
]


def experiments() -> list[tuple[str, str]]:
    """(module, first line of its docstring: the question) of each ``experiments/*.py``."""
    out = []
    for p in sorted((HERE / "experiments").glob("*.py")):
        if p.name == "__init__.py":
            continue
        doc = ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) or ""
        out.append((f"experiments.{p.stem}", doc.strip().splitlines()[0] if doc.strip() else ""))
    return out
