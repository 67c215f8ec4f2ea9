"""How fast a 24 MP camera RAW shows something in the viewer (issue 17: a preview in under 2 s).

Writes two 6000×4000 Bayer DNGs into a temp folder (a noisy colour gradient; one with a
full-size embedded JPEG preview as Canon and Nikon bodies write, one with none), then times
``raw.read_raw_preview`` (what the GUI shows first: ``jobs.open_image`` yields it) and the full
develop ``raw.read_raw`` the worker goes on with. Prints one JSON object; medians of ``--repeat``.

    python -m benchmarks.raw_preview [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import struct
import tempfile
import time
from pathlib import Path

import numpy as np


from denoise_desktop.imageio import raw

H, W = 4000, 6000
BLACK, WHITE = 512, 16383
_SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])


def scene() -> np.ndarray:
    """Linear RGB in [0, 1]: a colour gradient with shot-like noise (float32, H×W×3)."""
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    s = np.stack([0.1 + 0.6 * xx / W, 0.1 + 0.5 * yy / H, 0.5 - 0.3 * xx / W], axis=2)
    s += np.random.default_rng(0).normal(0, 0.02, s.shape).astype(np.float32)
    return np.clip(s, 0, 1)


def _srational(values):
    return [v for x in values for v in (int(round(x * 10000)), 10000)]


def write_dng(path: Path, linear: np.ndarray, jpeg: bytes | None, neutral=(1.0, 1.0, 1.0),
              model: str = "Bench 24MP") -> None:
    """A Bayer (RGGB) DNG of ``linear`` (H×W×3 linear sRGB in [0, 1]) as seen by a sensor whose
    response per channel is ``neutral`` (the as-shot neutral); ``jpeg``: an embedded preview."""
    import tifffile

    h, w = linear.shape[:2]
    linear = linear * np.asarray(neutral, np.float32)
    cfa = np.empty((h, w), np.float32)
    cfa[0::2, 0::2] = linear[0::2, 0::2, 0]
    cfa[0::2, 1::2] = linear[0::2, 1::2, 1]
    cfa[1::2, 0::2] = linear[1::2, 0::2, 1]
    cfa[1::2, 1::2] = linear[1::2, 1::2, 2]
    data = np.round(BLACK + cfa * (WHITE - BLACK)).astype(np.uint16)
    dng = [(271, "s", 0, "BenchMake", True), (272, "s", 0, model, True),
           (50706, "B", 4, (1, 4, 0, 0), True), (50708, "s", 0, f"BenchMake {model}", True),
           (50721, "2i", 9, _srational(np.linalg.inv(_SRGB_TO_XYZ).ravel()), True),
           (50728, "2I", 3, _srational(neutral), True), (50778, "H", 1, 21, True)]
    bayer = [(33421, "H", 2, (2, 2), True), (33422, "B", 4, (0, 1, 1, 2), True),
             (50714, "H", 1, BLACK, True), (50717, "H", 1, WHITE, True)]
    with tifffile.TiffWriter(path, byteorder="<") as tw:
        if jpeg is None:
            tw.write(data, photometric=32803, subfiletype=0, extratags=sorted(dng + bayer), metadata=None,
                     software=False)
            return
        # IFD0: the preview, written uncompressed (tifffile needs imagecodecs to write JPEG) and
        # turned into a JPEG strip below; the Bayer data in a SubIFD, as cameras write DNGs.
        tw.write(np.zeros((h, w, 3), np.uint8), photometric="rgb", subfiletype=1, subifds=1, rowsperstrip=H,
                 extratags=dng, metadata=None, software=False)
        tw.write(data, photometric=32803, subfiletype=0, extratags=bayer, metadata=None, software=False)
    buf = bytearray(path.read_bytes())
    with tifffile.TiffFile(path) as t:
        tags = t.pages[0].tags
        start, room = tags["StripOffsets"].value[0], tags["StripByteCounts"].value[0]
        assert len(jpeg) <= room
        buf[start : start + len(jpeg)] = jpeg
        struct.pack_into("<H", buf, tags["Compression"].valueoffset, 7)  # JPEG
        struct.pack_into("<H", buf, tags["PhotometricInterpretation"].valueoffset, 6)  # YCbCr
        struct.pack_into("<I", buf, tags["StripByteCounts"].valueoffset, len(jpeg))
    path.write_bytes(bytes(buf))


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, default=None, help="write the DNGs here and keep them")
    args = ap.parse_args(argv)
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        lin = scene()
        srgb = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)
        b = io.BytesIO()
        Image.fromarray(np.round(srgb * 255).astype(np.uint8)).save(b, format="JPEG", quality=85)
        with_preview, bare = folder / "24mp_preview.dng", folder / "24mp_bare.dng"
        write_dng(with_preview, lin, b.getvalue())
        write_dng(bare, lin, None)
        del lin, srgb
        result = {"megapixels": H * W / 1e6, "cpu_count": os.cpu_count(), "load_avg_1min": os.getloadavg()[0],
                  "repeat": args.repeat}
        t, img = timed(lambda: raw.read_raw_preview(with_preview), args.repeat)
        result["preview_embedded_jpeg_s"] = round(t, 3)
        result["preview_embedded_jpeg_size"] = [img.width, img.height]
        t, img = timed(lambda: raw.read_raw_preview(bare), args.repeat)
        result["preview_half_size_develop_s"] = round(t, 3)
        result["preview_half_size_develop_size"] = [img.width, img.height]
        t, img = timed(lambda: raw.read_raw(bare), 1)
        result["full_develop_s"] = round(t, 3)
        result["full_develop_size"] = [img.width, img.height, img.bit_depth]
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
