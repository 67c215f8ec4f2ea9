"""Realistic camera noise: a clean sRGB image is taken back to a camera's raw space, noised as a
sensor would, and developed again the way a camera or a raw converter does.

clean sRGB → inverse tone curve → inverse gamma → sRGB→camera colour matrix → inverse white
balance and brightness ("unprocessing", Brooks et al., "Unprocessing Images for Learned Raw
Denoising", CVPR 2019) → Poisson–Gaussian sensor noise, shot and read levels drawn jointly as
real sensors have them across ISO → Bayer mosaic (random pattern) → demosaic (OpenCV bilinear,
edge-aware or VNG, at random) → white balance, camera→sRGB matrix, gamma, tone curve → optional
mild sharpening → in-camera noise reduction (luma a little, chroma hard) → JPEG at a random
quality with 4:2:0 or 4:4:4 chroma.

The same development without noise gives the training *target*: what a camera would have
produced from a noise-free exposure (demosaicing softens a little; the noise is what we remove,
not the camera's rendering). The *level* is the RMS of the noise in the developed sRGB image
before JPEG (0–1 scale): for plain Gaussian noise that is exactly σ, so "σ 25" means the same
thing for a PNG with AWGN, the same pixels saved as JPEG, and a camera file.

Resizing is left to the dataset's ``rescale`` option (a patch must keep its size here).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from .draws import draw

__all__ = ["CameraDraw", "draw_camera", "develop", "unprocess", "mosaic", "demosaic", "jpeg",
           "camera_pipeline", "realistic", "PATTERNS", "DEMOSAIC"]

# XYZ→camera matrices of four cameras (from Brooks et al.'s unprocessing code, Adobe DNG data).
_XYZ2CAMS = np.array([
    [[1.0234, -0.2969, -0.2266], [-0.5625, 1.6328, -0.0469], [-0.0703, 0.2188, 0.6406]],
    [[0.4913, -0.0541, -0.0202], [-0.613, 1.3513, 0.2906], [-0.1564, 0.2151, 0.7183]],
    [[0.838, -0.263, -0.0639], [-0.2887, 1.0725, 0.2496], [-0.0627, 0.1427, 0.5438]],
    [[0.6596, -0.2079, -0.0562], [-0.4782, 1.3016, 0.1933], [-0.097, 0.1581, 0.5181]],
])
_RGB2XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                     [0.2126729, 0.7151522, 0.0721750],
                     [0.0193339, 0.1191920, 0.9503041]])

# Colour of each photosite of the 2×2 cell, row-major (0 = R, 1 = G, 2 = B).
PATTERNS: dict[str, tuple[int, int, int, int]] = {
    "RGGB": (0, 1, 1, 2), "BGGR": (2, 1, 1, 0), "GRBG": (1, 0, 2, 1), "GBRG": (1, 2, 0, 1),
}
# OpenCV names a Bayer pattern by the 2×2 cell starting at its second row and column.
_CV_NAME = {"RGGB": "BG", "BGGR": "RG", "GRBG": "GB", "GBRG": "GR"}
DEMOSAIC = ("bilinear", "edge_aware", "vng")


@dataclass(frozen=True)
class CameraDraw:
    """One random camera: colour, gains, sensor noise and development choices."""

    rgb2cam: np.ndarray  # 3×3, rows sum to 1
    red_gain: float
    blue_gain: float
    brightness: float  # digital gain (exposure) undone by unprocessing
    shot: float  # variance per unit of linear signal
    read: float  # signal-independent variance
    pattern: str
    demosaic: str
    sharpen: float  # unsharp-mask amount, 0 = off
    luma_nr: float  # in-camera noise reduction: Gaussian σ (px) on the luma noise, 0 = off
    chroma_nr: float  # … and on the chroma noise (cameras smooth chroma hard: blotchy colour noise)
    jpeg_quality: int  # 0 = no JPEG
    subsampling: str  # "4:2:0" | "4:4:4"
    luma_coarse: float = 0.0  # share of the luma noise's variance held at coarse scale, 0 = none
    chroma_coarse: float = 0.0  # … of the chroma noise's
    coarse_sigma: float = 0.0  # scale (Gaussian σ, px) of that coarse part
    chroma_gain: float = 1.0  # chroma noise reduction beyond the blur: its RMS × this


def draw_camera(rng: np.random.Generator, *, shot: tuple[float, float] = (2e-5, 0.012),
                jpeg_quality: tuple[int, int] | None = (60, 98), jpeg_fraction: float = 0.85,
                sharpen_fraction: float = 0.3, nr_fraction: float = 0.8,
                coarse_fraction: float = 0.0) -> CameraDraw:
    """A camera as Brooks et al. draw it: shot noise log-uniform over ``shot``, and the read noise
    from it by the log-linear fit across ISO of real sensors (plus scatter). With probability
    ``coarse_fraction`` a noise-reduced camera also leaves low-frequency noise (see
    :func:`noise_reduction`)."""
    w = rng.uniform(1e-8, 1.0, size=len(_XYZ2CAMS))
    xyz2cam = np.tensordot(w / w.sum(), _XYZ2CAMS, axes=1)
    rgb2cam = xyz2cam @ _RGB2XYZ
    rgb2cam /= rgb2cam.sum(axis=1, keepdims=True)
    log_shot = rng.uniform(np.log(shot[0]), np.log(shot[1]))
    log_read = 2.18 * log_shot + 1.20 + rng.normal(0.0, 0.26)
    use_jpeg = bool(jpeg_quality) and rng.random() < jpeg_fraction
    nr = rng.random() < nr_fraction
    # Drawn only when asked, so that recipes without it keep their random stream.
    coarse = nr and coarse_fraction > 0 and rng.random() < coarse_fraction
    coarse_kw = dict(luma_coarse=float(rng.uniform(0.02, 0.15)), chroma_coarse=float(rng.uniform(0.3, 0.9)),
                     coarse_sigma=float(rng.uniform(3.0, 8.0)), chroma_gain=float(rng.uniform(0.4, 1.0)),
                     chroma_nr=float(rng.uniform(2.5, 6.0))) if coarse else {}
    return CameraDraw(
        rgb2cam=rgb2cam,
        red_gain=float(rng.uniform(1.9, 2.4)),
        blue_gain=float(rng.uniform(1.5, 1.9)),
        brightness=float(1.0 / np.clip(rng.normal(0.8, 0.1), 0.5, 1.2)),
        shot=float(np.exp(log_shot)),
        read=float(np.exp(log_read)),
        pattern=str(rng.choice(list(PATTERNS))),
        demosaic=str(rng.choice(DEMOSAIC)),
        sharpen=float(rng.uniform(0.2, 0.7)) if rng.random() < sharpen_fraction else 0.0,
        luma_nr=float(rng.uniform(0.4, 1.5)) if nr else 0.0,
        **({"chroma_nr": float(rng.uniform(1.5, 4.0)) if nr else 0.0} | coarse_kw),
        jpeg_quality=int(rng.integers(jpeg_quality[0], jpeg_quality[1] + 1)) if use_jpeg else 0,
        subsampling="4:2:0" if rng.random() < 0.7 else "4:4:4",
    )


def _gains(cam: CameraDraw) -> np.ndarray:
    return np.array([cam.red_gain, 1.0, cam.blue_gain], np.float32) * np.float32(cam.brightness)


def unprocess(srgb: np.ndarray, cam: CameraDraw) -> np.ndarray:
    """sRGB H×W×3 in [0, 1] → linear camera RGB before white balance."""
    x = np.clip(srgb, 0.0, 1.0).astype(np.float32)
    x = 0.5 - np.sin(np.arcsin(1.0 - 2.0 * x) / 3.0)  # inverse smoothstep tone curve
    x = np.maximum(x, 1e-8) ** 2.2
    x = x @ cam.rgb2cam.T.astype(np.float32)
    inv = 1.0 / _gains(cam)
    # Dividing by gains < 1 would clip highlights the camera never had: blend towards 1 there.
    gray = x.mean(axis=2, keepdims=True)
    mask = (np.maximum(gray - 0.9, 0.0) / 0.1) ** 2
    x = x * np.maximum(mask + (1.0 - mask) * inv, inv)
    return np.clip(x, 0.0, 1.0).astype(np.float32)


def mosaic(rgb: np.ndarray, pattern: str) -> np.ndarray:
    """H×W×3 → H×W Bayer mosaic (H and W even)."""
    p = PATTERNS[pattern]
    out = np.empty(rgb.shape[:2], np.float32)
    for k, (dy, dx) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        out[dy::2, dx::2] = rgb[dy::2, dx::2, p[k]]
    return out


def demosaic(raw: np.ndarray, pattern: str, method: str) -> np.ndarray:
    """H×W mosaic in [0, 1] → H×W×3 RGB with OpenCV. VNG only takes 8 bits, so it runs on a
    square-root companded mosaic (as many cameras store raw data), then is expanded back."""
    import cv2  # lazy: only realistic noise needs it

    suffix = {"bilinear": "", "edge_aware": "_EA", "vng": "_VNG"}[method]
    code = getattr(cv2, f"COLOR_Bayer{_CV_NAME[pattern]}2RGB{suffix}")
    if method == "vng":
        u8 = np.rint(np.sqrt(np.clip(raw, 0.0, 1.0)) * 255.0).astype(np.uint8)
        return (cv2.cvtColor(u8, code).astype(np.float32) / 255.0) ** 2
    u16 = np.rint(np.clip(raw, 0.0, 1.0) * 65535.0).astype(np.uint16)
    return cv2.cvtColor(u16, code).astype(np.float32) / 65535.0


def develop(cam_rgb: np.ndarray, cam: CameraDraw) -> np.ndarray:
    """Linear camera RGB → sRGB in [0, 1] (white balance, colour matrix, gamma, tone curve)."""
    x = np.clip(cam_rgb * _gains(cam), 0.0, 1.0)
    x = np.clip(x @ np.linalg.inv(cam.rgb2cam).T.astype(np.float32), 0.0, 1.0)
    x = np.maximum(x, 1e-8) ** (1.0 / 2.2)
    x = 3.0 * x * x - 2.0 * x * x * x  # smoothstep tone curve
    if cam.sharpen > 0:
        x = _unsharp(x, cam.sharpen)
    return x.astype(np.float32)


_YCC = np.array([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]], np.float32)


def noise_reduction(noise: np.ndarray, luma_sigma: float, chroma_sigma: float, luma_coarse: float = 0.0,
                    chroma_coarse: float = 0.0, coarse_sigma: float = 0.0, chroma_gain: float = 1.0) -> np.ndarray:
    """A camera's noise reduction as it acts on the noise: an edge-preserving filter leaves the
    image's edges and smooths the noise, luma a little and chroma hard. Modelled on the noise
    itself (Gaussian blur in YCbCr), it makes luma noise correlated over a pixel or two and
    colour noise into soft blotches, as in-camera JPEGs show them (PolyU: lag-1 correlation
    0.7 in Y, 0.9 in Cb/Cr, chroma noise well below luma noise).

    Cameras' multi-scale noise reduction removes fine noise more than coarse noise, and what is
    left is blotchy at several pixels: ``*_coarse`` is the share of each channel's variance put
    at scale ``coarse_sigma`` (PolyU's Canon noise keeps 12 % of its luma variance and 36 % of
    its chroma variance after a Gaussian blur of σ 4 px; without this part, 5 % and 22 %), and
    ``chroma_gain`` scales the chroma noise down (PolyU: chroma RMS 0.4× luma; blur alone, 0.6×)."""
    import cv2

    def blur(x: np.ndarray, s: float) -> np.ndarray:
        return cv2.GaussianBlur(np.ascontiguousarray(x), (0, 0), s, borderType=cv2.BORDER_REFLECT)

    ycc = noise @ _YCC.T
    for c, s, share in ((0, luma_sigma, luma_coarse), (1, chroma_sigma, chroma_coarse), (2, chroma_sigma, chroma_coarse)):
        fine = blur(ycc[..., c], s) if s > 0 else ycc[..., c]
        if share > 0 and coarse_sigma > 0:
            # The same sensor noise, seen at a coarse scale (keeps its brightness dependence),
            # scaled to hold ``share`` of the channel's variance.
            coarse = blur(ycc[..., c], coarse_sigma)
            ratio = np.sqrt(share / (1.0 - share) * (fine.var() + 1e-12) / (coarse.var() + 1e-12))
            mixed = fine + np.float32(ratio) * coarse
            fine = mixed * np.float32(np.sqrt((fine.var() + 1e-12) / (mixed.var() + 1e-12)))
        if c and chroma_gain != 1.0:
            fine = fine * np.float32(chroma_gain)
        ycc[..., c] = fine
    return ycc @ np.linalg.inv(_YCC).T.astype(np.float32)


def _unsharp(x: np.ndarray, amount: float) -> np.ndarray:
    import cv2

    blur = cv2.GaussianBlur(x, (0, 0), 1.0, borderType=cv2.BORDER_REFLECT)
    return np.clip(x + amount * (x - blur), 0.0, 1.0)


def jpeg(img: np.ndarray, quality: int, subsampling: str = "4:2:0") -> np.ndarray:
    """An 8-bit JPEG round trip with Pillow (H×W×C in [0, 1], C = 1 or 3)."""
    from PIL import Image

    u8 = np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)
    im = Image.fromarray(u8[..., 0] if u8.shape[2] == 1 else u8)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=int(quality), subsampling=2 if subsampling == "4:2:0" else 0)
    buf.seek(0)
    with Image.open(buf) as dec:
        out = np.asarray(dec, dtype=np.float32) / 255.0
    return out[..., None] if out.ndim == 2 else out


def _gray(x: np.ndarray) -> np.ndarray:  # BT.601 luma, as training.data.cache.to_channels
    return (x @ np.array([0.299, 0.587, 0.114], np.float32))[..., None]


def camera_pipeline(clean: np.ndarray, rng: np.random.Generator, cam: CameraDraw | None = None,
                    jpeg_target: bool = True, **draw_kw: Any) -> tuple[np.ndarray, float, np.ndarray]:
    """``(noisy, level, target)`` for a clean H×W×C patch (C = 3, or 1: a gray photo is the
    luma of a colour camera's output). ``noisy`` is 8-bit quantised. With ``jpeg_target`` a
    JPEG'd sample's target is the noise-free development JPEG'd the same way: at quality 60–80
    JPEG alone moves a detailed photo by 6 RMS, and a denoiser asked to undo that learns to
    sharpen chroma that no camera file had (real pairs' references are JPEGs too)."""
    cam = cam or draw_camera(rng, **draw_kw)
    gray = clean.shape[2] == 1
    rgb = np.repeat(clean, 3, axis=2) if gray else clean
    h, w = rgb.shape[:2]
    he, we = h + (h & 1), w + (w & 1)  # the mosaic needs even sizes
    if (he, we) != (h, w):
        rgb = np.pad(rgb, ((0, he - h), (0, we - w), (0, 0)), mode="reflect")
    lin = unprocess(rgb, cam)
    raw = mosaic(lin, cam.pattern)
    noisy_raw = raw + rng.standard_normal(raw.shape, dtype=np.float32) * np.sqrt(
        np.maximum(raw, 0.0) * cam.shot + cam.read).astype(np.float32)
    target = develop(demosaic(raw, cam.pattern, cam.demosaic), cam)[:h, :w]
    noisy = develop(demosaic(noisy_raw, cam.pattern, cam.demosaic), cam)[:h, :w]
    if cam.luma_nr or cam.chroma_nr:
        noisy = np.clip(target + noise_reduction(noisy - target, cam.luma_nr, cam.chroma_nr, cam.luma_coarse,
                                                 cam.chroma_coarse, cam.coarse_sigma, cam.chroma_gain), 0.0, 1.0)
    if gray:
        target, noisy = _gray(target), _gray(noisy)
    noisy = np.clip(np.rint(noisy * 255.0), 0, 255) / 255.0
    level = float(np.sqrt(np.mean((noisy.astype(np.float64) - target) ** 2)))
    if cam.jpeg_quality:
        noisy = jpeg(noisy, cam.jpeg_quality, cam.subsampling)
        if jpeg_target:  # the camera JPEGs a clean exposure too: remove the noise, not the format
            target = jpeg(target, cam.jpeg_quality, cam.subsampling)
    return noisy.astype(np.float32), level, np.ascontiguousarray(target, dtype=np.float32)


def realistic(clean: np.ndarray, rng: np.random.Generator, *, sigma: Any = (0, 55),
              awgn_fraction: float = 0.3, jpeg_quality: list[int] | None = None,
              jpeg_fraction: float = 0.85, shot: list[float] | None = None, nr_fraction: float = 0.8,
              jpeg_target: bool = True, coarse_fraction: float = 0.0, **_: Any) -> tuple[np.ndarray, float, np.ndarray]:
    """The training mix: with probability ``awgn_fraction`` plain Gaussian σ (0–255, a range =
    uniform draw) on the 8-bit grid, JPEG'd like a camera file with probability
    ``jpeg_fraction`` (level = σ); otherwise :func:`camera_pipeline`."""
    q = tuple(jpeg_quality) if jpeg_quality else (60, 98)
    if rng.random() < awgn_fraction:
        s = draw(list(sigma) if isinstance(sigma, (list, tuple)) else sigma, rng) / 255.0
        noisy = clean + rng.standard_normal(clean.shape, dtype=np.float32) * np.float32(s)
        noisy = np.clip(np.rint(noisy * 255.0), 0, 255).astype(np.float32) / 255.0
        if rng.random() < jpeg_fraction:
            noisy = jpeg(noisy, int(rng.integers(q[0], q[1] + 1)), "4:2:0" if rng.random() < 0.7 else "4:4:4")
        return noisy.astype(np.float32), float(s), clean
    lo, hi = (shot or (2e-5, 0.012))[:2]
    return camera_pipeline(clean, rng, shot=(float(lo), float(hi)), jpeg_quality=q, jpeg_fraction=jpeg_fraction,
                           nr_fraction=nr_fraction, jpeg_target=jpeg_target, coarse_fraction=coarse_fraction)
