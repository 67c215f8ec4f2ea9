"""Metadata shared by reading and writing: EXIF, XMP, IPTC, ICC, resolution, orientation.

Pixels are always stored display-oriented (``read`` applies the EXIF orientation), so every
EXIF or XMP orientation that travels with them is rewritten to 1. EXIF travels as the file's own
bytes ("Exif\\0\\0" + TIFF block) where possible, so maker notes survive; a TIFF's IFD0 keeps only
its descriptive tags (not strip offsets). Helpers here never raise on damaged metadata: they
return None and the caller notes it."""

from __future__ import annotations

import re
import struct

from PIL import Image

_ORIENTATION = 0x0112
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
# IFD0 tags of a TIFF that describe the picture rather than its storage layout; only these are
# carried over as "EXIF" from a TIFF source.
_TIFF_DESCRIPTIVE_TAGS = (270, 271, 272, 274, 305, 306, 315, 33432)


# --------------------------------------------------------------------------------------------
# reading


def _dpi(value) -> tuple[float, float] | None:
    try:
        x, y = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    # PNG/BMP store pixels per metre: 300 dpi comes back as 299.9994
    return (round(x, 1), round(y, 1)) if x > 0 and y > 0 else None


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


def _jpeg_app13(iptc: bytes) -> bytes | None:
    """An APP13 "Photoshop 3.0" segment holding one IPTC-NAA resource (what readers look for)."""
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    if len(iptc) % 2:
        resource += b"\x00"
    payload = b"Photoshop 3.0\x00" + resource
    if len(payload) + 2 > 65535:
        return None  # would need several segments; rare enough to drop
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload

