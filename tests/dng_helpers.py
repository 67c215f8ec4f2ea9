"""Camera RAW files for the tests: small Bayer DNGs written with tifffile that LibRaw (rawpy)
reads, with a known scene: the left half red-ish, the right half blue-ish (linear sRGB)."""

from __future__ import annotations

import io

import numpy as np
import tifffile

from denoise_desktop.imageio import encode

LEFT = (0.6, 0.15, 0.1)  # linear sRGB of the left half
RIGHT = (0.1, 0.2, 0.6)
BLACK, WHITE = 256, 4095
# XYZ → camera: the "camera" sees linear sRGB, so the matrix is the inverse of sRGB → XYZ
_SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])


def _srational(values):
    out = []
    for v in values:
        out += [int(round(v * 10000)), 10000]
    return out


def write_dng(path, h=32, w=48, *, neutral=(1.0, 1.0, 1.0), orientation=1, noise=0.0, exif=True, seed=0):
    """A Bayer (RGGB) DNG LibRaw reads: CFA tags, black/white level, colour matrix, as-shot
    neutral; the sensor's response per channel is ``neutral`` (camera white balance undoes it)."""
    scene = np.zeros((h, w, 3), np.float64)
    scene[:, : w // 2] = LEFT
    scene[:, w // 2 :] = RIGHT
    if noise:
        scene = np.clip(scene + np.random.default_rng(seed).normal(0, noise, scene.shape), 0, 1)
    sensor = scene * np.asarray(neutral)
    cfa = np.empty((h, w))
    cfa[0::2, 0::2] = sensor[0::2, 0::2, 0]
    cfa[0::2, 1::2] = sensor[0::2, 1::2, 1]
    cfa[1::2, 0::2] = sensor[1::2, 0::2, 1]
    cfa[1::2, 1::2] = sensor[1::2, 1::2, 2]
    data = np.round(BLACK + cfa * (WHITE - BLACK)).astype(np.uint16)
    neutral_r = [v for n in neutral for v in (int(round(n * 10000)), 10000)]
    tags = [
        (254, "I", 1, 0, True),  # NewSubFileType: the main image
        (271, "s", 0, "TestMake", True),
        (272, "s", 0, "TestModel X1", True),
        (274, "H", 1, orientation, True),
        (306, "s", 0, "2024:05:06 07:08:09", True),
        (33421, "H", 2, (2, 2), True),  # CFARepeatPatternDim
        (33422, "B", 4, (0, 1, 1, 2), True),  # CFAPattern: R G / G B
        (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
        (50707, "B", 4, (1, 1, 0, 0), True),  # DNGBackwardVersion
        (50708, "s", 0, "TestMake TestModel X1", True),  # UniqueCameraModel
        (50714, "H", 1, BLACK, True),  # BlackLevel
        (50717, "H", 1, WHITE, True),  # WhiteLevel
        (50721, "2i", 9, _srational(np.linalg.inv(_SRGB_TO_XYZ).ravel()), True),  # ColorMatrix1
        (50728, "2I", 3, neutral_r, True),  # AsShotNeutral
        (50778, "H", 1, 21, True),  # CalibrationIlluminant1: D65
    ]
    subifds = {}
    if exif:  # Exif and GPS IFDs as a camera writes them (pointers patched in after tifffile)
        tags += [(34666, "I", 1, 0, True), (34854, "I", 1, 0, True)]
        subifds = {
            34666: {33434: 0.005, 33437: 4.0, 34855: 3200, 36867: "2024:05:06 07:08:09", 37386: 35.0,
                    42036: "Test Lens 35mm F1.4"},
            34854: {0: b"\x02\x03\x00\x00", 1: "N", 2: (48.0, 51.0, 30.0), 3: "E", 4: (2.0, 17.0, 40.0)},
        }
    tags.sort(key=lambda t: t[0])
    buf = io.BytesIO()
    tifffile.imwrite(buf, data, photometric=32803, extratags=tags, metadata=None, software=False, byteorder="<")
    out = buf.getvalue()
    if subifds:
        out = bytes(encode._attach_tiff_subifds(bytearray(out), subifds))
    path.write_bytes(out)
    return path


def srgb_curve(x):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


def write_dng_with_preview(path, orientation=1):
    """A DNG as cameras write it: IFD0 an RGB preview (red left, blue right), the Bayer data in
    a SubIFD."""
    with tifffile.TiffFile(write_dng(path, h=64, w=96, exif=False)) as tf:
        data = tf.pages[0].asarray()
    preview = np.zeros((40, 60, 3), np.uint8)
    preview[:, :30], preview[:, 30:] = (200, 40, 30), (30, 50, 200)
    ifd0 = [(271, "s", 0, "TestMake", True), (272, "s", 0, "TestModel X1", True), (274, "H", 1, orientation, True),
            (50706, "B", 4, (1, 4, 0, 0), True), (50708, "s", 0, "TestMake TestModel X1", True),
            (50721, "2i", 9, _srational(np.linalg.inv(_SRGB_TO_XYZ).ravel()), True),
            (50728, "2I", 3, [1, 1, 1, 1, 1, 1], True), (50778, "H", 1, 21, True)]
    cfa = [(33421, "H", 2, (2, 2), True), (33422, "B", 4, (0, 1, 1, 2), True), (50714, "H", 1, BLACK, True),
           (50717, "H", 1, WHITE, True)]
    with tifffile.TiffWriter(path, byteorder="<") as tw:
        tw.write(preview, photometric="rgb", subfiletype=1, subifds=1, extratags=ifd0, metadata=None, software=False)
        tw.write(data, photometric=32803, subfiletype=0, extratags=cfa, metadata=None, software=False)
    return path
