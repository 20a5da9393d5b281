"""The one background-thread helper of reading (ahead of the caller) and staging (behind it)."""

import threading
import time

import pytest

from pricing.pipeline import ahead, behind


def _threads(name: str) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == name]


def test_it_produces_every_item_in_order_in_another_thread():
    producers = []

    def items():
        for i in range(5):
            producers.append(threading.current_thread().name)
            yield i

    assert list(ahead(items(), name="test-reader")) == [0, 1, 2, 3, 4]
    assert set(producers) == {"test-reader"} and not _threads("test-reader")


def test_it_raises_what_the_producer_raised_after_what_it_produced():
    def items():
        yield 1
        raise ValueError("unreadable chunk")

    got = []
    with pytest.raises(ValueError, match="unreadable chunk"):
        for item in ahead(items(), name="test-reader"):
            got.append(item)
    assert got == [1] and not _threads("test-reader")


def test_it_stops_the_producer_when_the_caller_stops_early():
    closed = []

    def items():
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.append(True)

    for item in ahead(items(), name="test-reader"):
        if item == 3:
            break
    assert closed == [True] and not _threads("test-reader")


def test_it_handles_every_item_behind_the_caller():
    handled = []
    writer = behind(lambda item: handled.append((item, threading.current_thread().name)), name="test-writer")
    for i in range(5):
        assert writer.put(i)
    writer.finish()
    assert handled == [(i, "test-writer") for i in range(5)] and not _threads("test-writer")


def test_it_hands_the_callers_next_step_what_the_handler_raised():
    def handle(item):
        if item == 1:
            raise ValueError("duplicate row")

    writer = behind(handle, name="test-writer")
    writer.put(0)
    writer.put(1)
    deadline = time.monotonic() + 5
    while writer.put(2) and time.monotonic() < deadline:  # refused once the handler has failed
        pass
    with pytest.raises(ValueError, match="duplicate row"):
        writer.raise_error()
    writer.stop()
    assert not _threads("test-writer")


def test_it_skips_what_is_queued_when_stopped():
    started, release, handled = threading.Event(), threading.Event(), []

    def handle(item):
        started.set()
        release.wait(5)
        handled.append(item)

    writer = behind(handle, name="test-writer", depth=2)
    writer.put("under way")
    started.wait(5)
    writer.put("queued")
    release.set()
    writer.stop()  # waits for the step under way, drops the rest
    assert handled == ["under way"] and not _threads("test-writer")
