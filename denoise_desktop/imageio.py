"""Reading and writing images faithfully: bit depth, alpha, EXIF, ICC, orientation.

CONTRACT (other modules rely on it; implementation to be completed):

    ImageData(pixels, alpha, bit_depth, format, exif, icc_profile, source)
        pixels: H×W×C numpy array, C in {1, 3}, RGB order, dtype uint8 (bit_depth 8) or
                uint16 (bit_depth 16); already rotated per EXIF orientation
        alpha:  H×W array of the same dtype, or None (passes through untouched)
        format: "PNG" | "JPEG" | "TIFF" | "BMP" | "WEBP"
        exif:   raw EXIF bytes with orientation reset to 1, or None
        icc_profile: bytes or None
    ImageData.to_float() -> float32 H×W×C in [0, 1]
    ImageData.with_pixels(float_array) -> ImageData  (quantised back to the same bit depth,
                                                      same alpha/metadata)
    read_image(path) -> ImageData              raises ImageReadError(path, reason)
    write_image(img, path, *, format=None, quality=95, keep_metadata=True, bit_depth=None)
        atomic (temp file in the same folder, then os.replace); raises ImageWriteError
    atomic_write(path) -> context manager yielding a temp Path; renamed on success, removed on error
    SUPPORTED_EXTENSIONS: frozenset of lower-case suffixes (".png", ".jpg", ...)
    format_for_suffix(suffix) / suffix_for_format(fmt)
"""
