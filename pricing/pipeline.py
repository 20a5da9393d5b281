"""Work in a background thread, one step ahead of or behind the caller.

Reading a big price list has two slow parts that can overlap with Python's validation: pandas
tokenizing the next chunk (it releases the GIL) and PostgreSQL writing the previous one. Both use
one ``Pipeline``: a thread and the caller joined by a bounded queue, either side able to stop the
other, and what the thread raises raised again in the caller.

    for chunk in ahead(read_chunks(), name="price-list-reader"):   # the thread reads
        ...
    writer = behind(copy_chunk, name="price-list-stager")           # the thread writes
    writer.put(payload) ...; writer.finish()                        # or writer.stop() on the way out

No Django here: the importers and the services both use it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_END = object()  # "nothing more": the producer is done, or the other side stopped
_POLL_S = 0.1  # how often a waiting side looks whether the other one stopped


class Pipeline:
    """A thread running ``target(pipeline)`` and the caller, joined by a queue of ``depth`` items."""

    def __init__(
        self,
        target: Callable[[Pipeline], None],
        *,
        name: str,
        depth: int = 1,
        on_exit: Callable[[], Any] | None = None,
    ) -> None:
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stopped = threading.Event()  # the caller's stop: both sides quit, what is queued is dropped
        self._failed = threading.Event()  # the thread raised: what it queued before still counts
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = threading.Thread(
            target=self._run, args=(target, on_exit), name=name, daemon=True
        )
        self._thread.start()

    def _run(self, target: Callable[[Pipeline], None], on_exit: Callable[[], Any] | None) -> None:
        try:
            target(self)
        except BaseException as exc:  # handed to the caller at its next put / get / finish
            self._error = exc
            self._failed.set()
        finally:
            if on_exit is not None:
                on_exit()

    def put(self, item: Any) -> bool:
        """Hand ``item`` to the other side, waiting for room; False once that side has stopped or failed."""
        while not (self._stopped.is_set() or self._failed.is_set()):
            try:
                self._queue.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def get(self) -> Any:
        """The next item; ``_END`` once the producer is done, the caller has stopped, or the thread
        has failed and what it queued before is taken."""
        while not self._stopped.is_set():
            try:
                return self._queue.get(timeout=_POLL_S)
            except queue.Empty:
                if self._failed.is_set():
                    break
        return _END

    def raise_error(self) -> None:
        """Raise (once) what the thread raised, if anything."""
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def finish(self) -> None:
        """The caller is done producing: wait for the thread to take and handle the rest, then raise
        what it raised."""
        self.put(_END)
        self._join()
        self.raise_error()

    def stop(self) -> None:
        """On the way out (an error, an early return): skip what is queued, wait for the step under
        way. Safe to call after ``finish``."""
        self._stopped.set()
        self._join()

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def ahead(items: Iterator[T], *, name: str, depth: int = 1) -> Iterator[T]:
    """``items`` produced by a thread, up to ``depth`` ahead of the caller."""

    def produce(pipeline: Pipeline) -> None:
        try:
            for item in items:
                if not pipeline.put(item):
                    return
            pipeline.put(_END)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    pipeline = Pipeline(produce, name=name, depth=depth)
    try:
        while (item := pipeline.get()) is not _END:
            yield item
        pipeline.raise_error()
    finally:
        pipeline.stop()


def behind(handle: Callable[[Any], Any], *, name: str, depth: int = 1, on_exit=None) -> Pipeline:
    """A thread that calls ``handle(item)`` for every item the caller ``put``s, while the caller
    makes the next one. ``put`` returns False once ``handle`` has raised (``raise_error`` says what);
    ``finish`` waits for the last item; ``stop`` skips the rest."""

    def consume(pipeline: Pipeline) -> None:
        while (item := pipeline.get()) is not _END:
            handle(item)

    return Pipeline(consume, name=name, depth=depth, on_exit=on_exit)
