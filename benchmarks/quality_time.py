"""Quality per time: each Quality setting (1 / 2 / 4 / 8 passes) and precision of the colour
default, side by side in one run — mean PSNR against CPU-seconds per megapixel — on the real-noise
dev set, the Gaussian + JPEG rows and an AWGN set, with the CPU's features recorded; and the
Pareto plot (PSNR against seconds per MP) in the docs.

    python -m benchmarks.quality_time [--limit N] [--record]

Sets (all blind, the app's Auto route, 8-bit outputs as saved):
- ``polyu_canon_dev`` (real camera pairs, ``_real`` against ``_mean``);
- the BSDS500 colour hold-out (``data.color_holdout``) at σ 25 saved as JPEG q90 4:2:0;
- the same hold-out at σ 25 (AWGN, PNG).
Seconds: CPU time of this process (user + system, every thread) per megapixel of input, from
the image in memory to the result (estimate, routing, network, passes); reading and writing
files are not counted. The machine's other load shows in wall time, much less in CPU time.

"Buys ≥ 0.1 dB per doubling": issue 28's rule for the default Quality; the table says, per
setting, what its extra passes bought on the real-noise rows against the next cheaper one.
``--record`` writes ``docs/results/quality_time.json`` and its plot beside it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from denoise_desktop import protocol, registry, runtime

from . import data, records
from .plots import line_plot
from .timing import cpu_seconds

ROOT = data.ROOT
PASSES = (1, 2, 4, 8)


def sets(limit: int) -> dict[str, list]:
    """(noisy, clean, σ) cases per set, made once (the protocol's draws) so every setting sees the same."""
    out: dict[str, list] = {}
    real = data.real_pairs(limit=limit)
    out[f"PolyU Canon dev ({len(real)} real pairs)"] = real
    cleans = data.load_cleans(data.color_holdout()[: limit or None], 3)
    out[f"BSDS hold-out σ 25 + JPEG q90 4:2:0 ({len(cleans)})"] = data.noisy_cases(cleans, 25.0, jpeg=True)
    out[f"BSDS hold-out σ 25, AWGN ({len(cleans)})"] = data.noisy_cases(cleans, 25.0)
    return out


def run(dn, cases) -> tuple[float, float]:
    """(mean PSNR by the protocol, CPU-seconds per MP), blind."""
    ps, mp, cpu = [], 0.0, 0.0
    for noisy, clean, _ in cases:
        t = cpu_seconds()
        out = dn.denoise(noisy)
        cpu += cpu_seconds() - t
        mp += noisy.shape[0] * noisy.shape[1] / 1e6
        ps.append(protocol.score(clean, out)["psnr"])
    return float(np.mean(ps)), cpu / mp


def points(results: dict[tuple[str, str, int], tuple[float, float]]) -> dict[str, list[tuple[float, float, str]]]:
    """Per set and precision: (CPU-s per MP, PSNR gain over one pass of the first precision, passes)."""
    names = list(dict.fromkeys(n for n, _, _ in results))
    precisions = list(dict.fromkeys(p for _, p, _ in results))
    return {f"{n.split(' (')[0]}, {prec}": [(results[(n, prec, k)][1], results[(n, prec, k)][0]
                                             - results[(n, precisions[0], 1)][0], f"{k}") for k in PASSES]
            for n in names for prec in precisions}


def plot(points: dict[str, list[tuple[float, float, str]]], path: Path) -> Path:
    """PSNR gain over 1 pass (first precision) against CPU-s/MP, one line per set and precision,
    each point tagged with its passes."""
    xs = [x for pts in points.values() for x, _, _ in pts]
    ys = [y for pts in points.values() for _, y, _ in pts]
    x1 = max(xs) * 1.05
    y0, y1 = min(ys + [0.0]) - 0.02, max(ys) + 0.02
    step, xstep = (0.05 if y1 - y0 < 0.6 else 0.1), max(1.0, round(x1 / 8))
    return line_plot(
        [(label, pts, False) for label, pts in points.items()], path, size=(920, 520), legend_width=340,
        x_range=(0.0, x1), y_range=(y0, y1),
        x_ticks=[(x, f"{x:g}", "") for x in np.arange(0, x1, xstep)],
        y_ticks=[(y, f"{round(y, 6) + 0.0:+.2f}") for y in np.arange(np.ceil(y0 / step) * step, y1, step)],
        x_title="CPU-seconds per megapixel", y_title="PSNR gain over 1 pass (dB)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="images per set (0 = all)")
    ap.add_argument("--precisions", default="", help="comma list (default: fp32 and bf16 where the CPU has it)")
    ap.add_argument("--record", action="store_true", help="write docs/results/quality_time.json and the plot")
    ap.add_argument("--replot", action="store_true", help="only redraw the plot from the record")
    args = ap.parse_args(argv)
    if args.replot:
        rec = next(r for r in records.load_all() if r["name"] == "quality_time")
        res = {(d["set"], d["precision"], d["passes"]): (d["psnr"], d["cpu_s_per_mp"]) for d in rec["data"]}
        plot(points(res), records.RESULTS / "quality_time.png")
        return 0
    t0 = time.time()
    model = registry.default_model_id(3)
    precisions = [p for p in args.precisions.split(",") if p] or (
        ["fp32", "bf16"] if runtime.resolve_precision("auto", "cpu") == "bf16" else ["fp32"])
    cases = sets(args.limit)
    results: dict[tuple[str, str, int], tuple[float, float]] = {}
    for prec in precisions:
        for passes in PASSES:
            dn = registry.load(model, device="cpu", ensemble=passes, precision=prec)
            dn.denoise(next(iter(cases.values()))[0][0][:96, :96])  # warm-up: first-call costs are not the setting's
            for name, d in cases.items():
                results[(name, prec, passes)] = run(dn, d)
                print(f"{prec} {passes} passes {name}: {results[(name, prec, passes)][0]:.3f} dB, "
                      f"{results[(name, prec, passes)][1]:.2f} CPU-s/MP", file=sys.stderr)
    names = list(cases)
    table = records.Table("speed", f"Quality per CPU-second: `{model}` blind (Auto), PSNR (dB) / CPU-seconds per "
                          "megapixel of input (estimate, routing, network, passes; reading and writing files not "
                          "counted)", ["precision", "passes (Quality)", *names, "real-noise gain per doubling of time"])
    for prec in precisions:
        for passes in PASSES:
            cells = [f"{results[(n, prec, passes)][0]:.2f} / {results[(n, prec, passes)][1]:.2f}" for n in names]
            gain = "–"
            if passes > 1:
                (p_now, s_now), (p_before, s_before) = results[(names[0], prec, passes)], results[(names[0], prec, passes // 2)]
                doublings = np.log2(s_now / s_before) if s_now > s_before else 1.0
                gain = f"{(p_now - p_before) / doublings:+.3f} dB"
            table.add(prec, passes, *cells, gain)
    print("\n".join(table.markdown()))
    print(f"({time.time() - t0:.0f} s)", file=sys.stderr)
    if args.record:
        png = plot(points(results), records.RESULTS / "quality_time.png")
        records.write("quality_time", "Quality per time", [table], seconds=time.time() - t0,
                      command=records.command("benchmarks.quality_time", argv),
                      plots=[png.relative_to(ROOT / "docs").as_posix()],
                      data=[{"set": n, "precision": pr, "passes": k, "psnr": v[0], "cpu_s_per_mp": v[1]}
                            for (n, pr, k), v in results.items()],
                      notes=["The plot: PSNR gain over one pass against CPU-seconds per MP, one line per set and "
                             "precision, each point tagged with its passes. bf16 rows only where the CPU computes "
                             "bf16 natively (AVX-512 BF16 / AMX)."])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
