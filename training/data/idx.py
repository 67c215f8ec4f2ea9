"""MNIST / Fashion-MNIST IDX files (``.gz`` or raw), checked against their magic numbers.

The reader lives in the core (``denoise_desktop.datasets``: ``eval`` reads these files too, and
the core never imports ``training``); re-exported here for the data loaders.
"""

from __future__ import annotations

from denoise_desktop.datasets import IdxError, read_idx, read_idx_images

__all__ = ["IdxError", "read_idx", "read_idx_images"]
