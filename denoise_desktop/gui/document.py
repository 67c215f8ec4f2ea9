"""The image being worked on: original, denoised result, optional clean reference.

A small Qt object that panels and viewers share and listen to (napari's "model emits, widgets
listen"), so the denoise panel, compare panel and viewer never call each other directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

__all__ = ["ImageDocument"]


class ImageDocument(QObject):
    original_changed = Signal()
    result_changed = Signal()
    reference_changed = Signal()
    sigma_estimated = Signal(float)  # 0–255 scale

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.original: Any = None  # imageio.ImageData
        self.original_qimage: QImage | None = None
        self.result: Any = None
        self.result_qimage: QImage | None = None
        self.result_info: dict = {}
        self.reference: Any = None
        self.reference_qimage: QImage | None = None
        self.reference_path: Path | None = None
        self.estimated_sigma: float | None = None
        self.noise_kind: str | None = None  # what Auto's estimate found: "white noise", "camera/JPEG noise"

    def has_image(self) -> bool:
        return self.original is not None

    def has_result(self) -> bool:
        return self.result is not None

    def set_original(self, path: Path | None, image: Any, qimage: QImage | None) -> None:
        """A new image: clears the result, the estimate, and a reference that is not a clean version
        of it (another size or another picture: PSNR against it would be meaningless)."""
        self.path = Path(path) if path is not None else None
        self.original, self.original_qimage = image, qimage
        self.result, self.result_qimage, self.result_info = None, None, {}
        self.estimated_sigma = self.noise_kind = None
        if self.reference is not None and not self.reference_matches(self.reference):
            self.reference = self.reference_qimage = self.reference_path = None
            self.reference_changed.emit()
        self.original_changed.emit()
        self.result_changed.emit()

    def set_result(self, image: Any, qimage: QImage | None, info: dict | None = None) -> None:
        self.result, self.result_qimage, self.result_info = image, qimage, dict(info or {})
        self.result_changed.emit()

    def clear_result(self) -> None:
        """The result no longer matches the settings (another model, σ, noise…): the canvas goes
        back to the original, and nothing stale can be saved."""
        if self.result is None:
            return
        self.result, self.result_qimage, self.result_info = None, None, {}
        self.result_changed.emit()

    def set_estimated_sigma(self, sigma: float, kind: str | None = None) -> None:
        self.estimated_sigma = float(sigma)
        if kind:
            self.noise_kind = kind
        self.sigma_estimated.emit(self.estimated_sigma)

    def reference_matches(self, reference: Any) -> bool:
        """Same size and channels, and the same picture (``metrics.same_scene``): a noisy photo
        and its clean version, not two photos that happen to share a size."""
        from ..metrics import same_scene

        if self.original is None or reference is None:
            return True
        return same_scene(self.original.pixels, reference.pixels)

    def set_reference(self, path: Path | None, image: Any, qimage: QImage | None) -> None:
        self.reference_path = Path(path) if path is not None else None
        self.reference, self.reference_qimage = image, qimage
        self.reference_changed.emit()

    def suggested_output_name(self, suffix: str | None = None) -> str:
        if self.path is None:
            return f"denoised{suffix or '.png'}"
        return f"{self.path.stem}_denoised{suffix or self.path.suffix or '.png'}"
