"""TaskRunner: outcomes, progress throttling, generators, lanes, cancel, pause, shutdown."""

from __future__ import annotations

import threading
import time

import pytest

from denoise_desktop.gui.workers import ErrorInfo, Task, TaskRunner
from denoise_desktop.progress import Cancelled


def _add(a, b, *, progress):
    progress.set(0.5, "half")
    return a + b


def test_finished_result_and_progress(qtbot, runner):
    seen = []
    task = runner.submit(_add, 2, 3)
    task.signals.progress.connect(lambda f, m: seen.append((f, m)))
    with qtbot.waitSignal(task.signals.finished, timeout=5000) as blocker:
        pass
    assert blocker.args == [5]
    assert task.done and task.state == Task.FINISHED
    qtbot.waitUntil(lambda: seen == [(0.5, "half")], timeout=2000)


def test_runs_off_the_gui_thread(qtbot, runner):
    def which(*, progress):
        return threading.current_thread() is threading.main_thread()

    task = runner.submit(which)
    with qtbot.waitSignal(task.signals.finished, timeout=5000) as blocker:
        pass
    assert blocker.args == [False]


def test_failure_reports_error_info(qtbot, runner):
    def boom(*, progress):
        raise ValueError("bad pixels in x.png")

    task = runner.submit(boom)
    with qtbot.waitSignal(task.signals.failed, timeout=5000) as blocker:
        pass
    info = blocker.args[0]
    assert isinstance(info, ErrorInfo)
    assert info.type_name == "ValueError" and "x.png" in info.message
    assert "boom" in info.traceback
    # the runner is still usable afterwards
    task2 = runner.submit(_add, 1, 1)
    with qtbot.waitSignal(task2.signals.finished, timeout=5000):
        pass


def test_progress_is_throttled(qtbot, runner):
    def chatty(*, progress):
        for i in range(2000):
            progress.set(i / 2000, "step")
        progress.set(1.0, "done")

    seen = []
    task = runner.submit(chatty)
    task.signals.progress.connect(lambda f, m: seen.append(f))
    with qtbot.waitSignal(task.signals.ended, timeout=5000):
        pass
    qtbot.waitUntil(lambda: seen and seen[-1] == 1.0, timeout=2000)
    assert len(seen) < 200  # 2000 updates collapse to a handful


def test_generator_yields_then_finishes(qtbot, runner):
    def gen(n, *, progress):
        for i in range(n):
            yield i
        return "all"

    values = []
    task = runner.submit(gen, 4)
    task.signals.yielded.connect(values.append)
    with qtbot.waitSignal(task.signals.finished, timeout=5000) as blocker:
        pass
    assert blocker.args == ["all"]
    qtbot.waitUntil(lambda: values == [0, 1, 2, 3], timeout=2000)


def test_cancel_running_generator(qtbot, runner):
    gate = threading.Event()

    def slow(*, progress):
        for i in range(10_000):
            gate.wait(0.01)
            yield i

    task = runner.submit(slow)
    qtbot.waitUntil(lambda: task.state == Task.RUNNING, timeout=5000)
    with qtbot.waitSignal(task.signals.cancelled, timeout=5000):
        task.cancel()
    assert task.state == Task.CANCELLED


def test_same_lane_is_serial_and_preview_replaces(qtbot, runner):
    active = []
    overlap = []
    release = threading.Event()

    def job(name, *, progress):
        active.append(name)
        if len(active) > 1:
            overlap.append(tuple(active))
        while not release.is_set():
            progress.check_cancelled()
            time.sleep(0.005)
        active.remove(name)
        return name

    a = runner.submit(job, "a", lane="compute")
    b = runner.submit(job, "b", lane="compute")
    qtbot.waitUntil(lambda: a.state == Task.RUNNING, timeout=5000)
    assert b.state == Task.QUEUED
    release.set()
    with qtbot.waitSignal(b.signals.finished, timeout=5000):
        pass
    assert overlap == []

    release.clear()
    p1 = runner.submit(job, "p1", lane="preview")
    qtbot.waitUntil(lambda: p1.state == Task.RUNNING, timeout=5000)
    with qtbot.waitSignal(p1.signals.cancelled, timeout=5000):
        p2 = runner.submit(job, "p2", lane="preview")
    with qtbot.waitSignal(p2.signals.finished, timeout=5000):
        release.set()


