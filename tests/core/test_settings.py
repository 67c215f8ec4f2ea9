"""AppSettings round-trips and tolerates old/new/garbled stored values."""

import pytest

from denoise_desktop.engine import DEFAULT_ENSEMBLE
from denoise_desktop.settings import MAX_RECENT, AppSettings


def test_round_trip():
    s = AppSettings(device="cpu", tile=512, sigma_mode="manual", sigma=15.0, recent_files=["a.png"])
    assert AppSettings.from_dict(s.to_dict()) == s


def test_unknown_missing_and_string_values():
    s = AppSettings.from_dict({"future_key": 1, "tile": "768", "recursive": "true", "jpeg_quality": "90",
                               "strength": "0.5", "skip_existing": "garbage"})
    assert s.tile == 768 and s.recursive is True and s.jpeg_quality == 90 and s.strength == 0.5
    assert s.skip_existing is False and s.device == "auto"
    assert AppSettings.from_dict(None) == AppSettings()


def test_out_of_range_values_fall_back():
    s = AppSettings.from_dict({"sigma_mode": "weird", "output_format": "gif", "strength": 7, "tile": 3,
                               "naming": "no-stem", "jpeg_quality": 1000, "ensemble": 3})
    assert (s.sigma_mode, s.output_format, s.strength, s.tile, s.naming, s.jpeg_quality, s.ensemble) == (
        "auto", "keep", 1.0, None, "{stem}", 100, DEFAULT_ENSEMBLE)
    assert AppSettings.from_dict({"ensemble": "8"}).ensemble == 8  # QSettings strings


def test_recent_files_most_recent_first_and_bounded():
    s = AppSettings()
    for i in range(MAX_RECENT + 3):
        s.add_recent(f"{i}.png")
    s.add_recent("5.png")
    assert s.recent_files[0] == "5.png" and len(s.recent_files) == MAX_RECENT
    assert s.recent_files.count("5.png") == 1


def test_luma_chroma_grain_and_presets_round_trip():
    import json

    from denoise_desktop.blend import PRESETS, Strength

    s = AppSettings(luma_strength=0.7, chroma_strength=0.9, grain=0.2)
    assert s.blend() == Strength(0.7, 0.9, 0.2)
    s.save_preset("  My   film look ", Strength(0.4, 1.0, 0.5))
    assert s.user_presets == {"My film look": [0.4, 1.0, 0.5]}
    again = AppSettings.from_dict(s.to_dict())
    assert again == s and again.presets()["My film look"] == Strength(0.4, 1.0, 0.5)
    # QSettings keeps the presets as a JSON string
    stored = dict(s.to_dict(), user_presets=json.dumps(s.user_presets))
    assert AppSettings.from_dict(stored) == s
    assert list(s.presets())[:3] == list(PRESETS)  # built-in first
    for bad in ("Default", "   "):
        with pytest.raises(ValueError):
            s.save_preset(bad, Strength())
    assert s.delete_preset("My film look") and not s.user_presets


def test_old_single_strength_sets_both_and_bad_values_fall_back():
    s = AppSettings.from_dict({"strength": "0.6"})  # settings written before the split
    assert (s.luma_strength, s.chroma_strength, s.grain, s.strength) == (0.6, 0.6, 0.0, 0.6)
    s = AppSettings.from_dict({"strength": "0.6", "luma_strength": "0.3", "chroma_strength": 1})
    assert (s.luma_strength, s.chroma_strength) == (0.3, 1.0)  # the new keys win
    s = AppSettings.from_dict({"luma_strength": 5, "chroma_strength": -1, "grain": "nan",
                               "user_presets": '{"ok": [0.5, 0.5, 0], "bad": [2, 0, 0], "Gentle": [1, 1, 1], '
                                               '"short": [1]}'})
    assert (s.luma_strength, s.chroma_strength, s.grain) == (1.0, 0.0, 0.0)
    assert s.user_presets == {"ok": [0.5, 0.5, 0.0]}
    assert AppSettings.from_dict({"user_presets": "not json"}).user_presets == {}
    s = AppSettings()
    s.strength = 0.25
    assert s.blend().as_tuple() == (0.25, 0.25, 0.0)
