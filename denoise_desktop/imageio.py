"""Reading and writing images faithfully: bit depth, alpha, EXIF, ICC, orientation.

Reading
    The format is sniffed from the file's first bytes (not its suffix). Pillow opens everything
    it can; 16-bit PNG and high-bit-depth TIFF are decoded with OpenCV / tifffile because Pillow
    reduces 16-bit RGB to 8 bit. Pixels come back as RGB (or gray) uint8/uint16, rotated per
    EXIF orientation; alpha is split off and passed through untouched. Multi-frame files
    (animated GIF/PNG/WebP, multipage TIFF) give their first frame; ``frames`` records how many
    and ``notes`` says so. GIF is read (first frame, as RGB/RGBA) but not written: it is
    palette-based, so a GIF's output is PNG.
    Float TIFFs are converted to 16 bit: data within [0, 1] maps to 0..65535, data beyond 1 is
    first divided by its maximum (negative values clip to 0).
    Every decoder failure (Pillow, OpenCV, tifffile, zlib, struct...) becomes ``ImageReadError``
    whose message names the file and says why.

Writing
    Atomic (temp file beside the target, ``os.replace`` on success). EXIF (orientation 1) and
    ICC are kept by default. PNG and TIFF keep 16 bit; JPEG, WebP and BMP are 8 bit (16-bit data
    is rounded down to 8). JPEG and BMP cannot hold alpha, so it is dropped there; WebP has no
    gray mode, so gray is stored as RGB. WebP at ``quality=100`` is lossless.
    A metadata field the encoder refuses (a fuzzed TIFF's garbage DateTime, EXIF that cannot be
    parsed) is dropped and the rest kept; ``write_image(notes=[...])`` receives a line saying so.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import re
import secrets
import struct
import time
import warnings
import zlib
from pathlib import Path
from typing import Iterator

import numpy as np
from PIL import Image, TiffImagePlugin

from .progress import Cancelled
from .raw import RAW_EXTENSIONS

__all__ = [
    "ImageData",
    "ImageIOError",
    "ImageReadError",
    "ImageWriteError",
    "MAX_PIXELS",
    "RAW_EXTENSIONS",
    "READABLE_EXTENSIONS",
    "SUPPORTED_EXTENSIONS",
    "atomic_write",
    "remove_stale_temps",
    "is_complete_image",
    "format_for_suffix",
    "is_supported",
    "output_suffix_for",
    "read_image",
    "suffix_for_format",
    "write_image",
]

MAX_PIXELS = 300_000_000
"""Refuse images whose declared size exceeds this (decompression bombs, absurd headers)."""

# Pillow's own bomb guard warns above its limit and errors above twice that; align it with ours
# (the warning is turned into an error while opening, see ``_open_pillow``).
if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < MAX_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_FORMAT_BY_SUFFIX = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".jpe": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
    ".webp": "WEBP",
}
_SUFFIX_BY_FORMAT = {"PNG": ".png", "JPEG": ".jpg", "TIFF": ".tif", "BMP": ".bmp", "WEBP": ".webp"}
_FORMAT_ALIASES = {"JPG": "JPEG", "TIF": "TIFF"}
_EIGHT_BIT_ONLY = frozenset({"JPEG", "BMP", "WEBP"})

SUPPORTED_EXTENSIONS = frozenset(_FORMAT_BY_SUFFIX)
"""Suffixes read and written (also the training data's image types)."""

_READ_ONLY_FORMATS = {".gif": "GIF"}
READABLE_EXTENSIONS = SUPPORTED_EXTENSIONS | frozenset(_READ_ONLY_FORMATS) | RAW_EXTENSIONS
"""What a batch takes from a folder: the supported types plus read-only GIF (written as PNG)
and camera RAW files (written as 16-bit TIFF)."""

_ORIENTATION = 0x0112
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
# IFD0 tags of a TIFF that describe the picture rather than its storage layout; only these are
# carried over as "EXIF" from a TIFF source.
_TIFF_DESCRIPTIVE_TAGS = (270, 271, 272, 274, 305, 306, 315, 33432)


# --------------------------------------------------------------------------------------------
# errors


class ImageIOError(Exception):
    """Base class: ``path`` and ``reason`` are kept for callers that format their own message."""

    verb = "access"

    def __init__(self, path: os.PathLike | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"cannot {self.verb} '{path}': {reason}")


class ImageReadError(ImageIOError):
    verb = "read"


class ImageWriteError(ImageIOError):
    verb = "write"


# --------------------------------------------------------------------------------------------
# data


@dataclasses.dataclass(frozen=True, eq=False)
class ImageData:
    """Decoded pixels plus what must survive a round trip (alpha, metadata, bit depth)."""

    pixels: np.ndarray
    alpha: np.ndarray | None = None
    bit_depth: int = 8
    format: str = "PNG"
    exif: bytes | None = None
    icc_profile: bytes | None = None
    source: Path | None = None
    frames: int = 1
    dpi: tuple[float, float] | None = None
    xmp: bytes | None = None  # the XMP packet (UTF-8 XML): ratings, keywords, captions, rights
    iptc: bytes | None = None  # IPTC-IIM records (JPEG APP13 / TIFF tag 33723), as stored
    notes: tuple[str, ...] = ()  # what reading noted, e.g. "only the first of 12 frames ..."
    metadata_notes: tuple[str, ...] = ()  # metadata found but unreadable (said when it is not written)

    def __repr__(self) -> str:  # arrays and metadata bytes would flood logs and test reports
        alpha = ", alpha" if self.alpha is not None else ""
        meta = "".join(f", {k}" for k in ("exif", "icc_profile", "xmp", "iptc") if getattr(self, k))
        return (
            f"ImageData({self.width}×{self.height}×{self.channels}, {self.bit_depth}-bit, {self.format}"
            f"{alpha}{meta}, source={str(self.source) if self.source else None!r})"
        )

    def __post_init__(self) -> None:
        px = np.asarray(self.pixels)
        if px.ndim == 2:
            px = px[:, :, None]
        if px.ndim != 3 or px.shape[2] not in (1, 3):
            raise ValueError(f"pixels must be H×W×C with C in (1, 3), got shape {px.shape}")
        if self.bit_depth not in (8, 16):
            raise ValueError(f"bit_depth must be 8 or 16, got {self.bit_depth}")
        dtype = np.uint8 if self.bit_depth == 8 else np.uint16
        if px.dtype != dtype:
            raise ValueError(f"{self.bit_depth}-bit pixels must be {np.dtype(dtype)}, got {px.dtype}")
        object.__setattr__(self, "pixels", px)
        if self.alpha is not None:
            a = np.asarray(self.alpha)
            if a.shape != px.shape[:2] or a.dtype != dtype:
                raise ValueError(f"alpha must be {px.shape[:2]} {np.dtype(dtype)}, got {a.shape} {a.dtype}")
        if self.source is not None:
            object.__setattr__(self, "source", Path(self.source))

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def channels(self) -> int:
        return int(self.pixels.shape[2])

    @property
    def max_value(self) -> int:
        return 255 if self.bit_depth == 8 else 65535

    def to_float(self) -> np.ndarray:
        """Pixels as float32 H×W×C in [0, 1]."""
        return self.pixels.astype(np.float32) / np.float32(self.max_value)

    def with_pixels(self, values: np.ndarray) -> "ImageData":
        """A copy holding ``values`` (float, [0, 1]) quantised to this bit depth; alpha and
        metadata are kept. The channel count may change (1 or 3) but not the size."""
        v = np.asarray(values, dtype=np.float32)
        if v.ndim == 2:
            v = v[:, :, None]
        if v.ndim != 3 or v.shape[:2] != self.pixels.shape[:2] or v.shape[2] not in (1, 3):
            raise ValueError(f"expected {self.height}×{self.width}×(1|3) values, got shape {v.shape}")
        q = np.rint(np.clip(np.nan_to_num(v, nan=0.0), 0.0, 1.0) * self.max_value)
        return dataclasses.replace(self, pixels=q.astype(self.pixels.dtype))


# --------------------------------------------------------------------------------------------
# formats


def format_for_suffix(suffix: str) -> str | None:
    """``".JPG"`` → ``"JPEG"``; None for an unsupported suffix."""
    s = suffix.lower()
    if not s.startswith("."):
        s = "." + s
    return _FORMAT_BY_SUFFIX.get(s)


def suffix_for_format(fmt: str) -> str:
    """``"JPEG"`` → ``".jpg"``; raises ValueError for an unknown format."""
    f = _normalise_format(fmt)
    if f is None:
        raise ValueError(f"unsupported image format {fmt!r}")
    return _SUFFIX_BY_FORMAT[f]


def is_supported(path: os.PathLike | str) -> bool:
    return Path(path).suffix.lower() in SUPPORTED_EXTENSIONS


def output_suffix_for(suffix: str) -> str:
    """The suffix an output keeping its input's format gets: the input's own when it is
    written, ``.tif`` (16 bit) for a camera RAW, else ``.png`` (GIF)."""
    s = suffix if suffix.startswith(".") else "." + suffix
    if format_for_suffix(s):
        return s
    return ".tif" if s.lower() in RAW_EXTENSIONS else ".png"


def _normalise_format(fmt: str) -> str | None:
    f = fmt.strip().upper().lstrip(".")
    f = _FORMAT_ALIASES.get(f, f)
    return f if f in _SUFFIX_BY_FORMAT else None


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head.startswith(b"BM"):
        return "BMP"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    return None


# --------------------------------------------------------------------------------------------
# reading


def read_image(path: os.PathLike | str, *, raw_color_space: str = "srgb") -> ImageData:
    """Decode ``path``; raises ``ImageReadError`` naming the file and the reason.

    ``raw_color_space``: what a camera RAW is developed into (``raw.COLOR_SPACES``)."""
    p = Path(path)
    if not p.exists():
        raise ImageReadError(p, "file not found")
    if p.is_dir():
        raise ImageReadError(p, "it is a folder, not an image file")
    if not p.is_file():  # a FIFO or device would block or stream forever
        raise ImageReadError(p, "not a regular file")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ImageReadError(p, e.strerror or str(e)) from e
    if not data:
        raise ImageReadError(p, "the file is empty (0 bytes)")
    if p.suffix.lower() in RAW_EXTENSIONS:  # by suffix: most RAW formats look like TIFF
        from .raw import read_raw

        try:
            return read_raw(p, data, color_space=raw_color_space)
        except (ImageReadError, Cancelled):
            raise
        except MemoryError as e:
            raise ImageReadError(p, "not enough memory to develop it") from e
        except Exception as e:  # noqa: BLE001 - anything LibRaw or exifread raise names the file
            raise ImageReadError(p, f"cannot develop the RAW file ({str(e).strip() or type(e).__name__})") from e
    fmt = _sniff(data[:16])
    if fmt is None:
        expected = format_for_suffix(p.suffix)
        if expected:
            shown = "WebP" if expected == "WEBP" else expected
            raise ImageReadError(p, f"not a {shown} file (unrecognised contents)")
        raise ImageReadError(p, "unsupported or unrecognised file type")
    if fmt not in _SUFFIX_BY_FORMAT and fmt not in _READ_ONLY_FORMATS.values():
        raise ImageReadError(p, f"{fmt} images are not supported (use PNG, JPEG, TIFF, BMP, WebP or GIF)")
    try:
        return _decode(data, fmt, p)
    except (ImageReadError, Cancelled):
        raise
    except MemoryError as e:
        raise ImageReadError(p, "not enough memory to decode it") from e
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageReadError(p, f"image too large (over {MAX_PIXELS // 1_000_000} megapixels)") from e
    except Exception as e:  # decoders raise OSError, ValueError, SyntaxError, struct/zlib errors...
        raise ImageReadError(p, _failure_reason(e, fmt)) from e


def _failure_reason(e: BaseException, fmt: str) -> str:
    fmt = "WebP" if fmt == "WEBP" else fmt
    text = str(e).lower()
    if isinstance(e, Image.UnidentifiedImageError):
        return f"corrupt {fmt} header, or a {fmt} variant that cannot be decoded"
    damaged = ("truncated", "broken", "decoder", "unexpected end", "corrupt")
    if isinstance(e, (EOFError, SyntaxError, struct.error, zlib.error)) or any(w in text for w in damaged):
        return f"truncated or corrupt {fmt} data"
    detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return f"corrupt or unsupported {fmt} data ({detail})"


def _decode(data: bytes, fmt: str, path: Path) -> ImageData:
    tiff_page = _tiff_page_info(data) if fmt == "TIFF" else None
    im: Image.Image | None = None
    try:
        # catch_warnings is process-global before Python 3.14: a concurrent thread may briefly
        # see bomb warnings as errors too (harmless; nothing else here edits warning filters).
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=[fmt])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise
    except Exception:
        # tifffile/OpenCV can still decode some TIFFs Pillow cannot identify (e.g. 16-bit LA).
        if tiff_page is None:
            raise
    metadata_notes: list[str] = []
    if im is not None:
        width, height = im.size
        exif_obj = _safe_exif(im)
        if exif_obj is None and im.info.get("exif"):
            metadata_notes.append("EXIF could not be read (damaged block): not copied")
        icc = im.info.get("icc_profile") or None
        dpi = _dpi(im.info.get("dpi"))
        xmp, iptc = _as_bytes(im.info.get("xmp")), _jpeg_iptc(im)
    else:
        height, width = tiff_page["shape"][:2]
        exif_obj, icc = _tiff_ifd0_as_exif(data), tiff_page["icc"]
        dpi = xmp = iptc = None
    if tiff_page is not None:
        xmp, iptc = tiff_page["xmp"] or xmp, tiff_page["iptc"]
    if width * height > MAX_PIXELS:
        raise ImageReadError(path, f"image too large ({width}×{height}, limit {MAX_PIXELS // 1_000_000} megapixels)")

    if fmt == "PNG" and len(data) > 25 and data[24] == 16:
        pixels, alpha = _decode_cv2(data, gray_alpha=data[25] == 4)
    elif tiff_page is not None and (tiff_page["bits"] > 8 or tiff_page["float"] or im is None):
        pixels, alpha = _decode_tiff_deep(data)
    else:
        assert im is not None
        pixels, alpha = _pillow_to_arrays(im)
        if im.mode == "CMYK":
            icc = None  # pixels are now (approximately) sRGB; the CMYK profile no longer applies
    # Counted only after decoding: counting seeks through the file, and a failed decode must
    # not be retried on another frame.
    frames = tiff_page["frames"] if tiff_page is not None else _frame_count(im)

    orientation = 1
    exif_bytes: bytes | None = None
    if exif_obj is not None:
        try:
            orientation = int(exif_obj.get(_ORIENTATION, 1) or 1)
        except (TypeError, ValueError):
            orientation = 1
        try:
            exif_bytes = _exif_for_tiff(exif_obj) if fmt == "TIFF" else _exif_raw(im, orientation)
        except Exception:  # noqa: BLE001 - a damaged EXIF block must not cost the pixels
            exif_bytes = None
            metadata_notes.append("EXIF could not be read (damaged block): not copied")
    if orientation not in range(1, 9):
        orientation = 1
    if dpi is not None and orientation in (5, 6, 7, 8):
        dpi = (dpi[1], dpi[0])
    pixels = _apply_orientation(pixels, orientation)
    if alpha is not None:
        alpha = _apply_orientation(alpha[:, :, None], orientation)[:, :, 0]
    bit_depth = 16 if pixels.dtype == np.uint16 else 8
    notes = []
    if frames > 1:
        kind = "pages" if fmt == "TIFF" else "frames"
        notes.append(f"only the first of {frames} {kind} was denoised")
    return ImageData(
        pixels=np.ascontiguousarray(pixels),
        alpha=None if alpha is None else np.ascontiguousarray(alpha),
        bit_depth=bit_depth,
        format=fmt,
        exif=exif_bytes,
        icc_profile=icc,
        source=path,
        frames=frames,
        dpi=dpi,
        xmp=_xmp_orientation_1(xmp) if xmp else None,
        iptc=iptc or None,
        notes=tuple(notes),
        metadata_notes=tuple(metadata_notes),
    )


