"""The errors of reading and writing: each names the file and says why."""

from __future__ import annotations

import os
from pathlib import Path


class ImageIOError(Exception):
    """Base class: ``path`` and ``reason`` are kept for callers that format their own message."""

    verb = "access"

    def __init__(self, path: os.PathLike | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"cannot {self.verb} '{path}': {reason}")


class ImageReadError(ImageIOError):
    verb = "read"


class ImageWriteError(ImageIOError):
    verb = "write"

