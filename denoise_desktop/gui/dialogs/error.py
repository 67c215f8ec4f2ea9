"""Show a worker's failure without killing the app: a message, with the traceback under Details."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from ..workers import ErrorInfo

__all__ = ["show_error", "error_text"]


def error_text(error: ErrorInfo | BaseException | str) -> tuple[str, str]:
    """(what to tell the user, technical details)."""
    if isinstance(error, ErrorInfo):
        return (error.message or error.type_name), error.traceback
    if isinstance(error, BaseException):
        info = ErrorInfo.from_exception(error)
        return (info.message or info.type_name), info.traceback
    return str(error), ""


def show_error(parent: QWidget | None, title: str, error: ErrorInfo | BaseException | str) -> QMessageBox:
    """Modal error box (tests patch this function so nothing blocks)."""
    text, details = error_text(error)
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setDetailedText(details)
    box.exec()
    return box
