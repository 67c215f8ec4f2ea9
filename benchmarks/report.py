"""``docs/results.md`` from the benchmark records in ``docs/results/``.

    python -m benchmarks report            # rerun every benchmark the page shows (hours), then render
    python -m benchmarks report --quick    # rerun only the fast ones (under 10 minutes on two cores), render
    python -m benchmarks report --no-run   # render from the records as they are

Each benchmark runs in a fresh process (its timings unaffected by the ones before) with the
arguments its ``INDEX`` line gives, plus ``--record``. The page has no number of its own: every
figure comes from a record, and each table says the command, date and machine that made it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from . import INDEX
from .records import RESULTS, ROOT, SECTIONS, load_all

PAGE = ROOT / "docs" / "results.md"

INTRO = """# Results

What the denoisers in this app achieve, and what they cost, on the images and noise described
below. Every table is made by a benchmark in `benchmarks/` (`python -m benchmarks` lists them) and
says what was run, on which machine and with which command; `python -m benchmarks report`
reruns them all and rewrites this page (`--quick` reruns the fast ones). How the figures came
about, and what was tried and dropped, is in [the lab notes](lab/README.md).

How quality is measured (`denoise_desktop/protocol.py`; `denoise-desktop eval` and
`python -m training.evaluate` give the same numbers):
- Gaussian noise of σ (0–255 scale) is added to the 8-bit clean image, rounded and clipped to
  8 bits, from a generator seeded per image and σ: every method sees the same noisy input.
- Each model runs as the app runs it with σ on Auto: our defaults estimate the noise level
  themselves ("estimated"); methods that need it (BM3D, FFDNet, NLM) are given the true σ, as
  they are usually reported ("true"); "none" takes no level.
- Outputs are scored as saved: clipped and rounded to 8 bits. PSNR in dB and SSIM (Gaussian
  window, σ 1.5) on the 0–1 scale, averaged over the images.
- The app's default Quality is {passes} passes (the network also runs on flipped copies of the
  image); "×{passes}" rows show it, rows without a suffix are one pass.
"""

SECTION_TEXT = {
    "synthetic": "White Gaussian noise on the standard gray test set and on colour photos no bundled "
                 "model saw in training. The plots show each method's PSNR minus BM3D's at the same σ.",
    "real": "Real camera noise: PolyU pairs (a JPEG from a Canon body at high ISO against the mean of many "
            "captures of the same scene), and Gaussian noise saved as a camera-like JPEG. Published "
            "deep-learning results on PolyU use other crops and are not comparable with these pairs; the "
            "classical methods are run here on the same images.",
    "science": "Photon noise (fluorescence microscopy: variance growing with brightness) and camera RAW "
               "files denoised on the sensor's mosaic before development.",
    "classic": "The denoisers this field started from (convolutional autoencoders on MNIST and Fashion-MNIST, "
               "RED-Net on CIFAR-10, DnCNN-S, an upsampling autoencoder on photo crops), reproduced on their "
               "own data next to the original papers' figures: [classic.md](classic.md) "
               "(`python -m benchmarks.classic` regenerates it).",
    "speed": "CPU-seconds (every thread of the process) move less than wall time on a shared machine. Each "
             "run names its CPU and its features: on CPUs with native bf16 (AVX-512 BF16, AMX) the app runs "
             "the network in bf16, elsewhere in fp32, so the same table differs between machines.",
    "memory": "Peak memory of the whole process while denoising a large photo; tiles keep it bounded "
              "whatever the photo's size.",
}


def _provenance(rec: dict) -> str:
    m = rec["machine"]
    n = m.get("torch_threads")
    threads = f", {n} torch thread{'s' if n != 1 else ''}" if n else ""
    took = f"; took {rec['seconds'] / 60:.0f} min" if rec.get("seconds") else ""
    gpu = f", GPU {m['gpu']}" if m.get("gpu") else ""
    rev = f" at `{rec['revision']}`" if rec.get("revision") else ""
    return (f"*Run on {rec['date']}{rev} by `{rec['command']}` — {m['cpu']} ({m['logical_cpus']} logical CPUs"
            f"{threads}; CPU flags: {m['flags']}{gpu}){took}.*")


def render(recs: list[dict]) -> str:
    order = {e.name: i for i, e in enumerate(INDEX)}
    recs = sorted(recs, key=lambda r: (order.get(r["name"].split("-")[0], len(order)), r["name"]))
    from denoise_desktop.engine import DEFAULT_ENSEMBLE

    lines = [INTRO.format(passes=DEFAULT_ENSEMBLE).rstrip()]
    for key, heading in SECTIONS:
        lines += ["", f"## {heading}", "", SECTION_TEXT[key]]
        for rec in recs:
            tables = [t for t in rec["tables"] if t.section == key]
            if not tables:
                continue
            lines += ["", f"### {rec['title']}", _provenance(rec)]
            for t in tables:
                lines += ["", f"**{t.caption}**", "", *t.markdown()]
            first_section = next(t.section for t in rec["tables"])
            if key == first_section:  # notes and plots once, with the record's first section
                for note in rec.get("notes") or []:
                    lines += ["", note]
                for plot in rec.get("plots") or []:
                    lines += ["", f"![{rec['title']}]({plot})"]
    return "\n".join(lines) + "\n"


def run(entries, log=sys.stderr) -> list[str]:
    """Run each entry's report invocations in a fresh process; the names of those that failed."""
    failed = []
    for e in entries:
        for args in e.report:
            cmd = [sys.executable, "-m", f"benchmarks.{e.name}", *args, "--record"]
            print(f"$ {' '.join(cmd[1:])}", file=log, flush=True)
            t0 = time.time()
            if subprocess.run(cmd, cwd=ROOT).returncode != 0:
                failed.append(" ".join(cmd[2:]))
            print(f"  ({(time.time() - t0) / 60:.1f} min)", file=log, flush=True)
    return failed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="rerun only the benchmarks marked quick in the index")
    mode.add_argument("--no-run", action="store_true", help="only render the page from the records")
    ap.add_argument("--only", default="", help="rerun only these benchmarks (comma list of index names)")
    ap.add_argument("--out", type=Path, default=PAGE)
    args = ap.parse_args(argv)
    failed = []
    if not args.no_run:
        only = {x for x in args.only.split(",") if x}
        entries = [e for e in INDEX if e.report and (not args.quick or e.quick) and (not only or e.name in only)]
        failed = run(entries)
    recs = load_all(RESULTS)
    if not recs:
        print(f"no records in {RESULTS}: run python -m benchmarks report", file=sys.stderr)
        return 1
    args.out.write_text(render(recs), encoding="utf-8")
    print(f"{args.out} ({len(args.out.read_text().splitlines())} lines, {len(recs)} records)", file=sys.stderr)
    for f in failed:
        print(f"failed: {f} (its previous record, if any, was kept)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
