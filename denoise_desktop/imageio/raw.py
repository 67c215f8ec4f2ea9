"""Camera RAW files: developed with LibRaw (``rawpy``) into 16-bit RGB, then denoised as any image.

How a RAW is developed
    LibRaw's own noise reduction (wavelet denoise, FBDD, median passes) is off and so is its
    auto-brightening: the network sees the sensor's noise as it is. Camera white balance (as
    shot; LibRaw's daylight balance when the file has none), AHD demosaic (X-Trans files get
    LibRaw's own), 16 bits per channel, highlights clipped, output in sRGB with the sRGB tone
    curve by default; Adobe RGB (1998) (gamma 2.2) and ProPhoto RGB (gamma 1.8) on request. The
    matching ICC profile is attached. LibRaw applies the camera's orientation, so the pixels are
    display-oriented and the EXIF written out says orientation 1.

What is kept
    EXIF read with ``exifread`` (camera make and model, exposure, aperture, ISO, focal length,
    lens, dates, GPS, artist/copyright) and the XMP packet when the RAW holds one; where
    ``exifread`` cannot read a format (CR3 for one) the shot data LibRaw parsed (ISO, exposure,
    aperture, focal length, time, lens) is used. Maker notes are not copied: their offsets point
    into the RAW file. The RAW file is only read, never written.

Quick preview
    ``read_raw_preview`` returns the embedded JPEG preview (or bitmap thumbnail) when the file
    has one, else a half-size develop: a first look while the full develop runs.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import logging
import os
import struct
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .errors import ImageReadError
from .formats import MAX_PIXELS, RAW_EXTENSIONS
from .image_data import ImageData
from .metadata import _EXIF_IFD, _GPS_IFD, _ORIENTATION

__all__ = [
    "COLOR_SPACES",
    "RAW_EXTENSIONS",
    "icc_profile",
    "is_raw",
    "read_raw",
    "read_raw_preview",
]

COLOR_SPACES = ("srgb", "adobe", "prophoto")
"""Output colour spaces of a develop; sRGB is the default."""

# LibRaw output space and tone curve (power, toe slope) for each colour space: the curve must be
# the one the attached ICC profile describes.
_DEVELOP = {"srgb": (1, (2.4, 12.92)), "adobe": (2, (563 / 256, 0.0)), "prophoto": (4, (1.8, 0.0))}


def is_raw(path: os.PathLike | str) -> bool:
    """Whether ``path``'s suffix is a camera RAW format (case-insensitive)."""
    return Path(path).suffix.lower() in RAW_EXTENSIONS


# --------------------------------------------------------------------------------------------
# reading


def read_raw(path: os.PathLike | str, data: bytes | None = None, *, color_space: str = "srgb",
             half_size: bool = False, before_develop: Callable[[Any], None] | None = None) -> ImageData:
    """Develop the RAW file ``path`` (its bytes ``data`` when already read) into a 16-bit RGB
    ``ImageData`` with EXIF and ICC profile; raises ``ImageReadError`` naming the file.
    ``before_develop(raw)`` may change the ``rawpy`` image's mosaic first (``raw_mosaic``); its
    own errors pass through unchanged."""
    p = Path(path)
    cs = color_space.lower()
    if cs not in _DEVELOP:
        raise ValueError(f"unknown RAW colour space {color_space!r}; use one of {', '.join(COLOR_SPACES)}")
    data = _read_bytes(p) if data is None else data
    rawpy = _rawpy()
    output_color, gamma = _DEVELOP[cs]
    with _libraw_errors(p):
        with rawpy.imread(io.BytesIO(data)) as raw:
            sizes = raw.sizes
            if sizes.width * sizes.height > MAX_PIXELS:
                raise ImageReadError(p, f"image too large ({sizes.width}×{sizes.height}, "
                                     f"limit {MAX_PIXELS // 1_000_000} megapixels)")
            if before_develop is not None:
                before_develop(raw)
            rgb = raw.postprocess(
                demosaic_algorithm=rawpy.DemosaicAlgorithm.AHD,
                half_size=half_size,
                use_camera_wb=True,
                output_color=rawpy.ColorSpace(output_color),
                output_bps=16,
                gamma=gamma,
                no_auto_bright=True,
                highlight_mode=rawpy.HighlightMode.Clip,
                fbdd_noise_reduction=rawpy.FBDDNoiseReductionMode.Off,
                median_filter_passes=0,
            )
            shot = _shot_info(raw)
    if rgb.ndim == 2:
        rgb = rgb[:, :, None]
    if rgb.shape[2] not in (1, 3):  # 4-colour or odd outputs: keep the first three channels
        rgb = rgb[:, :, :3]
    exif, xmp, notes = _metadata(data, shot, cs)
    return ImageData(
        pixels=np.ascontiguousarray(rgb, dtype=np.uint16),
        bit_depth=16,
        format="RAW",
        exif=exif,
        icc_profile=icc_profile(cs),
        source=p,
        xmp=xmp,
        metadata_notes=tuple(notes),
    )


