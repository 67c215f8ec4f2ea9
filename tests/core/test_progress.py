"""Progress: sub-ranges, cancel, pause/resume between steps."""

import threading
import time

import pytest

from denoise_desktop.progress import NOOP, CancelToken, Cancelled, Progress


def test_sub_maps_into_parent_range_and_clamps():
    seen = []
    p = Progress(lambda f, m: seen.append((round(f, 6), m)))
    child = p.sub(0.5, 1.0)
    child.set(0.0, "a")
    child.set(0.5, "b")
    child.sub(0.5, 1.0).set(1.0, "c")
    child.set(2.0, "clamped")
    assert seen == [(0.5, "a"), (0.75, "b"), (1.0, "c"), (1.0, "clamped")]


def test_noop_never_raises():
    NOOP.set(0.5)
    NOOP.check_cancelled()
    assert not NOOP.cancelled


def test_cancel_raises_in_children():
    token = CancelToken()
    p = Progress(None, token)
    p.check_cancelled()
    token.cancel()
    with pytest.raises(Cancelled):
        p.sub(0.2, 0.4).check_cancelled()


def test_pause_blocks_until_resume():
    token = CancelToken()
    p = Progress(None, token)
    token.pause()
    passed = threading.Event()

    def worker():
        p.check_cancelled()
        passed.set()

    th = threading.Thread(target=worker)
    th.start()
    time.sleep(0.2)
    assert not passed.is_set()  # still paused
    token.resume()
    th.join(2)
    assert passed.is_set()


def test_cancel_wakes_a_paused_worker():
    token = CancelToken()
    token.pause()
    errors = []

    def worker():
        try:
            Progress(None, token).check_cancelled()
        except Cancelled as exc:
            errors.append(exc)

    th = threading.Thread(target=worker)
    th.start()
    token.cancel()
    th.join(2)
    assert errors and not th.is_alive()
