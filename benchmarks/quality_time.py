"""Quality per time: each Quality setting (1 / 2 / 4 / 8 passes) and precision of the colour
default, side by side in one run — mean PSNR against CPU-seconds per megapixel — on the real-noise
dev set, the Gaussian + JPEG rows and an AWGN set, with the CPU's features recorded; and the
Pareto plot (PSNR against seconds per MP) in the docs.

    python benchmarks/quality_time.py [--limit N] [--no-write]

Sets (all blind, the app's Auto route, 8-bit outputs as saved):
- ``polyu_canon_dev`` (real camera pairs, ``_real`` against ``_mean``);
- the BSDS500 colour hold-out (``quality.color_holdout``) at σ 25 saved as JPEG q90 4:2:0;
- the same hold-out at σ 25 (AWGN, PNG).
Seconds: CPU time of this process (user + system, every thread) per megapixel of input, from
the image in memory to the result (estimate, routing, network, passes); reading and writing
files are not counted. The machine's other load shows in wall time, much less in CPU time.

"Buys ≥ 0.1 dB per doubling": issue 28's rule for the default Quality; the table says, per
setting, what its extra passes bought on the real-noise rows against the next cheaper one.
Results in docs/benchmarks.md ("Quality per time"), the plot in docs/speed/quality_time.png.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import quality  # noqa: E402
from photon_noise import cpu_flags  # noqa: E402
from plots import line_plot  # noqa: E402
from real_noise import jpeg420, pairs  # noqa: E402
from speed import write_section  # noqa: E402

from denoise_desktop import imageio, metrics, registry, runtime  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
PASSES = (1, 2, 4, 8)


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def sets(limit: int) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """(noisy, clean) float RGB pairs per set, made once (seeded) so every setting sees the same."""
    out: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    real = pairs(DATA / "polyu_canon_dev")[: limit or None]
    out[f"PolyU Canon dev ({len(real)} real pairs)"] = [
        (imageio.read_image(n).to_float(), imageio.read_image(c).to_float()) for n, c in real]
    files = quality.color_holdout(DATA / "bsds500_color_train")[: limit or None]
    cleans = [imageio.read_image(f).to_float()[..., :3] for f in files]
    awgn = [quality.add_noise_8bit(c, 25.0, 7000 + i) for i, c in enumerate(cleans)]
    out[f"BSDS hold-out σ 25 + JPEG q90 4:2:0 ({len(cleans)})"] = [(jpeg420(n), c) for n, c in zip(awgn, cleans)]
    out[f"BSDS hold-out σ 25, AWGN ({len(cleans)})"] = list(zip(awgn, cleans))
    return out


def run(dn, data) -> tuple[float, float]:
    """(mean PSNR of the saved 8-bit outputs, CPU-seconds per MP)."""
    ps, mp, cpu = [], 0.0, 0.0
    for noisy, clean in data:
        t = cpu_seconds()
        out = dn.denoise(noisy)
        cpu += cpu_seconds() - t
        mp += noisy.shape[0] * noisy.shape[1] / 1e6
        ps.append(metrics.psnr(clean, quality.as_saved(np.asarray(out).reshape(clean.shape))))
    return float(np.mean(ps)), cpu / mp


def plot(points: dict[str, list[tuple[float, float, str]]], path: Path) -> Path:
    """PSNR gain over 1 pass (first precision) against CPU-s/MP, one line per set and precision,
    each point tagged with its passes."""
    xs = [x for pts in points.values() for x, _, _ in pts]
    ys = [y for pts in points.values() for _, y, _ in pts]
    x1 = max(xs) * 1.05
    y0, y1 = min(ys + [0.0]) - 0.02, max(ys) + 0.02
    step, xstep = (0.05 if y1 - y0 < 0.6 else 0.1), max(1.0, round(x1 / 8))
    return line_plot(
        [(label, pts, False) for label, pts in points.items()], path, size=(860, 520), legend_width=300,
        x_range=(0.0, x1), y_range=(y0, y1),
        x_ticks=[(x, f"{x:g}", "") for x in np.arange(0, x1, xstep)],
        y_ticks=[(y, f"{round(y, 6) + 0.0:+.2f}") for y in np.arange(np.ceil(y0 / step) * step, y1, step)],
        x_title="CPU-seconds per megapixel", y_title="PSNR gain over 1 pass (dB)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="images per set (0 = all)")
    ap.add_argument("--precisions", default="", help="comma list (default: fp32 and bf16 where the CPU has it)")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.time()
    model = registry.default_model_id(3)
    precisions = [p for p in args.precisions.split(",") if p] or (
        ["fp32", "bf16"] if runtime.resolve_precision("auto", "cpu") == "bf16" else ["fp32"])
    data = sets(args.limit)
    results: dict[tuple[str, str, int], tuple[float, float]] = {}
    for prec in precisions:
        for passes in PASSES:
            dn = registry.load(model, device="cpu", ensemble=passes, precision=prec)
            for name, d in data.items():
                results[(name, prec, passes)] = run(dn, d)
                print(f"{prec} {passes} passes {name}: {results[(name, prec, passes)][0]:.3f} dB, "
                      f"{results[(name, prec, passes)][1]:.2f} CPU-s/MP", file=sys.stderr)
    names = list(data)
    head = "| precision | passes (Quality) | " + " | ".join(f"{n}: PSNR / CPU-s per MP" for n in names) + \
        " | real-noise gain per doubling of time |"
    lines = [head, "|---|---|" + "---|" * len(names) + "---|"]
    for prec in precisions:
        for passes in PASSES:
            cells = [f"{results[(n, prec, passes)][0]:.2f} / {results[(n, prec, passes)][1]:.2f}" for n in names]
            gain = "–"
            if passes > 1:
                (p_now, s_now), (p_before, s_before) = results[(names[0], prec, passes)], results[(names[0], prec, passes // 2)]
                doublings = np.log2(s_now / s_before) if s_now > s_before else 1.0
                gain = f"{(p_now - p_before) / doublings:+.3f} dB"
            lines.append(f"| {prec} | {passes} | " + " | ".join(cells) + f" | {gain} |")
    fp = precisions[0]
    points = {f"{n.split(' (')[0]}, {prec}": [(results[(n, prec, k)][1], results[(n, prec, k)][0]
                                               - results[(n, fp, 1)][0], f"{k}") for k in PASSES]
              for n in names for prec in precisions}
    body = "\n".join([
        f"Measured by `python benchmarks/quality_time.py{' --limit ' + str(args.limit) if args.limit else ''}` on "
        f"{time.strftime('%Y-%m-%d')} (CPU flags: {cpu_flags()}; {os.cpu_count()} logical CPUs; model "
        f"`{model}`, blind, Auto route; CPU time of the whole process per megapixel of input).",
        "",
        *lines,
        "",
        "![PSNR gain against CPU-seconds per MP](speed/quality_time.png)",
    ])
    print(body)
    print(f"({time.time() - t0:.0f} s)", file=sys.stderr)
    if not args.no_write:
        plot(points, ROOT / "docs" / "speed" / "quality_time.png")
        write_section(ROOT / "docs" / "benchmarks.md", "Quality per time", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
