"""CIFAR-10 "python version" batches, read with a restricted unpickler (pickles can run code).

The reader lives in the core (``denoise_desktop.datasets``: ``eval`` reads these files too, and
the core never imports ``training``); re-exported here for the data loaders.
"""

from __future__ import annotations

from denoise_desktop.datasets import CifarError, read_cifar_batch, read_cifar_folder

__all__ = ["CifarError", "read_cifar_batch", "read_cifar_folder"]
