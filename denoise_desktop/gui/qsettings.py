"""``AppSettings`` ⇄ ``QSettings()``: the only module in the project that touches QSettings.

The no-argument ``QSettings()`` constructor is used on purpose: it takes the organisation and
application names set in ``app.py`` and honours ``QSettings.setDefaultFormat``/``setPath``, which
is how the tests redirect every write into ``tmp_path`` (``QSettings(org, app)`` would ignore
that and write into the real user profile).

Besides the ``AppSettings`` fields (under ``settings/``) this keeps GUI-only state under
``window/`` (geometry, dock/toolbar state, splitter positions) and ``gui/`` (small extras such as
the last reference-image folder).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from denoise_desktop.settings import AppSettings

__all__ = [
    "load_settings",
    "save_settings",
    "load_bytes",
    "save_bytes",
    "get_value",
    "set_value",
    "settings_file",
    "configure_from_env",
    "SETTINGS_DIR_ENV",
]

#: a folder for settings as INI files instead of the OS store (portable installs, smoke tests)
SETTINGS_DIR_ENV = "DENOISE_DESKTOP_SETTINGS_DIR"

_SETTINGS_GROUP = "settings"
_LEGACY_STRENGTH = "strength"


def configure_from_env() -> bool:
    """Honour ``DENOISE_DESKTOP_SETTINGS_DIR``; call before the first ``QSettings()``."""
    import os

    folder = os.environ.get(SETTINGS_DIR_ENV)
    if not folder:
        return False
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, folder)
    return True


def _qs() -> QSettings:
    return QSettings()


def load_settings() -> AppSettings:
    """The saved preferences; defaults for anything missing or unreadable."""
    qs = _qs()
    qs.beginGroup(_SETTINGS_GROUP)
    data: dict[str, Any] = {}
    for f in dataclasses.fields(AppSettings):
        if qs.contains(f.name):
            data[f.name] = qs.value(f.name)
    if qs.contains(_LEGACY_STRENGTH):  # one strength, from before luma/colour were apart
        data[_LEGACY_STRENGTH] = qs.value(_LEGACY_STRENGTH)
    qs.endGroup()
    if "recent_files" in data:
        data["recent_files"] = _as_list(data["recent_files"])
    return AppSettings.from_dict(data)


def save_settings(settings: AppSettings) -> None:
    qs = _qs()
    qs.beginGroup(_SETTINGS_GROUP)
    for key, value in settings.to_dict().items():
        if value is None:
            qs.setValue(key, "")  # INI files cannot hold None; from_dict maps "" back to None
        elif isinstance(value, list):
            qs.setValue(key, [str(v) for v in value])
        elif isinstance(value, dict):
            qs.setValue(key, json.dumps(value))  # user presets: one string in every format
        else:
            qs.setValue(key, value)
    qs.remove(_LEGACY_STRENGTH)  # luma_strength/chroma_strength say it now
    qs.endGroup()
    qs.sync()


def _as_list(value: Any) -> list[str]:
    """QSettings returns a str for a one-element list and None for an empty one in INI files."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def save_bytes(key: str, data: QByteArray | bytes) -> None:
    """Opaque Qt state (``saveGeometry``/``saveState``) under ``window/<key>``."""
    qs = _qs()
    qs.setValue(f"window/{key}", QByteArray(data))
    qs.sync()


def load_bytes(key: str) -> QByteArray | None:
    value = _qs().value(f"window/{key}")
    if isinstance(value, QByteArray) and not value.isEmpty():
        return value
    if isinstance(value, (bytes, bytearray)) and value:
        return QByteArray(bytes(value))
    return None


def get_value(key: str, default: Any = None, type_: type | None = None) -> Any:
    """A small GUI-only value under ``gui/<key>``, converted to ``type_`` (or the default's type)."""
    value = _qs().value(f"gui/{key}", default)
    want = type_ or (type(default) if default is not None else None)
    if value is None or want is None or isinstance(value, want):
        return value
    try:
        if want is bool and isinstance(value, str):
            return value.lower() in ("true", "1", "yes")
        if want is list:
            return _as_list(value)
        return want(value)
    except (TypeError, ValueError):
        return default


def set_value(key: str, value: Any) -> None:
    qs = _qs()
    qs.setValue(f"gui/{key}", value)
    qs.sync()


def settings_file() -> str:
    """Where the settings live (shown in the About dialog)."""
    return _qs().fileName()
