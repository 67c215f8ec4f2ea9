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

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import quality  # noqa: E402
from photon_noise import cpu_flags  # noqa: E402
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


def plot(points: dict[str, list[tuple[float, float, str]]], path: Path, size=(860, 520)) -> Path:
    """PSNR gain over 1 pass (fp32) against CPU-s/MP, one line per set and precision."""
    W, H = size
    left, right, top, bottom = 70, 300, 40, 60
    img = np.full((H, W, 3), 255, np.uint8)
    xs = [x for pts in points.values() for x, _, _ in pts]
    ys = [y for pts in points.values() for _, y, _ in pts]
    x0, x1 = 0.0, max(xs) * 1.05
    y0, y1 = min(ys + [0.0]) - 0.02, max(ys) + 0.02

    def px(x: float, y: float) -> tuple[int, int]:
        return (int(round(left + (x - x0) / (x1 - x0) * (W - left - right))),
                int(round(H - bottom - (y - y0) / (y1 - y0) * (H - top - bottom))))

    font, black, grid = cv2.FONT_HERSHEY_SIMPLEX, (0, 0, 0), (225, 225, 225)
    step = 0.05 if y1 - y0 < 0.6 else 0.1
    for y in np.arange(np.ceil(y0 / step) * step, y1, step):
        a, b = px(x0, y), px(x1, y)
        cv2.line(img, a, b, grid, 1)
        cv2.putText(img, f"{y:+.2f}", (a[0] - 52, a[1] + 5), font, 0.42, black, 1, cv2.LINE_AA)
    xstep = max(1.0, round(x1 / 8))
    for x in np.arange(0, x1, xstep):
        a = px(x, y0)
        cv2.line(img, a, px(x, y1), grid, 1)
        cv2.putText(img, f"{x:g}", (a[0] - 8, a[1] + 18), font, 0.42, black, 1, cv2.LINE_AA)
    cv2.rectangle(img, px(x0, y1), px(x1, y0), black, 1)
    cv2.putText(img, "CPU-seconds per megapixel", (left + 150, H - 12), font, 0.5, black, 1, cv2.LINE_AA)
    cv2.putText(img, "PSNR gain over 1 pass (dB)", (left, 24), font, 0.55, black, 1, cv2.LINE_AA)
    colors = [(200, 90, 30), (40, 140, 40), (30, 60, 200), (150, 50, 150), (20, 140, 170), (90, 90, 90)]
    for k, (label, pts) in enumerate(points.items()):
        color = colors[k % len(colors)]
        pts = sorted(pts)
        for (xa, ya, _), (xb, yb, _) in zip(pts, pts[1:]):
            cv2.line(img, px(xa, ya), px(xb, yb), color, 2, cv2.LINE_AA)
        for x, y, tag in pts:
            cv2.circle(img, px(x, y), 4, color, -1, cv2.LINE_AA)
            cv2.putText(img, tag, (px(x, y)[0] + 5, px(x, y)[1] - 6), font, 0.35, color, 1, cv2.LINE_AA)
        ly, lx = top + 14 + 22 * k, W - right + 14
        cv2.line(img, (lx, ly), (lx + 28, ly), color, 2, cv2.LINE_AA)
        cv2.putText(img, label[:36], (lx + 36, ly + 5), font, 0.42, black, 1, cv2.LINE_AA)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), img):
        raise OSError(f"cannot write {path}")
    return path


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
