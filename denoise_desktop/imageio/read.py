"""Reading: ``read_image`` and its decoders (Pillow, OpenCV, tifffile; RAW goes to ``raw``).

The format is sniffed from the file's first bytes (not its suffix). Pillow opens everything it
can; 16-bit PNG and high-bit-depth TIFF are decoded with OpenCV / tifffile because Pillow
reduces 16-bit RGB to 8 bit. Pixels come back as RGB (or gray) uint8/uint16, rotated per EXIF
orientation; alpha is split off and passed through untouched. Multi-frame files (animated
GIF/PNG/WebP, multipage TIFF) give their first frame; ``frames`` records how many and ``notes``
says so. GIF is read (first frame, as RGB/RGBA) but not written: it is palette-based, so a GIF's
output is PNG.
Float TIFFs are converted to 16 bit: data within [0, 1] maps to 0..65535, data beyond 1 is first
divided by its maximum (negative values clip to 0).
Every decoder failure (Pillow, OpenCV, tifffile, zlib, struct...) becomes ``ImageReadError``
whose message names the file and says why."""

from __future__ import annotations

import io
import logging
import os
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from ..progress import Cancelled
from .errors import ImageReadError
from .formats import (
    _READ_ONLY_FORMATS,
    _SUFFIX_BY_FORMAT,
    MAX_PIXELS,
    RAW_EXTENSIONS,
    _sniff,
    declared_size_problem,
    format_for_suffix,
)
from .image_data import ImageData
from .metadata import (
    _ORIENTATION,
    _as_bytes,
    _dpi,
    _exif_for_tiff,
    _exif_raw,
    _jpeg_iptc,
    _safe_exif,
    _tiff_ifd0_as_exif,
    _xmp_orientation_1,
)
from .raw import read_raw

# A damaged file gets one line from us (ImageReadError); the decoders' own chatter before it —
# tifffile's "<TiffPages @33464> invalid offset…", Pillow's "Corrupt EXIF data" warning, OpenCV's
# libtiff "[ERROR…] TIFFFetchDirectory" (``quiet_opencv``) — says the same thing less clearly.
logging.getLogger("tifffile").setLevel(logging.ERROR)
warnings.filterwarnings("ignore", message="Corrupt EXIF data", category=UserWarning)

# Pillow's own bomb guard warns above its limit and errors above twice that; align it with ours
# (the warning is turned into an error while opening, see ``_decode``).
if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < MAX_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS


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
    problem = declared_size_problem(width, height, len(data), fmt)
    if problem:  # before any pixel is decoded
        raise ImageReadError(path, problem)

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


def _frame_count(im: Image.Image) -> int:
    try:
        return int(getattr(im, "n_frames", 1))
    except Exception:  # counting frames parses the whole file; a broken tail is not our problem
        return 1


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


def quiet_opencv():
    """OpenCV with its own log off: a damaged file makes libtiff/libpng print lines such as
    "[ERROR:0@0.035] … TIFFFetchDirectory: Seek error" before our one-line reason, which says it."""
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    return cv2


def _decode_cv2(data: bytes, gray_alpha: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    cv2 = quiet_opencv()

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

