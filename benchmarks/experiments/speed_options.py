"""Which CPU runtime option (layout, precision, torch.compile, ONNX Runtime, OpenVINO) is fastest without losing quality?

Answer: None clearly enough to ship (2026-12-03, AVX2 CPU; docs/lab/cpu-runtime-options.md): ONNX
Runtime and OpenVINO took 1.27–1.30× fewer CPU-seconds than eager at 1024² but not reliably on 24 MP
tiles, torch.compile 1.18× after a ~17 s first call, emulated bf16 0.14× (−0.007 dB). Precision
``auto`` is bf16 only where the CPU computes it natively.

CPU runtime options side by side: speed and quality in one table.

    python -m benchmarks.experiments.speed_options [--threads 2] [--size 1024] [--reps 3] [--write NOTE.md]

The bundled default colour network (``unet_res_color``, one pass, σ 25 given) runs through the
real engine (``NetworkDenoiser``: same image, same tiles) under each option; DnCNN (colour,
fp32 eager, random weights — speed does not depend on them) runs in the same rounds as the
yardstick. Repeats are interleaved (A B C … then reversed) so load from other processes hits
every option alike; the median is reported, in CPU-seconds per MP (all threads of this
process) and wall MP/s. Quality: mean PSNR change against fp32 eager on 8 held-out BSDS500
colour images with σ 25 (the synthetic colour table's images; ``benchmarks/quality.py``).

Options: fp32 eager NCHW; fp32 eager channels-last (the engine's layout); bf16 autocast;
``torch.compile`` (fp32, and bf16 where native); ONNX Runtime and OpenVINO (fp32, OpenVINO bf16
where native) when installed (``pip install onnxruntime openvino``: not dependencies of the app),
exported from the same weights in a temp folder. The CPU's features that matter are recorded.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

from benchmarks import data, runner
from denoise_desktop import protocol
from benchmarks import speed
from benchmarks.records import write_section

FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_tile")


def cpu_features() -> str:
    import torch

    from denoise_desktop.runtime import cpu_bf16_native

    try:
        flags = set(next(line for line in Path("/proc/cpuinfo").read_text().splitlines()
                         if line.startswith("flags")).split(":")[1].split())
    except (OSError, StopIteration):
        flags = set()
    have = [f for f in FLAGS if f in flags]
    return (f"CPU flags: {', '.join(have) or 'unknown'}; torch CPU capability "
            f"{torch.backends.cpu.get_cpu_capability()}; oneDNN native bf16: {'yes' if cpu_bf16_native() else 'no'}")


class _NCHW:
    """fp32 eager without the channels-last conversion (the layout torch uses unless told)."""

    name, precision, fallback, bytes_per_value = "eager NCHW", "fp32", None, 4

    def __init__(self, model) -> None:
        import torch

        self.model = model.to(memory_format=torch.contiguous_format)

    def __call__(self, batch, sigma01):
        return self.model(batch.contiguous(), sigma01)

    def info(self):
        return {"runtime": self.name, "precision": "fp32"}


class _Exported:
    """ONNX Runtime or OpenVINO on an ONNX export of the model (dynamic H, W)."""

    def __init__(self, kind: str, onnx_path: Path, threads: int, hint: str = "f32") -> None:
        self.name, self.precision, self.fallback, self.bytes_per_value = kind, hint, None, 4
        if kind == "onnxruntime":
            import onnxruntime as ort

            so = ort.SessionOptions()
            so.intra_op_num_threads = threads
            sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
            self._run = lambda x, s: sess.run(None, {"x": x, "sigma": s})[0]
        else:
            import openvino as ov

            core = ov.Core()
            cm = core.compile_model(core.read_model(str(onnx_path)), "CPU",
                                    {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": hint})
            self._run = lambda x, s: cm({"x": x, "sigma": s})[0]

    def __call__(self, batch, sigma01):
        import torch

        s = np.full((1, 1, 1, 1), 0.1 if sigma01 is None else sigma01, np.float32)
        return torch.from_numpy(np.ascontiguousarray(self._run(batch.contiguous().numpy(), s)))

    def info(self):
        return {"runtime": self.name, "precision": self.precision}


def export_onnx(model, path: Path) -> None:
    import torch

    class WithSigmaMap(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, x, sigma):
            return self.m(x, sigma)

    x = torch.rand(1, 3, 128, 128)
    torch.onnx.export(WithSigmaMap(model).eval(), (x, torch.full((1, 1, 1, 1), 0.1)), str(path),
                      input_names=["x", "sigma"], output_names=["y"], opset_version=17, dynamo=False,
                      dynamic_axes={"x": {2: "h", 3: "w"}, "y": {2: "h", 3: "w"}})


def options(threads: int, tmp: Path) -> tuple[dict, list[str]]:
    """{label: NetworkDenoiser} and notes on options that could not be measured."""
    import copy

    from denoise_desktop import registry
    from denoise_desktop.engine import NetworkDenoiser
    from denoise_desktop.runtime import cpu_bf16_native

    net = registry.load("unet_res_color", device="cpu", channels=3)
    net = getattr(net, "white", net)
    notes: list[str] = []

    def make(label_runtime=None, **kw):
        d = NetworkDenoiser(copy.deepcopy(net.model), net.spec, device="cpu", id="unet_res_color", **kw)
        if label_runtime is not None:
            d.runtime = label_runtime(d.model)
            d.precision = d.runtime.precision
        return d

    out = {"fp32 eager NCHW": make(_NCHW),
           "fp32 eager channels-last": make(precision="fp32"),
           "bf16 autocast" + ("" if cpu_bf16_native() else " (emulated: no native bf16)"): make(precision="bf16"),
           "fp32 torch.compile": make(precision="fp32", runtime="compiled")}
    if cpu_bf16_native():
        out["bf16 torch.compile"] = make(precision="bf16", runtime="compiled")
    onnx_path = tmp / "unet_res_color.onnx"
    try:
        export_onnx(net.model, onnx_path)
    except Exception as exc:  # noqa: BLE001 - report, measure the rest
        notes.append(f"ONNX export failed: {exc}")
        return out, notes
    for kind, hints in (("onnxruntime", ("f32",)), ("openvino", ("f32", "bf16") if cpu_bf16_native() else ("f32",))):
        for hint in hints:
            try:
                out[f"{'fp32' if hint == 'f32' else hint} {kind}"] = make(lambda _m, k=kind, h=hint: _Exported(k, onnx_path, threads, h))
            except ImportError:
                notes.append(f"{kind} is not installed (`pip install {kind}` to measure it)")
                break
    return out, notes


def psnr_change(dns: dict, n_images: int, sigma: float = 25.0) -> dict[str, float]:
    cleans = [c[:320, :320] for c in data.load_cleans(data.color_holdout(data.DATA / "bsds500_color_train"), 3)[:n_images]]
    noisy = [protocol.noisy(c, sigma, i) for i, c in enumerate(cleans)]
    scores = {}
    for label, d in dns.items():
        scores[label] = float(np.mean([runner.saved_psnr(d, x, c, sigma)
                                       for c, x in zip(cleans, noisy)]))
        print(f"  PSNR {label}: {scores[label]:.3f}", file=sys.stderr, flush=True)
    ref = scores["fp32 eager channels-last"]
    return {k: v - ref for k, v in scores.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--size", type=int, default=1024, help="side of the square speed image")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--images", type=int, default=8, help="held-out images for the PSNR column")
    ap.add_argument("--write", type=Path, default=None, help="update the 'CPU options' section of this markdown file")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    with tempfile.TemporaryDirectory() as t:
        dns, notes = options(args.threads, Path(t))
        img = speed.test_image(args.size, args.size)
        first = {}
        for label, d in dns.items():  # first call: compiles, builds kernels; reported, not in the median
            t0 = time.perf_counter()
            d.denoise(img, sigma=speed.SIGMA)
            first[label] = time.perf_counter() - t0
            print(f"  first call {label}: {first[label]:.1f} s", file=sys.stderr, flush=True)
        from denoise_desktop import models
        from denoise_desktop.engine import NetworkDenoiser

        torch.manual_seed(0)
        dns_all = {**dns, "DnCNN fp32 eager (yardstick)": NetworkDenoiser(models.build("dncnn", "color"), models.get_spec("dncnn"),
                                                                           device="cpu", precision="fp32")}
        dns_all["DnCNN fp32 eager (yardstick)"].denoise(img[:64, :64], sigma=speed.SIGMA)
        res = speed.bench_models(dns_all, img, args.reps)
        dq = psnr_change(dns, args.images)
    ref = res["DnCNN fp32 eager (yardstick)"]["cpu_s_per_mp"]
    base = res["fp32 eager channels-last"]["cpu_s_per_mp"]
    lines = [f"Measured {time.strftime('%Y-%m-%d')} by `python -m benchmarks.experiments.speed_options --threads {args.threads} "
             f"--size {args.size} --reps {args.reps}` on: {speed._machine(args.threads)}. {cpu_features()}. "
             f"Load average at the start: {load}.", "",
             f"`unet_res_color` one pass, σ 25 given, {args.size}² px through the engine (auto tiles), median of "
             f"{args.reps} interleaved runs; ΔPSNR against fp32 eager on {args.images} held-out BSDS500 images (σ 25).", "",
             "| option | MP/s (wall) | CPU-s per MP | vs fp32 eager | DnCNN CPU-s / this | ΔPSNR (dB) | first call (s) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for label, r in sorted(((k, v) for k, v in res.items() if k in dns), key=lambda kv: kv[1]["cpu_s_per_mp"]):
        lines.append(f"| {label} | {r['mp_per_s']:.2f} | {r['cpu_s_per_mp']:.2f} | {base / r['cpu_s_per_mp']:.2f}× | "
                     f"{ref / r['cpu_s_per_mp']:.1f}× | {dq[label]:+.3f} | {first[label]:.1f} |")
    r = res["DnCNN fp32 eager (yardstick)"]
    lines.append(f"| DnCNN fp32 eager (yardstick) | {r['mp_per_s']:.2f} | {r['cpu_s_per_mp']:.2f} | – | 1.0× | – | – |")
    lines += [f"\nNote: {n}" for n in notes]
    md = "\n".join(lines) + "\n"
    print(md)
    if args.write:
        write_section(args.write, "CPU options (`benchmarks/experiments/speed_options.py`)", md, level=3)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
