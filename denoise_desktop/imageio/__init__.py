"""Reading and writing images faithfully: bit depth, alpha, EXIF, ICC, orientation.

The public names live here; each concern has its own module:

- ``formats``: suffix/format tables, ``MAX_PIXELS``, RAW/readable/supported suffixes, sniffing.
- ``errors``: ``ImageIOError`` and its ``ImageReadError`` / ``ImageWriteError``.
- ``image_data``: ``ImageData``, decoded pixels plus what must survive a round trip.
- ``metadata``: EXIF/XMP/IPTC/ICC/resolution/orientation helpers shared by reading and writing.
- ``read``: ``read_image`` and its decoders (Pillow, OpenCV, tifffile).
- ``raw``: camera RAW develop with LibRaw (``rawpy``, imported only when developing).
- ``write``: ``write_image``: format, depth, metadata, field-by-field fallback.
- ``encode``: the encoders (Pillow, 16-bit PNG, TIFF through tifffile).
- ``atomic``: ``atomic_write``, ``remove_stale_temps``, ``is_complete_image``.

Importing the package loads Pillow and numpy, not OpenCV, tifffile or rawpy (each is imported
by the first read or write that needs it).
"""

from __future__ import annotations

from .atomic import TEMP_PREFIX, TEMP_SUFFIX, atomic_write, is_complete_image, remove_stale_temps
from .errors import ImageIOError, ImageReadError, ImageWriteError
from .formats import (
    MAX_PIXELS,
    RAW_EXTENSIONS,
    READABLE_EXTENSIONS,
    SUPPORTED_EXTENSIONS,
    format_for_suffix,
    is_supported,
    output_suffix_for,
    suffix_for_format,
)
from .image_data import ImageData
from .read import read_image
from .write import write_image

__all__ = [
    "ImageData",
    "ImageIOError",
    "ImageReadError",
    "ImageWriteError",
    "MAX_PIXELS",
    "RAW_EXTENSIONS",
    "READABLE_EXTENSIONS",
    "SUPPORTED_EXTENSIONS",
    "TEMP_PREFIX",
    "TEMP_SUFFIX",
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
