"""What the Denoise tab says about a result and an estimate, as text (Qt-free, like the CLI's line)."""

from __future__ import annotations

from denoise_desktop.engine import LOW_LEVEL, level_text, low_level_note

__all__ = ["note_little_noise", "status_line", "estimate_text"]


def note_little_noise(info: dict, auto: bool) -> None:
    """Auto found almost no noise: put the note the CLI and Batch give into ``info`` (the
    estimate was made before the run, so the engine did not add it)."""
    used = info.get("sigma_used")
    if auto and used is not None and float(used) < LOW_LEVEL and not info.get("sigma_note"):
        info["sigma_note"] = low_level_note(float(used))


def status_line(info: dict, auto: bool) -> str:
    """"Done in 1.20 s, by unet_res_color_real, σ 12.3 (estimated, camera/JPEG noise), 4 tiles, …"."""
    parts = [f"Done in {info.get('seconds', 0):.2f} s"]
    ran = info.get("model_used") or info.get("model")
    level = level_text(info, estimated=auto)
    if ran and ran not in (level or ""):  # the network that ran: a default routes between several
        parts.append(f"by {ran}")
    if level:
        parts.append(level)
    if info.get("tiles", 1) and info.get("tiles", 1) > 1:
        parts.append(f"{info['tiles']} tiles")
    if (info.get("ensemble") or 1) > 1:
        parts.append(f"{info['ensemble']} passes")
    if info.get("device"):
        parts.append(" ".join(str(info[k]) for k in ("device", "precision") if info.get(k)))
    parts += [info[k] for k in ("runtime_note", "sigma_note", "trained_on_note") if info.get(k)]
    return ", ".join(parts)


def estimate_text(sigma: float, kind: str | None, raw_on_mosaic: bool) -> str:
    """"Estimated: 12.3 (camera/JPEG noise; std. dev., 0–255)" under the σ control."""
    what = f"{kind}; std. dev., 0–255" if kind else "noise std. dev., 0–255"
    text = f"Estimated: {sigma:.1f} ({what})"
    if raw_on_mosaic:  # that level is the developed image's; the mosaic gets its own fit
        text += "; the RAW is denoised on its sensor mosaic, with the noise fitted there"
    return text
