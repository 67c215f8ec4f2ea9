"""Can Auto tell a gray camera photo's noise from white noise and read the level it needs?

Answer: Yes, adopted (2026-12-04; docs/lab/gray-camera-photos.md): the half-scale reading, for gray
images only, took the PolyU pairs as gray from 37.77 to 39.49 dB (above the true RMS level's 39.43)
and changed no level on the 264 noisy synthetic gray images; the price: soft noise-free photos
(blurred 0.7 px) are smoothed a little more (output vs input 50.3 → 44.6 dB on Set12).

Auto's level on gray photos: white noise vs a camera's noise, before and after the gray test.

    python -m benchmarks.experiments.gray_camera_level [--limit N]

A gray photo from a camera (the luma of a demosaiced, noise-reduced JPEG) keeps enough of its
noise at the finest scale that the colour test (PCA vs the learned estimator) calls it white,
and Auto then reads its PCA level — a third of what the noise needs. ``noise_estimate`` now
also reads a gray image at half scale when PCA is below ``GRAY_PCA_AGREEMENT`` × the learned
level, and treats the noise as correlated when that reading exceeds ``GRAY_COARSE_RATIO`` × both
full-scale ones. Scored here, one pass with the bundled gray default, side by side:

- the dev real pairs (``polyu_canon_dev``) as gray (BT.601 luma of ``_real`` and ``_mean``);
- Gaussian noise on gray photos saved as PNG (Set12; the BSDS500 hold-out as gray) and as gray
  JPEG q 90, σ 0–50, and colour photos with σ 15 / 25 saved as JPEG q 90 4:2:0 then turned
  gray: how many levels the test changed, and the PSNR where any did;
- the same photos blurred (Gaussian 0.7 / 1 px: soft, out-of-focus or upscaled photos) with no
  noise added: how much Auto changes a photo it should leave nearly as it is (PSNR of the output
  against the input).

"Before" is the level Auto read without the gray test; "true" is the pair's RMS noise or σ.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from benchmarks import data, real_noise, runner

from denoise_desktop import imageio, noise_estimate, noise_level_estimator, protocol, registry
from training.camera import jpeg

gray8 = data.gray8


def before(e: noise_estimate.NoiseEstimate) -> float:
    """The level without the gray test: PCA wherever the colour test called the noise white."""
    if e.learned is not None and e.pca >= noise_estimate.WHITE_AGREEMENT * e.learned:
        return e.pca
    return e.level


def score(net, cases) -> dict:
    """cases: (noisy, clean, true level). Mean PSNR at the level before, now and the true one."""
    out = {"before": [], "now": [], "true": [], "changed": 0, "level_before": [], "level_now": []}
    for noisy, clean, true in cases:
        e = noise_estimate.estimate_noise(noisy)
        lb, ln = before(e), e.level

        def psnr(level: float) -> float:
            return runner.saved_psnr(net, noisy, clean, level)

        pb = psnr(lb)
        out["before"].append(pb)
        out["now"].append(pb if ln == lb else psnr(ln))
        out["true"].append(psnr(true) if true > 0 else float("nan"))
        out["changed"] += ln != lb
        out["level_before"].append(lb)
        out["level_now"].append(ln)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=Path, default=data.DATA / "polyu_canon_dev")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args(argv)
    assert noise_level_estimator.available(), "the bundled estimator is missing: nothing to measure"
    net = registry.load(registry.default_model_id(1), device="cpu", channels=1)
    net.set_ensemble(1)
    lim = args.limit or None
    sets = []
    cases = []
    for r, m in real_noise.pairs(args.pairs)[:lim]:
        noisy, clean = gray8(imageio.read_image(r).to_float()), gray8(imageio.read_image(m).to_float())
        cases.append((noisy, clean, float(np.sqrt(((noisy - clean) ** 2).mean()) * 255)))
    sets.append((f"{args.pairs.name} as gray (real)", cases))
    photos = {"Set12": data.load_cleans(sorted((data.DATA / "set12_gray").glob("*.png")), 1)[:lim],
              "BSDS500 hold-out, gray": data.load_cleans(data.color_holdout(data.DATA / "bsds500_color_train"), 1)[:lim]}
    for label, cleans in photos.items():
        for sigma in (0, 5, 10, 15, 25, 50):
            sets.append((f"{label}, σ {sigma} PNG", [(protocol.noisy(c, sigma, i) if sigma else c, c, float(sigma))
                                                     for i, c in enumerate(cleans)]))
    for label, cleans in photos.items():  # soft photos without added noise: how much Auto alters them
        for blur in (0.7, 1.0):
            soft = [(np.round(cv2.GaussianBlur(c[..., 0], (0, 0), blur)[..., None] * 255) / 255).astype(np.float32) for c in cleans]
            sets.append((f"{label}, blurred {blur:g} px, no noise added (PSNR: output vs input)", [(b, b, 0.0) for b in soft]))
    for sigma in (5, 10, 15, 25):
        cleans = photos["BSDS500 hold-out, gray"]
        sets.append((f"BSDS500 hold-out, gray, σ {sigma} + JPEG q90",
                     [(jpeg(protocol.noisy(c, sigma, i), 90), c, float(sigma)) for i, c in enumerate(cleans)]))
    colour = data.load_cleans(data.color_holdout(data.DATA / "bsds500_color_train"), 3)[:lim]
    for sigma in (15, 25):  # a noisy colour JPEG (4:2:0, as cameras write) turned gray
        sets.append((f"BSDS500 hold-out, colour σ {sigma} + JPEG q90 4:2:0, as gray",
                     [(gray8(data.jpeg420(protocol.noisy(c, sigma, i))), gray8(c), float(sigma))
                      for i, c in enumerate(colour)]))
    print(f"Measured by `python -m benchmarks.experiments.gray_camera_level {' '.join(argv if argv is not None else sys.argv[1:])}` on "
          f"{time.strftime('%Y-%m-%d')} (CPU, one pass, `{registry.default_model_id(1)}`). Mean level / PSNR dB.\n")
    print("| noise | images | levels changed | before: level, PSNR | Auto now: level, PSNR | true level: PSNR |")
    print("|---|---:|---:|---|---|---|")
    for name, cases in sets:
        r = score(net, cases)
        true = np.nanmean(r["true"]) if not np.all(np.isnan(r["true"])) else float("nan")
        print(f"| {name} | {len(cases)} | {r['changed']} | {np.mean(r['level_before']):.2f}, {np.mean(r['before']):.2f} | "
              f"{np.mean(r['level_now']):.2f}, **{np.mean(r['now']):.2f}** | "
              + ("–" if np.isnan(true) else f"{true:.2f}") + " |", flush=True)
    folder = data.DATA / "real_noisy"
    if folder.is_dir():
        print("\nGray real photos (no reference): before → Auto now")
        for f in sorted(folder.glob("*.png")):
            e = noise_estimate.estimate_noise(imageio.read_image(f).to_float())
            print(f"- {f.name}: {before(e):.1f} → {e.level:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