def read_raw_preview(path: os.PathLike | str, data: bytes | None = None, *, max_side: int = 2048) -> ImageData:
    """A quick 8-bit look at the RAW file: its embedded preview (JPEG or bitmap; a JPEG decoded
    at a reduced scale that keeps at least ``max_side`` pixels), display-oriented; a half-size develop when it has none or only a
    postage stamp (under half the image's size and under 1024 px: old, small cameras)."""
    from PIL import Image

    p = Path(path)
    data = _read_bytes(p) if data is None else data
    rawpy = _rawpy()
    pixels = None
    with _libraw_errors(p):
        with rawpy.imread(io.BytesIO(data)) as raw:
            flip, long_side = raw.sizes.flip, max(raw.sizes.width, raw.sizes.height)
            try:
                thumb = raw.extract_thumb()
            except (rawpy.LibRawNoThumbnailError, rawpy.LibRawUnsupportedThumbnailError,
                    rawpy.LibRawRequestForNonexistentImageError):
                thumb = None
            if thumb is not None and thumb.format == rawpy.ThumbFormat.JPEG:
                try:
                    with Image.open(io.BytesIO(thumb.data)) as im:
                        # DCT scaling (1/2, 1/4, 1/8 while at least max_side): a 24 MP preview
                        # decodes in a fraction of the time; no resampling after it (it costs
                        # as much again, and the viewer scales anyway)
                        f = max(im.size) / max_side
                        if f > 1:  # (a square box would keep a 3:2 preview at full size)
                            im.draft("RGB", (int(im.size[0] / f), int(im.size[1] / f)))
                        pixels = _flip(np.asarray(im.convert("RGB")), flip)
                except Exception:  # noqa: BLE001 - a damaged preview: develop instead
                    pixels = None
            elif thumb is not None and thumb.format == rawpy.ThumbFormat.BITMAP:
                pixels = _flip(np.asarray(thumb.data, dtype=np.uint8), flip)
    if pixels is not None and pixels.ndim == 3 and max(pixels.shape[:2]) < min(1024, long_side // 2, max_side):
        pixels = None  # a postage stamp: a half-size develop of such a small image is quick
    if pixels is None:
        img = read_raw(p, data, half_size=True)
        pixels = (img.pixels.astype(np.uint32) * 255 + 32767) // 65535
        pixels = pixels.astype(np.uint8)
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ImageReadError(p, "the RAW file's preview has an unexpected layout")
    return ImageData(pixels=np.ascontiguousarray(pixels), bit_depth=8, format="RAW", source=p,
                     icc_profile=icc_profile("srgb"), notes=("quick preview",))


def _read_bytes(p: Path) -> bytes:
    try:
        data = p.read_bytes()
    except FileNotFoundError as e:
        raise ImageReadError(p, "file not found") from e
    except OSError as e:
        raise ImageReadError(p, e.strerror or str(e)) from e
    if not data:
        raise ImageReadError(p, "the file is empty (0 bytes)")
    return data


def _rawpy():
    try:
        import rawpy
    except ImportError as e:  # a broken install: say what is missing rather than "unsupported"
        raise ImportError("camera RAW support needs the 'rawpy' package (pip install rawpy)") from e
    return rawpy


@contextlib.contextmanager
def _libraw_errors(p: Path):
    """LibRaw's exceptions → one ``ImageReadError`` naming the file and saying why."""
    rawpy = _rawpy()
    try:
        yield
    except ImageReadError:
        raise
    except rawpy.LibRawFileUnsupportedError as e:
        raise ImageReadError(p, "not a camera RAW file LibRaw can read (unknown camera or damaged header)") from e
    except (rawpy.LibRawIOError, rawpy.LibRawDataError) as e:
        raise ImageReadError(p, "truncated or corrupt RAW data") from e
    except (rawpy.LibRawUnsufficientMemoryError, rawpy.LibRawMemPoolOverflowError, MemoryError) as e:
        raise ImageReadError(p, "not enough memory to develop it") from e
    except rawpy.LibRawTooBigError as e:
        raise ImageReadError(p, "image too large to develop") from e
    except rawpy.LibRawError as e:
        detail = str(e).strip() or type(e).__name__
        raise ImageReadError(p, f"LibRaw could not develop it ({detail})") from e


def _flip(a: np.ndarray, flip: int) -> np.ndarray:
    """LibRaw's ``sizes.flip`` (0, 3, 5, 6) applied to an embedded preview."""
    if flip == 3:
        return a[::-1, ::-1]
    if flip == 5:
        return np.rot90(a, 1)  # 90° counter-clockwise
    if flip == 6:
        return np.rot90(a, -1)  # 90° clockwise
    return a


# --------------------------------------------------------------------------------------------
# metadata

# IFD0 tags kept: description, make, model, software, date, artist, copyright
_IFD0_TAGS = frozenset({270, 271, 272, 305, 306, 315, 33432})
# Exif IFD tags kept (TIFF/EP RAWs such as Kodak's keep some of them in IFD0: moved here)
_EXIF_TAGS = frozenset({
    33434, 33437, 34850, 34855, 34864, 34865, 34866, 34867, 36864, 36867, 36868, 36880, 36881,
    36882, 37377, 37378, 37379, 37380, 37381, 37382, 37383, 37384, 37385, 37386, 37396, 37520,
    37521, 37522, 41486, 41487, 41488, 41985, 41986, 41987, 41988, 41989, 41990, 41992, 41993,
    41994, 41996, 42016, 42032, 42033, 42034, 42035, 42036, 42037,
})
_EXIF_COLOR_SPACE = 0xA001
_XMP_TAG = 700


def _shot_info(raw) -> dict:
    """What LibRaw parsed about the shot (used where exifread finds nothing)."""
    info: dict = {}
    with contextlib.suppress(Exception):
        o = raw.other
        info.update(iso=o.iso_speed, exposure=o.shutter_speed, aperture=o.aperture, focal=o.focal_length,
                    time=o.timestamp, artist=o.artist)
    with contextlib.suppress(Exception):
        info.update(lens_model=raw.lens.model, lens_make=raw.lens.make)
    return info


def _metadata(data: bytes, shot: dict, color_space: str) -> tuple[bytes | None, bytes | None, list[str]]:
    """EXIF (Pillow-serialised, orientation 1) and XMP for the developed image, plus notes."""
    from PIL import Image

    notes: list[str] = []
    tags = _exifread_tags(data)
    ifd0: dict = {}
    exif: dict = {}
    gps: dict = {}
    xmp = None
    for key, tag in tags.items():
        group = key.split(" ", 1)[0]
        try:
            tid, value = int(tag.tag), _value(tag)
        except Exception:  # noqa: BLE001 - one odd tag must not cost the rest
            continue
        if value is None:
            continue
        if group in ("Image", "EXIF"):
            if tid in _IFD0_TAGS and group == "Image":
                ifd0[tid] = value
            elif tid in _EXIF_TAGS and (group == "EXIF" or tid not in exif):
                exif[tid] = value
            elif tid == _XMP_TAG and group == "Image" and isinstance(value, bytes):
                xmp = value
        elif group == "GPS" and tid <= 31:
            gps[tid] = value
    _fill_from_libraw(ifd0, exif, shot)
    exif[_EXIF_COLOR_SPACE] = 1 if color_space == "srgb" else 0xFFFF  # uncalibrated: see the ICC profile
    out = Image.Exif()
    for tid, v in sorted(ifd0.items()):
        out[tid] = v
    out[_ORIENTATION] = 1
    if exif:
        out[_EXIF_IFD] = exif
    if gps:
        out[_GPS_IFD] = gps
    try:
        return out.tobytes(), xmp, notes
    except Exception:  # noqa: BLE001 - drop GPS, then everything but the basics
        pass
    for drop in (_GPS_IFD, _EXIF_IFD):
        with contextlib.suppress(KeyError):
            del out[drop]
        try:
            notes.append("some EXIF fields of the RAW could not be written: dropped")
            return out.tobytes(), xmp, notes
        except Exception:  # noqa: BLE001
            continue
    return None, xmp, ["the RAW's EXIF could not be converted: not copied"]


def _exifread_tags(data: bytes) -> dict:
    try:
        import exifread
    except ImportError:
        return {}
    logging.getLogger("exifread").setLevel(logging.ERROR)  # "format not recognised" is not news
    try:
        return exifread.process_file(io.BytesIO(data), details=False, extract_thumbnail=False)
    except Exception:  # noqa: BLE001 - metadata is a bonus; LibRaw's shot data fills in
        return {}


def _value(tag):
    """An exifread tag's value as Pillow's ``Exif`` wants it (str, int, IFDRational, tuple, bytes)."""
    from PIL.TiffImagePlugin import IFDRational

    t, values = int(tag.field_type), tag.values
    if t == 2:  # ASCII
        text = values if isinstance(values, str) else str(values)
        text = text.strip("\x00").strip()
        return text or None
    if isinstance(values, (bytes, bytearray)):
        return bytes(values)
    values = list(values) if isinstance(values, (list, tuple)) else [values]
    if not values:
        return None
    if t in (5, 10):  # RATIONAL / SRATIONAL
        out = [IFDRational(int(v.numerator), int(v.denominator)) for v in values]
    elif t in (1, 7):  # BYTE / UNDEFINED (GPSVersionID, ExifVersion): Pillow writes bytes
        return bytes(int(v) & 0xFF for v in values)
    elif t in (11, 12):
        out = [float(v) for v in values]
    else:
        out = [int(v) for v in values]
    return out[0] if len(out) == 1 else tuple(out)


def _fill_from_libraw(ifd0: dict, exif: dict, shot: dict) -> None:
    from PIL.TiffImagePlugin import IFDRational

    def rational(x: float, limit: int = 100000) -> IFDRational:
        f = Fraction(float(x)).limit_denominator(limit)
        return IFDRational(f.numerator, f.denominator)

    if shot.get("iso") and 34855 not in exif:
        exif[34855] = int(round(shot["iso"]))
    if shot.get("exposure") and 33434 not in exif:
        exif[33434] = rational(shot["exposure"])
    if shot.get("aperture") and 33437 not in exif:
        exif[33437] = rational(shot["aperture"], 100)
    if shot.get("focal") and 37386 not in exif:
        exif[37386] = rational(shot["focal"], 100)
    stamp = shot.get("time")
    if isinstance(stamp, _dt.datetime) and stamp.year > 1970 and 36867 not in exif:
        exif[36867] = stamp.strftime("%Y:%m:%d %H:%M:%S")
        ifd0.setdefault(306, exif[36867])
    if shot.get("lens_model") and 42036 not in exif:
        exif[42036] = str(shot["lens_model"])
    if shot.get("lens_make") and 42035 not in exif:
        exif[42035] = str(shot["lens_make"])
    if shot.get("artist") and 315 not in ifd0:
        ifd0[315] = str(shot["artist"])


# --------------------------------------------------------------------------------------------
# ICC profiles

_ICC_CACHE: dict[str, bytes] = {}
# D50-adapted colorants (ICC PCS) and tone curve gamma of the non-sRGB outputs
_MATRIX_PROFILES = {
    "adobe": ("Compatible with Adobe RGB (1998)", 563 / 256,
              ((0.60974, 0.31111, 0.01947), (0.20528, 0.62567, 0.06087), (0.14919, 0.06322, 0.74457))),
    "prophoto": ("ProPhoto RGB (ROMM)", 1.8,
                 ((0.79767, 0.28804, 0.0), (0.13519, 0.71188, 0.0), (0.03134, 0.00008, 0.82491))),
}
_D50 = (0.9642, 1.0, 0.82491)


def icc_profile(color_space: str = "srgb") -> bytes:
    """The ICC profile of a develop's colour space: sRGB from LittleCMS (through Pillow), Adobe
    RGB-compatible and ProPhoto as matrix/gamma profiles."""
    cs = color_space.lower()
    if cs not in _DEVELOP:
        raise ValueError(f"unknown RAW colour space {color_space!r}")
    if cs not in _ICC_CACHE:
        if cs == "srgb":
            from PIL import ImageCms

            _ICC_CACHE[cs] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        else:
            name, gamma, colorants = _MATRIX_PROFILES[cs]
            _ICC_CACHE[cs] = _matrix_icc(name, gamma, colorants)
    return _ICC_CACHE[cs]


def _matrix_icc(name: str, gamma: float, colorants) -> bytes:
    """An ICC v2 display profile: three XYZ colorants, one gamma curve for all channels."""

    def s15(v: float) -> bytes:
        return struct.pack(">i", int(round(v * 65536)))

    def xyz(v) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(s15(c) for c in v)

    text = name.encode("ascii")
    desc = (b"desc\0\0\0\0" + struct.pack(">I", len(text) + 1) + text + b"\0"
            + b"\0" * 8 + b"\0\0\0" + b"\0" * 67)
    cprt = b"text\0\0\0\0" + b"No copyright, use freely\0"
    curv = b"curv\0\0\0\0" + struct.pack(">IH", 1, int(round(gamma * 256))) + b"\0\0"
    tags = [(b"desc", desc), (b"cprt", cprt), (b"wtpt", xyz(_D50)), (b"rXYZ", xyz(colorants[0])),
            (b"gXYZ", xyz(colorants[1])), (b"bXYZ", xyz(colorants[2])), (b"rTRC", curv), (b"gTRC", curv),
            (b"bTRC", curv)]
    offset = 128 + 4 + 12 * len(tags)
    table, body, placed = b"", b"", {}
    for sig, payload in tags:
        if payload not in placed:  # the three TRCs share one curve
            placed[payload] = offset + len(body)
            body += payload + b"\0" * (-len(payload) % 4)
        table += sig + struct.pack(">II", placed[payload], len(payload))
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"\0\0\0\0" + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ "
              + struct.pack(">6H", 2024, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 4 + b"\0" * 4 + b"\0" * 8
              + b"\0" * 8 + struct.pack(">I", 0) + b"".join(s15(c) for c in _D50) + b"\0" * 4 + b"\0" * 16
              + b"\0" * 28)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body
