"""Encoders: pixels + metadata → file bytes, one function per route.

- Pillow for JPEG, WebP, BMP and 8-bit PNG (EXIF, ICC, XMP, IPTC through its own options).
- 16-bit PNG: OpenCV (libpng) encodes, the metadata chunks are inserted by hand; Pillow cannot
  write 16-bit RGB(A) PNG, OpenCV writes no metadata, and neither writes 16-bit gray + alpha.
- TIFF: tifffile (any depth, alpha, ICC, XMP, IPTC, resolution as tags); the EXIF and GPS
  sub-IFDs are appended by hand, because tifffile refuses to write their pointer tags
  (34665/34853 are in ``TIFF.TAG_FILTERED``) and libtiff rejects Pillow's.

The hand-written parts stay (issue 17, measured on a 24 MP 16-bit RGB image, 2 shared cores):
no kept library writes them (tifffile drops 34665/34853 from ``extratags``, logging it; Pillow has
no 16-bit RGB or 16-bit gray+alpha mode). exiv2 (``pyexiv2`` 2.16, a 1.6 MB wheel bundling
libexiv2) could write all of it after encoding, in ~25 lines, but it fails 5 of 84 round-trip
tests (it re-serialises the XMP packet even when told to copy only EXIF, and writes a TIFF's
garbage DateTime) and is slower: its metadata step took 0.34 s (TIFF) / 0.40 s (PNG) against
0.07 s for ``_attach_tiff_subifds`` and 0.14 s for ``_png_with_metadata``, beside 9.5 s /
4.2 s for the pixels themselves (tifffile zlib / OpenCV)."""

from __future__ import annotations

import contextlib
import io
import re
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, TiffImagePlugin

from .metadata import _EXIF_IFD, _GPS_IFD, _ORIENTATION, _TIFF_DESCRIPTIVE_TAGS, _jpeg_app13


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