def test_cancel_queued_reports_at_once(qtbot, runner):
    release = threading.Event()

    def hold(*, progress):
        release.wait(5)

    first = runner.submit(hold, lane="x")
    queued = runner.submit(_add, 1, 2, lane="x")
    with qtbot.waitSignal(queued.signals.cancelled, timeout=2000):
        queued.cancel()
    with qtbot.waitSignal(first.signals.finished, timeout=5000):
        release.set()  # inside the block: the outcome must not arrive before we listen


def test_pause_blocks_until_resume(qtbot, runner):
    steps = []

    def stepper(*, progress):
        for i in range(200):
            progress.check_cancelled()
            steps.append(i)
            time.sleep(0.002)

    task = runner.submit(stepper)
    qtbot.waitUntil(lambda: len(steps) > 2, timeout=5000)
    task.pause()
    qtbot.wait(50)
    frozen = len(steps)
    qtbot.wait(100)
    assert len(steps) <= frozen + 1
    with qtbot.waitSignal(task.signals.finished, timeout=5000):
        task.resume()
    assert len(steps) == 200


def test_shutdown_cancels_and_waits(qtbot):
    r = TaskRunner()

    def forever(*, progress):
        while True:
            progress.check_cancelled()
            time.sleep(0.005)

    task = r.submit(forever)
    qtbot.waitUntil(lambda: task.state == Task.RUNNING, timeout=5000)
    assert r.shutdown(5000)
    assert task.state == Task.CANCELLED
    with pytest.raises(RuntimeError):
        r.submit(_add, 1, 2)


def test_slots_connected_after_submit_never_miss_the_outcome(qtbot, runner):
    # A task that ends at once must not finish before the caller connected its slots.
    task = runner.submit(_add, 1, 1)
    time.sleep(0.1)  # the GUI thread is slow to connect; the pool is idle
    got = []
    task.signals.finished.connect(got.append)
    qtbot.waitUntil(lambda: got == [2], timeout=5000)


def test_user_errors_log_one_line_and_bugs_keep_their_traceback(qtbot, runner, caplog):
    from denoise_desktop.batch import BatchError

    def refused(*, progress):
        raise BatchError("output out/a.png would overwrite the input in/a.png")

    def bug(*, progress):
        raise KeyError("oops")

    for fn in (refused, bug):
        task = runner.submit(fn)
        with caplog.at_level("WARNING"), qtbot.waitSignal(task.signals.failed, timeout=5000):
            pass
    user, crash = [r for r in caplog.records if "failed" in r.getMessage()]
    assert "would overwrite the input" in user.getMessage() and user.exc_info is None
    assert user.levelname == "WARNING"
    assert crash.exc_info is not None and crash.levelname == "ERROR"


def test_a_user_error_reads_as_its_message_and_a_bug_keeps_its_class(tmp_path):
    """Issue 26, item 10: the status bar says "x.png: not an image…", not "ImageReadError: x.png…"."""
    from denoise_desktop.imageio import ImageReadError

    user = ErrorInfo.from_exception(ImageReadError(tmp_path / "x.png", "not an image file"))
    assert "ImageReadError" not in str(user) and "x.png" in str(user) and user.user_error
    bug = ErrorInfo.from_exception(KeyError("oops"))
    assert str(bug).startswith("KeyError") and not bug.user_error


def test_missing_xcb_libraries_are_named_with_their_packages():
    """Issue 26, item 10: Qt's own abort names no library; the app names the Debian packages."""
    from denoise_desktop.gui.app import missing_xcb_packages

    present = {"xcb-cursor"}
    missing = missing_xcb_packages("xcb", find=lambda lib: lib if lib in present else None)
    assert missing == ["libxcb-icccm4", "libxcb-keysyms1"]
    assert missing_xcb_packages("offscreen", find=lambda lib: None) == []  # headless needs none