def _dpi(value) -> tuple[float, float] | None:
    try:
        x, y = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    # PNG/BMP store pixels per metre: 300 dpi comes back as 299.9994
    return (round(x, 1), round(y, 1)) if x > 0 and y > 0 else None


def _frame_count(im: Image.Image) -> int:
    try:
        return int(getattr(im, "n_frames", 1))
    except Exception:  # counting frames parses the whole file; a broken tail is not our problem
        return 1


def _safe_exif(im: Image.Image) -> Image.Exif | None:
    try:
        ex = im.getexif()
        return ex if len(ex) else None
    except Exception:  # unreadable EXIF must not make the pixels unreadable
        return None


def _tiff_ifd0_as_exif(data: bytes) -> Image.Exif | None:
    """A TIFF file is itself a valid EXIF block (header + IFD0), so Pillow can parse its tags
    even when it cannot decode the pixels."""
    try:
        ex = Image.Exif()
        ex.load(b"Exif\x00\x00" + data)
        return ex if len(ex) else None
    except Exception:
        return None


def _as_bytes(value) -> bytes | None:
    """XMP comes back as bytes or, from PNG iTXt, as str."""
    if isinstance(value, str):
        return value.encode("utf-8") or None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value) or None
    return None


def _jpeg_iptc(im: Image.Image) -> bytes | None:
    """The IPTC-NAA resource (0x0404) of a JPEG's Photoshop APP13 segment."""
    resources = im.info.get("photoshop") if im.format == "JPEG" else None
    data = resources.get(0x0404) if isinstance(resources, dict) else None
    return bytes(data) if isinstance(data, (bytes, bytearray)) and data else None


