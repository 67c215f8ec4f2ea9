"""The training module run as a child process (``QProcess``), spoken to through JSON lines.

Training runs in its own process so a crash, an out-of-memory error or a hung CUDA driver can
never take the app down, and so the GUI's event loop never competes with the trainer's Python
threads for the GIL. The child prints one JSON event per line on stdout (``--events -``,
schema in ``training.events``); its stderr (warnings, tracebacks) goes to the log view.

Stopping follows Vorta's escalation: ask politely ("stop" on stdin: the trainer saves a
checkpoint and exits 0), then ``terminate()`` (SIGTERM), then ``kill()``, each after a timeout.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Mapping, Sequence

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from denoise_desktop import paths
from training.events import parse_line

__all__ = ["TrainingProcess", "training_command"]

_MAX_PARTIAL_LINE = 1 << 20  # a line longer than 1 MiB is garbage, not an event


def training_command(
    recipe: str | os.PathLike | None,
    *,
    overrides: Mapping[str, object] | None = None,
    resume: str | os.PathLike | None = None,
    run_dir: str | os.PathLike | None = None,
    device: str | None = None,
) -> list[str]:
    """The argv that starts the trainer with events on stdout.

    From source: ``python -m training ...``; in a frozen bundle the app's own executable
    dispatches ``train`` to ``training.cli`` (there is no ``-m`` in a PyInstaller build).
    """
    if paths.is_frozen():
        argv = [sys.executable, "train"]
    else:
        argv = [sys.executable, "-m", "training"]
    if recipe is not None:
        argv.append(str(recipe))
    argv += ["--events", "-"]
    for key, value in (overrides or {}).items():
        argv += ["--set", f"{key}={_format_value(value)}"]
    if resume is not None:
        argv += ["--resume", str(resume)]
    if run_dir is not None:
        argv += ["--run-dir", str(run_dir)]
    if device is not None:
        argv += ["--device", device]
    return argv


def _format_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} = {_format_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (str, os.PathLike)):
        text = str(value)
        # TOML-ish literal so paths with spaces, colons or commas survive the --set parser.
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


class TrainingProcess(QObject):
    """One child process; emits parsed events, raw stderr and how it ended.

    ``finished(exit_code, how)``: ``how`` is ``"exited"`` (it ended by itself or after "stop"),
    ``"terminated"``, ``"killed"`` (we escalated) or ``"crashed"`` (it died on its own).
    """

    started = Signal()
    # All events of one stdout read, in order: one emit per chunk, not per line, so a trainer
    # printing thousands of events a second costs the event loop a few calls per second.
    events_received = Signal(list)
    stdout_text = Signal(str)  # stdout lines that are not events (prints from libraries), joined
    stderr_text = Signal(str)
    finished = Signal(int, str)
    error_occurred = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        stop_timeout_ms: int = 120_000,  # a stop saves a checkpoint and exports: give it time
        terminate_timeout_ms: int = 5_000,
    ) -> None:
        super().__init__(parent)
        self.stop_timeout_ms = stop_timeout_ms
        self.terminate_timeout_ms = terminate_timeout_ms
        self._proc: QProcess | None = None
        self._buffer = bytearray()
        self._escalation = ""  # "", "stop", "terminate", "kill"
        self._escalate_timer = QTimer(self)
        self._escalate_timer.setSingleShot(True)
        self._escalate_timer.timeout.connect(self._escalate)
        self.command: list[str] = []

    # -- control --------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.state() != QProcess.ProcessState.NotRunning

    @property
    def escalation(self) -> str:
        """How far stopping has gone: "", "stop", "terminate" or "kill"."""
        return self._escalation

    def start(
        self,
        command: Sequence[str],
        *,
        cwd: str | os.PathLike | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if self.is_running():
            raise RuntimeError("a training process is already running")
        if not command:
            raise ValueError("empty command")
        self.command = [str(c) for c in command]
        self._buffer.clear()
        self._escalation = ""
        proc = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        environment.insert("PYTHONUNBUFFERED", "1")  # events must not sit in a pipe buffer
        environment.insert("PYTHONIOENCODING", "utf-8")
        for key, value in (env or {}).items():
            environment.insert(key, value)
        proc.setProcessEnvironment(environment)
        if cwd is not None:
            proc.setWorkingDirectory(str(cwd))
        proc.readyReadStandardOutput.connect(self._read_stdout)
        proc.readyReadStandardError.connect(self._read_stderr)
        proc.finished.connect(self._on_finished)
        proc.errorOccurred.connect(self._on_error)
        proc.started.connect(self.started)
        self._proc = proc
        proc.start(self.command[0], self.command[1:])

    def stop(self) -> None:
        """Ask the trainer to save and exit; escalate if it does not within the timeouts."""
        if not self.is_running() or self._escalation:
            return
        self._escalation = "stop"
        assert self._proc is not None
        self._proc.write(b"stop\n")
        self._escalate_timer.start(self.stop_timeout_ms)

    def force_stop(self) -> None:
        """Skip the wait: escalate now (terminate, or kill if already terminating)."""
        if not self.is_running():
            return
        if not self._escalation:
            self._escalation = "stop"
        self._escalate_timer.stop()
        self._escalate()

    def kill(self) -> None:
        """Immediate kill (app quitting with no time to wait)."""
        if self.is_running():
            assert self._proc is not None
            self._escalation = "kill"
            self._proc.kill()

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the child ends (for shutdown paths and tests); True if it ended."""
        if self._proc is None:
            return True
        return self._proc.state() == QProcess.ProcessState.NotRunning or self._proc.waitForFinished(msecs)

    def _escalate(self) -> None:
        if not self.is_running():
            return
        assert self._proc is not None
        if self._escalation == "stop" and sys.platform != "win32":
            # terminate() on Windows posts WM_CLOSE, which a console child never reads.
            self._escalation = "terminate"
            self._proc.terminate()
            self._escalate_timer.start(self.terminate_timeout_ms)
        else:
            self._escalation = "kill"
            self._proc.kill()

    # -- output ---------------------------------------------------------------------------
    def _read_stdout(self) -> None:
        if self._proc is None:
            return
        self._buffer += bytes(self._proc.readAllStandardOutput())
        self._drain(final=False)

    def _drain(self, *, final: bool) -> None:
        events: list = []
        other: list[str] = []
        while True:
            nl = self._buffer.find(b"\n")
            if nl < 0:
                break
            line = self._buffer[:nl].decode("utf-8", errors="replace").rstrip("\r")
            del self._buffer[: nl + 1]
            self._handle_line(line, events, other)
        if final and self._buffer:
            line = self._buffer.decode("utf-8", errors="replace")
            self._buffer.clear()
            self._handle_line(line, events, other)
        elif len(self._buffer) > _MAX_PARTIAL_LINE:
            other.append(self._buffer[:200].decode("utf-8", errors="replace") + "… (over-long line dropped)")
            self._buffer.clear()
        if other:
            self.stdout_text.emit("\n".join(other))
        if events:
            self.events_received.emit(events)

    @staticmethod
    def _handle_line(line: str, events: list, other: list[str]) -> None:
        if not line.strip():
            return
        try:
            event = parse_line(line)
        except Exception as exc:  # a malformed event must not kill the reader
            other.append(f"{line}  [unreadable event: {exc}]")
            return
        if event is None:
            other.append(line)
        else:
            events.append(event)

    def _read_stderr(self) -> None:
        if self._proc is None:
            return
        text = bytes(self._proc.readAllStandardError()).decode("utf-8", errors="replace")
        if text:
            self.stderr_text.emit(text)

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._proc is not None:
            self._escalate_timer.stop()
            message = f"could not start {Path(self.command[0]).name}: {self._proc.errorString()}"
            self.error_occurred.emit(message)
            self.finished.emit(-1, "failed-to-start")
            self._proc.deleteLater()
            self._proc = None

    def _on_finished(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        self._escalate_timer.stop()
        if self._proc is not None:
            self._buffer += bytes(self._proc.readAllStandardOutput())
            rest = bytes(self._proc.readAllStandardError()).decode("utf-8", errors="replace")
            if rest:
                self.stderr_text.emit(rest)
        self._drain(final=True)
        if self._escalation in ("terminate", "kill"):
            how = "terminated" if self._escalation == "terminate" else "killed"
        elif exit_status == QProcess.ExitStatus.CrashExit:
            how = "crashed"
        else:
            how = "exited"
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.deleteLater()
        self.finished.emit(int(exit_code), how)
