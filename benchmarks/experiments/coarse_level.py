"""Does reading correlated noise also on 2×2-averaged crops give Auto a better level?

Answer: Yes, adopted (2026-12-03; docs/lab/two-scale-level.md): on the PolyU dev pairs the level
went from 2.33 to 4.85 (true RMS 4.07) and one pass from 37.68 to 38.29 dB (38.38 at the true
level); the σ 15 / 25 noisy-JPEG rows were unchanged; weak Gaussian noise saved as JPEG paid (−0.71
dB at σ 5, −0.17 at σ 10).

Auto's level for correlated noise: the full-scale reading alone, or with the half-scale one.

    python -m benchmarks.experiments.coarse_level [--limit N]

For every image the router sends to the real-noise network (correlated noise), the learned
estimator reads the image as it is ("full") and averaged over 2×2 blocks, doubled ("half ×2":
white noise reads the same at both scales, noise spread over neighbouring pixels survives the
averaging). ``noise_estimate.with_coarse`` combines them: the half-scale reading counts fully
below a full-scale level of 8, fading out by 15. Scored one pass with the network the router
picks, on the dev real pairs (against ``_mean``) and on held-out BSDS500 colour photos with
Gaussian σ added and saved as JPEG q 90 4:2:0, side by side with the true level. The gray
``real_noisy`` photos (no reference) get their readings printed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from benchmarks import data, real_noise, runner

from denoise_desktop import imageio, noise_level_estimator, protocol, registry
from denoise_desktop.noise_estimate import estimate_noise


def score(net, cases, rules) -> dict[str, tuple[float, float]]:
    out = {}
    for name, level_of in rules.items():
        ps, lv = [], []
        for noisy, clean, true, est in cases:
            level = level_of(est, true)
            lv.append(level)
            ps.append(runner.saved_psnr(net(est), noisy, clean, level))
        out[name] = (float(np.mean(ps)), float(np.mean(lv)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=Path, default=data.DATA / "polyu_canon_dev")
    ap.add_argument("--jpeg-sigmas", default="5,10,15,25")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(2)
    routed = registry.load("unet_res_color", device="cpu", channels=3)
    routed.set_ensemble(1)

    def net(est):
        return routed.real if est.correlated else routed.white

    rules = {"full scale (before)": lambda e, t: e.learned if e.correlated else e.level,
             "with half scale (Auto now)": lambda e, t: e.level,
             "true level (RMS / σ)": lambda e, t: t}
    print("| noise | images | " + " | ".join(f"{r}: level, PSNR" for r in rules) + " |")
    print("|---|---:|" + "---|" * len(rules))
    sets = []
    ps = real_noise.pairs(args.pairs)[: args.limit or None]
    cases = []
    for r, m in ps:
        noisy, clean = imageio.read_image(r).to_float(), imageio.read_image(m).to_float()
        cases.append((noisy, clean, float(np.sqrt(((noisy - clean) ** 2).mean()) * 255), estimate_noise(noisy)))
    sets.append((f"{args.pairs.name} (real)", cases))
    cleans = data.load_cleans(data.color_holdout(data.DATA / "bsds500_color_train"), 3)[: args.limit or None]
    for sigma in [float(s) for s in args.jpeg_sigmas.split(",") if s]:
        cases = []
        for i, c in enumerate(cleans):
            noisy = data.jpeg420(protocol.noisy(c, sigma, i))
            cases.append((noisy, c, sigma, estimate_noise(noisy)))
        sets.append((f"Gaussian σ {sigma:g} + JPEG q90 4:2:0", cases))
    for name, cases in sets:
        res = score(net, cases, rules)
        routed_real = sum(e.correlated for *_, e in cases)
        print(f"| {name} | {len(cases)} ({routed_real} correlated) | "
              + " | ".join(f"{lv:.2f}, **{p:.2f}**" for p, lv in res.values()) + " |", flush=True)
    print("\nGaussian noise as PNG (the images of the AWGN quality tables): levels the two-scale reading changed")
    for label, files, ch in (("Set12 gray", sorted((data.DATA / "set12_gray").glob("*.png")), 1),
                             ("BSDS500 colour hold-out", data.color_holdout(data.DATA / "bsds500_color_train"), 3)):
        cleans = data.load_cleans(files, ch)[: args.limit or None]
        for sigma in (15, 25, 50):
            ests = [estimate_noise(protocol.noisy(c, sigma, i)) for i, c in enumerate(cleans)]
            changed = sum(e.correlated and e.level != e.learned for e in ests)
            print(f"- {label}, σ {sigma}: {changed} of {len(ests)} (routed as correlated: {sum(e.correlated for e in ests)})")
    folder = data.DATA / "real_noisy"
    if folder.is_dir():
        print("\nGray real photos (no reference): full scale → Auto now")
        for f in sorted(folder.iterdir()):
            try:
                x = imageio.read_image(f).to_float()
            except imageio.ImageIOError:
                continue
            e = estimate_noise(x)
            full = e.learned if e.correlated else e.level
            print(f"- {f.name}: {'correlated' if e.correlated else 'white'}, {full:.1f} → {e.level:.1f}"
                  + (f" (half scale ×2: {e.coarse:.1f})" if e.coarse is not None else ""))
    assert noise_level_estimator.available(), "the bundled estimator is missing: nothing measured"
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
