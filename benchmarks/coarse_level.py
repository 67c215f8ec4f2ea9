"""Auto's level for correlated noise: the full-scale reading alone, or with the half-scale one.

    python benchmarks/coarse_level.py [--limit N]

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
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality  # noqa: E402
import real_noise  # noqa: E402

from denoise_desktop import imageio, noise_level_estimator, registry  # noqa: E402
from denoise_desktop.noise_estimate import estimate_noise  # noqa: E402


def score(net, cases, rules) -> dict[str, tuple[float, float]]:
    out = {}
    for name, level_of in rules.items():
        ps, lv = [], []
        for noisy, clean, true, est in cases:
            level = level_of(est, true)
            lv.append(level)
            ps.append(quality.saved_psnr(net(est), noisy, clean, level))
        out[name] = (float(np.mean(ps)), float(np.mean(lv)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=Path, default=quality.DATA / "polyu_canon_dev")
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
    cleans = quality.load_cleans(quality.color_holdout(quality.DATA / "bsds500_color_train"), 3)[: args.limit or None]
    for sigma in [float(s) for s in args.jpeg_sigmas.split(",") if s]:
        cases = []
        for i, c in enumerate(cleans):
            noisy = real_noise.jpeg420(quality.add_noise_8bit(c, sigma, 1000 * int(sigma) + i))
            cases.append((noisy, c, sigma, estimate_noise(noisy)))
        sets.append((f"Gaussian σ {sigma:g} + JPEG q90 4:2:0", cases))
    for name, cases in sets:
        res = score(net, cases, rules)
        routed_real = sum(e.correlated for *_, e in cases)
        print(f"| {name} | {len(cases)} ({routed_real} correlated) | "
              + " | ".join(f"{lv:.2f}, **{p:.2f}**" for p, lv in res.values()) + " |", flush=True)
    print("\nGaussian noise as PNG (the images of the AWGN quality tables): levels the two-scale reading changed")
    for label, files, ch in (("Set12 gray", sorted((quality.DATA / "set12_gray").glob("*.png")), 1),
                             ("BSDS500 colour hold-out", quality.color_holdout(quality.DATA / "bsds500_color_train"), 3)):
        cleans = quality.load_cleans(files, ch)[: args.limit or None]
        for sigma in (15, 25, 50):
            ests = [estimate_noise(quality.add_noise_8bit(c, sigma, seed=i)) for i, c in enumerate(cleans)]
            changed = sum(e.correlated and e.level != e.learned for e in ests)
            print(f"- {label}, σ {sigma}: {changed} of {len(ests)} (routed as correlated: {sum(e.correlated for e in ests)})")
    folder = quality.DATA / "real_noisy"
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
