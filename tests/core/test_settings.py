"""AppSettings round-trips and tolerates old/new/garbled stored values."""

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