_XMP_ORIENTATION = re.compile(rb"(tiff:Orientation\s*=\s*[\"']|<tiff:Orientation>\s*)[1-8]")


def _xmp_orientation_1(xmp: bytes) -> bytes:
    """Pixels are stored display-oriented, so an XMP orientation must say 1, like the EXIF one."""
    return _XMP_ORIENTATION.sub(rb"\g<1>1", xmp)


def _tiff_page_info(data: bytes) -> dict | None:
    import tifffile

    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tf:
            page = tf.pages.first
            bits = page.bitspersample
            return {
                "bits": int(bits if np.isscalar(bits) else max(bits)),
                "float": page.sampleformat == 3,
                "shape": (page.imagelength, page.imagewidth),
                "frames": len(tf.pages),
                "icc": page.tags.valueof(34675) or None,
                # tifffile hands both over as the stored bytes (IPTC even when typed LONG)
                "xmp": _as_bytes(page.tags.valueof(700)),
                "iptc": _as_bytes(page.tags.valueof(33723)),
            }
    except Exception:  # let Pillow try and report
        return None


def _split_alpha(arr: np.ndarray, gray_alpha: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    if arr.ndim == 2:
        return arr[:, :, None], None
    c = arr.shape[2]
    if c == 1:
        return arr, None
    if c == 2:
        return arr[:, :, :1], arr[:, :, 1]
    if c == 3:
        return arr, None
    if gray_alpha:
        return arr[:, :, :1], arr[:, :, 3]
    return arr[:, :, :3], arr[:, :, 3]


def _pillow_to_arrays(im: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    im.load()
    mode = im.mode
    if mode == "1":
        im = im.convert("L")
    elif mode in ("P", "PA"):
        transparent = mode == "PA" or "transparency" in im.info
        im = im.convert("RGBA" if transparent else "RGB")
    elif mode == "CMYK":
        im = _cmyk_to_rgb(im)
    elif mode == "RGBa":
        im = im.convert("RGBA")
    elif mode == "La":
        im = im.convert("LA")
    elif mode in ("RGBX", "YCbCr", "LAB", "HSV"):
        im = im.convert("RGB")
    if im.mode.startswith("I;16"):
        return np.asarray(im).astype(np.uint16)[:, :, None], None
    if im.mode in ("I", "F"):
        return _to_uint16(np.asarray(im))[:, :, None], None
    if im.mode not in ("L", "LA", "RGB", "RGBA"):
        im = im.convert("RGBA" if "A" in im.getbands() else "RGB")
    return _split_alpha(np.asarray(im))


def _cmyk_to_rgb(im: Image.Image) -> Image.Image:
    icc = im.info.get("icc_profile")
    if icc:
        try:
            from PIL import ImageCms

            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            return ImageCms.profileToProfile(im, src, dst, outputMode="RGB")
        except Exception:  # broken profile or no LittleCMS: fall back to the naive formula
            pass
    return im.convert("RGB")


def _to_uint16(arr: np.ndarray) -> np.ndarray:
    """Integer or float data of unknown range → uint16 (see module doc for the float rule)."""
    if arr.dtype == np.uint16:
        return arr
    if arr.dtype.kind == "f":
        a = np.nan_to_num(arr.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        top = float(a.max()) if a.size else 1.0
        if top > 1.0:
            a = a / top
        return np.rint(np.clip(a, 0.0, 1.0) * 65535).astype(np.uint16)
    if arr.dtype.kind in "iu":
        a = arr.astype(np.int64)
        if a.dtype.kind == "i" and arr.dtype.itemsize == 2:  # signed 16-bit: shift to unsigned
            a = a + 32768
        a = np.clip(a, 0, None)
        top = int(a.max()) if a.size else 0
        if top > 65535:
            shift = int(np.ceil(np.log2((top + 1) / 65536)))
            a = a >> shift
        return a.astype(np.uint16)
    raise ValueError(f"unsupported sample type {arr.dtype}")


def _decode_cv2(data: bytes, gray_alpha: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    import cv2

    # IMREAD_UNCHANGED keeps 16 bit and alpha and ignores EXIF orientation (we apply it).
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None:
        raise ValueError("truncated or corrupt data (OpenCV could not decode it)")
    if arr.ndim == 3 and arr.shape[2] == 3:
        arr = arr[:, :, ::-1]
    elif arr.ndim == 3 and arr.shape[2] == 4:
        arr = arr[:, :, [2, 1, 0, 3]]
    if arr.dtype not in (np.uint8, np.uint16):
        arr = _to_uint16(arr)
    return _split_alpha(arr, gray_alpha=gray_alpha)


def _decode_tiff_deep(data: bytes) -> tuple[np.ndarray, np.ndarray | None]:
    """16-bit / float / odd TIFFs: tifffile first (exact samples), OpenCV for compressions that
    tifffile needs imagecodecs for (LZW, PackBits, JPEG)."""
    import tifffile

    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tf:
            page = tf.pages.first
            arr = page.asarray()
            photometric = int(page.photometric)
            separate = int(page.planarconfig) == 2
            colormap = page.colormap
    except Exception as first:  # e.g. "LZW requires the 'imagecodecs' package"
        try:
            return _decode_cv2(data)
        except Exception:
            raise first from None
    if separate and arr.ndim == 3:
        arr = np.moveaxis(arr, 0, -1)
    if arr.ndim == 4:  # a depth axis or similar: take the first plane
        arr = arr[0]
    if photometric == 3 and colormap is not None:  # palette
        arr = np.moveaxis(colormap[:, arr], 0, -1)
    if photometric in (5,):
        raise ValueError("CMYK TIFF with more than 8 bits per sample is not supported")
    if arr.ndim == 3 and arr.shape[2] > 4:
        arr = arr[:, :, :4]
    if arr.dtype != np.uint8:
        arr = _to_uint16(arr)
    if photometric == 0:  # min-is-white
        arr = np.iinfo(arr.dtype).max - arr
    return _split_alpha(arr)


def _apply_orientation(a: np.ndarray, orientation: int) -> np.ndarray:
    """EXIF orientation on an H×W×C array (same result as ``PIL.ImageOps.exif_transpose``)."""
    if orientation == 2:
        return a[:, ::-1]
    if orientation == 3:
        return a[::-1, ::-1]
    if orientation == 4:
        return a[::-1]
    if orientation == 5:
        return a.transpose(1, 0, 2)
    if orientation == 6:
        return np.rot90(a, -1)
    if orientation == 7:
        return a.transpose(1, 0, 2)[::-1, ::-1]
    if orientation == 8:
        return np.rot90(a, 1)
    return a


def _exif_raw(im: Image.Image, orientation: int) -> bytes | None:
    """The file's own EXIF bytes (keeps maker notes intact), orientation patched to 1."""
    raw = im.info.get("exif")
    if not raw:
        ex = _safe_exif(im)
        if ex is None:
            return None
        ex[_ORIENTATION] = 1
        return ex.tobytes()
    if not raw.startswith(b"Exif\x00\x00"):
        raw = b"Exif\x00\x00" + raw
    if orientation != 1:
        patched = _patch_orientation(raw)
        if patched is None:
            ex = Image.Exif()
            ex.load(raw)
            ex[_ORIENTATION] = 1
            patched = ex.tobytes()
        raw = patched
    return raw


def _exif_orientation_1(exif: bytes) -> bytes | None:
    if not exif.startswith(b"Exif\x00\x00"):
        exif = b"Exif\x00\x00" + exif
    try:
        ex = Image.Exif()
        ex.load(exif)
        if ex.get(_ORIENTATION, 1) == 1:
            return exif
        patched = _patch_orientation(exif)
        if patched is None:
            ex[_ORIENTATION] = 1
            patched = ex.tobytes()
        return patched
    except Exception:  # unparseable EXIF is dropped rather than written out broken
        return None


def _patch_orientation(exif: bytes) -> bytes | None:
    """Set IFD0's orientation SHORT to 1 in place; None if the layout is not as expected."""
    try:
        base = 6
        order = exif[base : base + 2]
        e = "<" if order == b"II" else ">" if order == b"MM" else None
        if e is None:
            return None
        ifd = base + struct.unpack(e + "I", exif[base + 4 : base + 8])[0]
        (n,) = struct.unpack(e + "H", exif[ifd : ifd + 2])
        buf = bytearray(exif)
        for i in range(n):
            entry = ifd + 2 + 12 * i
            tag, typ, count = struct.unpack(e + "HHI", exif[entry : entry + 8])
            if tag == _ORIENTATION and typ == 3 and count == 1:
                buf[entry + 8 : entry + 10] = struct.pack(e + "H", 1)
                return bytes(buf)
        return None
    except (struct.error, IndexError):
        return None


def _exif_for_tiff(ex: Image.Exif) -> bytes | None:
    """From a TIFF's IFD0 keep only descriptive tags (not strip offsets etc.) + Exif/GPS IFDs."""
    out = Image.Exif()
    for tag in _TIFF_DESCRIPTIVE_TAGS:
        if tag in ex:
            out[tag] = ex[tag]
    for tag in (_EXIF_IFD, _GPS_IFD):
        try:
            sub = ex.get_ifd(tag)
        except Exception:
            sub = {}
        if sub:
            out[tag] = dict(sub)
    if not len(out):
        return None
    if _ORIENTATION in out:
        out[_ORIENTATION] = 1
    try:
        return out.tobytes()
    except Exception:
        return None


# --------------------------------------------------------------------------------------------
# writing


@contextlib.contextmanager
def atomic_write(path: os.PathLike | str) -> Iterator[Path]:
    """Yield a hidden temp path beside ``path``; ``os.replace`` it onto ``path`` on success,
    delete it on any exception (including ``Cancelled`` and KeyboardInterrupt)."""
    target = Path(path)
    tmp = _create_temp(target)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


TEMP_PREFIX, TEMP_SUFFIX = ".dd-", ".part"
_STALE_SECONDS = 3600.0  # no write of ours takes an hour; younger temps may be a concurrent run's


def remove_stale_temps(folder: os.PathLike | str, *, older_than: float = _STALE_SECONDS) -> list[Path]:
    """Delete our temp files (``.dd-XXXXXXXX.part``) in ``folder`` left by a killed run; returns them."""
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for e in entries:
        name = e.name
        if not (name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)
                and len(name) == len(TEMP_PREFIX) + 8 + len(TEMP_SUFFIX)):
            continue
        with contextlib.suppress(OSError):
            if e.is_file(follow_symlinks=False) and now - e.stat(follow_symlinks=False).st_mtime > older_than:
                os.unlink(e.path)
                removed.append(Path(e.path))
    return removed


def _create_temp(target: Path) -> Path:
    # os.open with 0o666 lets the umask decide permissions, like a normal new file (mkstemp
    # would leave the result readable by its owner only).
    mode = 0o666
    with contextlib.suppress(OSError):
        mode = target.stat().st_mode & 0o777
    for _ in range(100):
        # A short name of bounded length (a 250-byte output name still fits) and one pattern,
        # so a run that was killed mid-write leaves temps the next run can recognise.
        tmp = target.with_name(f"{TEMP_PREFIX}{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"cannot create a temporary file beside {target}")


def _same_file(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        if os.path.samefile(a, b):
            return True
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def _to_depth(a: np.ndarray, depth: int) -> np.ndarray:
    if depth == 8 and a.dtype == np.uint16:
        return ((a.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    if depth == 16 and a.dtype == np.uint8:
        return a.astype(np.uint16) * 257
    return a


def write_image(
    img: ImageData,
    path: os.PathLike | str,
    *,
    format: str | None = None,
    quality: int = 95,
    keep_metadata: bool = True,
    bit_depth: int | None = None,
    notes: list[str] | None = None,
) -> Path:
    """Encode ``img`` to ``path`` atomically; returns the path. Raises ``ImageWriteError``.

    A metadata field the encoder refuses is dropped (the rest kept) and a line saying so is
    appended to ``notes``, as is metadata the reader could not parse (``img.metadata_notes``)."""
    target = Path(path)
    if format is not None:
        fmt = _normalise_format(format)
        if fmt is None:
            raise ImageWriteError(target, f"unsupported output format {format!r}")
    else:
        fmt = format_for_suffix(target.suffix)
        if fmt is None and target.suffix.lower() in _READ_ONLY_FORMATS:
            raise ImageWriteError(target, f"{_READ_ONLY_FORMATS[target.suffix.lower()]} output is not supported "
                                  "(palette-based: it would lose colours); save as PNG")
        if fmt is None:
            raise ImageWriteError(
                target, f"unsupported file type {target.suffix or '(no suffix)'!r}; use one of "
                + ", ".join(sorted(SUPPORTED_EXTENSIONS))
            )
    if img.source is not None and _same_file(img.source, target):
        raise ImageWriteError(target, "refusing to overwrite the input image; choose another name or folder")
    if target.is_dir():
        raise ImageWriteError(target, "a folder with that name exists")
    if not target.parent.is_dir():
        raise ImageWriteError(target, f"the folder '{target.parent}' does not exist")
    if bit_depth not in (None, 8, 16):
        raise ImageWriteError(target, f"bit depth must be 8 or 16, not {bit_depth}")
    depth = 8 if fmt in _EIGHT_BIT_ONLY else (bit_depth or img.bit_depth)
    pixels = _to_depth(img.pixels, depth)
    alpha = None if img.alpha is None else _to_depth(img.alpha, depth)
    # ImageData pixels are always display-oriented, so the written orientation must be 1.
    said: list[str] = list(img.metadata_notes) if keep_metadata else []
    exif = _exif_orientation_1(img.exif) if keep_metadata and img.exif else None
    if keep_metadata and img.exif and exif is None:
        said.append("EXIF could not be parsed: not copied")
    meta = {
        "EXIF": exif,
        "ICC profile": img.icc_profile if keep_metadata else None,
        "XMP": _xmp_orientation_1(img.xmp) if keep_metadata and img.xmp else None,
        "IPTC": img.iptc if keep_metadata else None,
        "resolution": img.dpi,
    }

    def encode(m: dict, dropped: list[str]) -> None:
        with atomic_write(target) as tmp:
            if depth == 16 and fmt == "PNG":
                tmp.write_bytes(_encode_png16(pixels, alpha, m["EXIF"], m["ICC profile"], m["resolution"], m["XMP"]))
            elif fmt == "TIFF":  # tifffile, not Pillow: libtiff rejects Pillow's EXIF sub-IFDs
                tmp.write_bytes(_encode_tiff(pixels, alpha, m["EXIF"], m["ICC profile"], m["resolution"], m["XMP"],
                                             m["IPTC"], dropped=dropped))
            else:
                _write_pillow(tmp, fmt, pixels, alpha, m["EXIF"], m["ICC profile"], m["resolution"], quality,
                              m["XMP"], m["IPTC"])
            _check_complete(target, tmp, fmt)

    try:
        try:
            dropped: list[str] = []
            encode(meta, dropped)
            said += [f"could not write the {d}: dropped, the rest of the metadata kept" for d in dropped]
        except Exception as first:
            if not _may_be_metadata(first) or not any(v is not None for v in meta.values()):
                raise
            said += _encode_without_bad_metadata(encode, meta, first)
    except (ImageWriteError, Cancelled, KeyboardInterrupt):
        raise
    except OSError as e:
        raise ImageWriteError(target, e.strerror or str(e)) from e
    except Exception as e:
        raise ImageWriteError(target, f"{fmt} encoder failed ({e})") from e
    if notes is not None:
        notes.extend(said)
    return target


def _may_be_metadata(e: BaseException) -> bool:
    """An encoder complaint (retry without metadata), not a full disk, a cancel or a short write."""
    if isinstance(e, (ImageWriteError, Cancelled, KeyboardInterrupt, MemoryError)):
        return False
    return not (isinstance(e, OSError) and e.errno is not None)


def _encode_without_bad_metadata(encode, meta: dict, first: BaseException) -> list[str]:
    """Find the metadata field the encoder refuses: drop one field at a time (the rest kept),
    then all of them. Returns the notes; re-raises ``first`` when even bare pixels fail."""
    reason = str(first).strip().splitlines()[0] if str(first).strip() else type(first).__name__
    present = [k for k, v in meta.items() if v is not None]
    for name in present:
        try:
            encode(dict(meta, **{name: None}), [])
        except Exception as e:
            if not _may_be_metadata(e):
                raise
            continue
        return [f"could not write the {name} ({reason}): dropped, the rest of the metadata kept"]
    try:
        encode(dict.fromkeys(meta), [])
    except Exception as e:
        if not _may_be_metadata(e):
            raise
        raise first from None  # not the metadata after all
    return [f"could not write the metadata ({reason}): {', '.join(present)} dropped"]


# How a complete file of each format ends; a short write (a full disk) loses the end first.
_TRAILERS = {"JPEG": (b"\xff\xd9", 2), "PNG": (b"IEND\xaeB`\x82", 8)}


def _check_complete(target: Path, tmp: Path, fmt: str) -> None:
    """fsync the temp file (a full disk may only say so here) and check it is whole: Pillow's
    JPEG encoder with ``optimize=True`` returns without an error on ENOSPC, leaving a file that
    cannot be opened, which must never be renamed onto the output and reported as done."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some filesystems cannot fsync a read-only handle
            os.fsync(fd)
        size = os.fstat(fd).st_size
        trailer = _TRAILERS.get(fmt)
        tail = b""
        if trailer and size >= trailer[1]:
            os.lseek(fd, size - trailer[1], os.SEEK_SET)
            tail = os.read(fd, trailer[1])
    finally:
        os.close(fd)
    if size == 0 or (trailer and tail != trailer[0]):
        raise ImageWriteError(target, "the file was not written completely (is the disk full?)")
    if not trailer:  # TIFF, WebP, BMP: the decoder must at least accept the header
        try:
            if fmt == "TIFF":  # tifffile: Pillow cannot open every TIFF we write (16-bit gray + alpha)
                import tifffile

                with tifffile.TiffFile(tmp) as t:
                    t.pages[0].shape  # noqa: B018 - parses the first IFD
            else:
                with Image.open(tmp) as im:
                    im.verify()
        except Exception as e:  # noqa: BLE001 - any decoder complaint means an incomplete file
            raise ImageWriteError(target, f"the file was not written completely ({e})") from e


def is_complete_image(path: os.PathLike | str) -> bool:
    """Whether an existing output looks whole (``--skip-existing`` must not trust a file a full
    disk or a killed run cut short)."""
    p = Path(path)
    fmt = format_for_suffix(p.suffix)
    try:
        _check_complete(p, p, fmt or "")
    except (ImageWriteError, OSError):
        return False
    return True


def _write_pillow(tmp: Path, fmt: str, pixels: np.ndarray, alpha: np.ndarray | None, exif, icc, dpi, quality: int,
                  xmp: bytes | None = None, iptc: bytes | None = None) -> None:
    gray = pixels.shape[2] == 1
    if fmt in ("JPEG", "BMP"):
        alpha = None  # neither can hold transparency
    if fmt == "WEBP" and gray:
        pixels = np.repeat(pixels, 3, axis=2)
        gray = False
    if gray:
        arr = pixels[:, :, 0] if alpha is None else np.dstack([pixels[:, :, 0], alpha])
        mode = "L" if alpha is None else "LA"
    else:
        arr = pixels if alpha is None else np.dstack([pixels, alpha])
        mode = "RGB" if alpha is None else "RGBA"
    im = Image.fromarray(np.ascontiguousarray(arr), mode=mode)
    kw: dict = {}
    if exif and fmt != "BMP" and not (fmt == "JPEG" and len(exif) > 65533):  # one APP1 segment max
        kw["exif"] = exif
    if dpi and fmt != "WEBP":
        kw["dpi"] = dpi
    if icc and fmt != "BMP":
        kw["icc_profile"] = icc
    if xmp and fmt in ("JPEG", "WEBP") and not (fmt == "JPEG" and len(xmp) > _JPEG_XMP_MAX):
        kw["xmp"] = xmp  # (a longer JPEG XMP needs "extended XMP" segments: dropped)
    if xmp and fmt == "PNG":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8", "replace"))
        kw["pnginfo"] = info
    if fmt == "JPEG":
        q = int(min(max(quality, 1), 100))
        kw.update(quality=q, subsampling=0 if q >= 90 else 2, optimize=True)
        if iptc and (segment := _jpeg_app13(iptc)):
            kw["extra"] = segment
    elif fmt == "WEBP":
        if quality >= 100:
            kw.update(lossless=True, quality=100, method=4, exact=True)  # keep RGB under alpha=0
        else:
            kw.update(quality=int(max(quality, 1)), method=4)
    elif fmt == "PNG":
        kw["compress_level"] = 6
    im.save(tmp, format=fmt, **kw)


_JPEG_XMP_MAX = 65533 - 29  # one APP1 segment, less its "http://ns.adobe.com/xap/1.0/\0" label


def _jpeg_app13(iptc: bytes) -> bytes | None:
    """An APP13 "Photoshop 3.0" segment holding one IPTC-NAA resource (what readers look for)."""
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    if len(iptc) % 2:
        resource += b"\x00"
    payload = b"Photoshop 3.0\x00" + resource
    if len(payload) + 2 > 65535:
        return None  # would need several segments; rare enough to drop
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _png_with_metadata(png: bytes, exif, icc, dpi, xmp: bytes | None = None) -> bytes:
    """Insert iCCP / eXIf / pHYs / iTXt (XMP) chunks right after IHDR (iCCP and pHYs must precede IDAT)."""
    extra = b""
    if xmp:  # keyword, no compression, empty language and translated keyword, then the text
        extra += _png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp)
    if dpi:
        ppm = [max(1, int(round(d / 0.0254))) for d in dpi]
        extra += _png_chunk(b"pHYs", struct.pack(">IIB", ppm[0], ppm[1], 1))
    if icc:
        extra += _png_chunk(b"iCCP", b"ICC profile\x00\x00" + zlib.compress(icc))
    if exif:
        extra += _png_chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif\x00\x00") else exif)
    ihdr_end = 8 + 8 + 13 + 4  # signature + length/type + IHDR payload + CRC
    if png[12:16] != b"IHDR":
        raise ValueError("unexpected PNG layout from the encoder")
    return png[:ihdr_end] + extra + png[ihdr_end:]


def _encode_png16(pixels: np.ndarray, alpha: np.ndarray | None, exif, icc, dpi, xmp: bytes | None = None) -> bytes:
    """16-bit PNG with iCCP and eXIf chunks. Pillow cannot write 16-bit RGB(A); OpenCV can
    (fast, libpng) but writes no metadata and has no gray+alpha, which we encode ourselves."""
    import cv2

    if pixels.shape[2] == 1 and alpha is not None:
        return _png_with_metadata(_encode_png16_gray_alpha(pixels[:, :, 0], alpha), exif, icc, dpi, xmp)
    if pixels.shape[2] == 1:
        arr = pixels[:, :, 0]
    elif alpha is None:
        arr = pixels[:, :, ::-1]
    else:
        arr = np.dstack([pixels[:, :, ::-1], alpha])
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(arr))
    if not ok:
        raise ValueError("OpenCV could not encode the PNG")
    return _png_with_metadata(buf.tobytes(), exif, icc, dpi, xmp)


def _encode_png16_gray_alpha(gray: np.ndarray, alpha: np.ndarray) -> bytes:
    h, w = gray.shape
    raw = np.ascontiguousarray(np.dstack([gray, alpha]).astype(">u2")).view(np.uint8).reshape(h, -1)
    # "Up" filter on every row: cheap in numpy and compresses smooth images well.
    up = raw.copy()
    up[1:] -= raw[:-1]
    rows = np.hstack([np.full((h, 1), 2, np.uint8), up])
    idat = zlib.compress(rows.tobytes(), 6)
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 4, 0, 0, 0)
    return b"".join(
        [b"\x89PNG\r\n\x1a\n", _png_chunk(b"IHDR", ihdr), _png_chunk(b"IDAT", idat), _png_chunk(b"IEND", b"")]
    )


# Placeholder tags written by tifffile and renamed afterwards: tifffile refuses to write the
# Exif/GPS IFD pointers itself. Each sits just after its real code so tag order stays sorted.
_TIFF_PLACEHOLDER = {34666: _EXIF_IFD, 34854: _GPS_IFD}


def _tiff_string(value) -> str | bytes:
    """TIFF ASCII tags: tifffile takes 7-bit str only; other text is stored as its UTF-8 bytes."""
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    text = text.rstrip("\x00")
    return text if text.isascii() else text.encode("utf-8")


def _encode_tiff(pixels: np.ndarray, alpha: np.ndarray | None, exif, icc, dpi,
                 xmp: bytes | None = None, iptc: bytes | None = None, dropped: list[str] | None = None) -> bytes:
    import tifffile

    arr = pixels if alpha is None else np.dstack([pixels, alpha])
    if arr.shape[2] == 1:
        arr = arr[:, :, 0]
    kw: dict = dict(
        photometric="minisblack" if pixels.shape[2] == 1 else "rgb",
        planarconfig="contig",
        compression="zlib",
        predictor=True,
        metadata=None,
        software=False,  # tifffile would otherwise sign the file (and we'd read that back as EXIF)
    )
    if alpha is not None:
        kw["extrasamples"] = ("unassalpha",)
    if icc:
        kw["iccprofile"] = icc
    if dpi:
        kw.update(resolution=tuple(dpi), resolutionunit="INCH")
    subifds: dict[int, dict] = {}
    extratags = []
    if exif:
        ex = Image.Exif()
        ex.load(exif)
        for tag in _TIFF_DESCRIPTIVE_TAGS:
            value = ex.get(tag)
            if value is None:
                continue
            if tag == 270:
                kw["description"] = _tiff_string(value)
            elif tag == 305:
                kw["software"] = _tiff_string(value)
            elif tag == 306:
                text = str(value).rstrip("\x00")
                if re.fullmatch(r"[0-9 ]{4}:[0-9 ]{2}:[0-9 ]{2} [0-9 ]{2}:[0-9 ]{2}:[0-9 ]{2}", text):
                    kw["datetime"] = text
                elif dropped is not None:  # "YYYY:MM:DD HH:MM:SS" or nothing (a fuzzed file's garbage)
                    dropped.append(f"TIFF DateTime tag (invalid value {text[:24]!r})")
            elif tag == _ORIENTATION:
                extratags.append((tag, "H", 1, 1, True))
            elif isinstance(value, (str, bytes)):
                extratags.append((tag, "s", 0, _tiff_string(value), True))
        for placeholder, tag in _TIFF_PLACEHOLDER.items():
            with contextlib.suppress(Exception):
                sub = ex.get_ifd(tag)
                if sub:
                    subifds[placeholder] = dict(sub)
                    extratags.append((placeholder, "I", 1, 0, True))
    if xmp:
        extratags.append((700, "B", len(xmp), xmp, True))
    if iptc:
        extratags.append((33723, 7, len(iptc), iptc, True))  # UNDEFINED: bytes, any byte order
    extratags.sort(key=lambda t: t[0])
    buf = io.BytesIO()
    tifffile.imwrite(buf, arr, extratags=extratags, byteorder="<", **kw)
    data = bytearray(buf.getvalue())
    if subifds:
        data = _attach_tiff_subifds(data, subifds)
    return bytes(data)


def _attach_tiff_subifds(data: bytearray, subifds: dict[int, dict]) -> bytearray:
    """Append each sub-IFD (serialised by Pillow) and point the renamed placeholder at it."""
    ifd0 = struct.unpack("<I", data[4:8])[0]
    (n,) = struct.unpack("<H", data[ifd0 : ifd0 + 2])
    for i in range(n):
        entry = ifd0 + 2 + 12 * i
        (tag,) = struct.unpack("<H", data[entry : entry + 2])
        if tag not in subifds:
            continue
        if len(data) % 2:
            data += b"\x00"
        offset = len(data)
        ifd = TiffImagePlugin.ImageFileDirectory_v2(ifh=b"II*\x00\x00\x00\x00\x00", group=_TIFF_PLACEHOLDER[tag])
        for k, v in subifds[tag].items():
            if not isinstance(v, dict):  # nested Interop IFDs are dropped
                ifd[k] = v
        data += ifd.tobytes(offset)
        data[entry : entry + 12] = struct.pack("<HHII", _TIFF_PLACEHOLDER[tag], 4, 1, offset)
    return data
