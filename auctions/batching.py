"""Group commit for one hot row, per process: work items for the same key that arrive while a batch
for that key is running wait in a queue, and the next batch takes them all, in one call of ``run``.

    thread A ─submit(k, a)─▶ leads: run([a]) ───────────────▶ answers a, hands the lead to b's thread
    thread B ─submit(k, b)─▶ queued ─┐                        run([b, c]) ▶ answers b and c
    thread C ─submit(k, c)─▶ queued ─┘

Nothing here knows what an item is: ``auctions.services.bid_place`` submits its attempts with the
auction's id as the key and a function that places a list of attempts in one transaction. A thread
waits only for the batch that holds its own item; the lead then passes to the oldest waiting thread,
so no caller keeps running other callers' batches. A batch that raises is run again one item at a
time, so that one bad item cannot take the others' answers with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


class _Slot(Generic[Item, Answer]):
    __slots__ = ("answer", "done", "error", "event", "item", "lead")

    def __init__(self, item: Item):
        self.item = item
        self.event = threading.Event()
        self.lead = False
        self.done = False
        self.answer: Answer | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[Item, Answer]):
    """``submit(key, item)`` returns ``run(key, [items…])``'s answer for ``item``; ``run`` gets at
    most ``max_batch`` items, in the order they were submitted, and answers them in that order."""

    def __init__(self, run: Callable[[Hashable, Sequence[Item]], Sequence[Answer]], max_batch: int = 256):
        self.run = run
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queues: dict[Hashable, list[_Slot]] = {}
        self.batches = 0  # how many batches ran (and items in them): what the tests and benches read
        self.items = 0

    def submit(self, key: Hashable, item: Item) -> Answer:
        slot: _Slot = _Slot(item)
        with self._lock:
            queue = self._queues.get(key)
            if queue is None:  # nobody runs this key: lead
                self._queues[key] = [slot]
                slot.lead = True
            else:
                queue.append(slot)
        if not slot.lead:
            slot.event.wait()
        if not slot.done:  # leading (from the start, or handed over by the previous leader)
            self._lead(key)
        if slot.error is not None:
            raise slot.error
        return slot.answer

    def _lead(self, key: Hashable) -> None:
        with self._lock:
            queue = self._queues[key]
            batch, queue[:] = queue[: self.max_batch], queue[self.max_batch :]
            self.batches += 1
            self.items += len(batch)
        try:
            self._answer(key, batch)
        finally:
            for slot in batch:
                if not slot.done:  # interrupted by more than an Exception: nobody may wait forever
                    slot.error = slot.error or RuntimeError("the batch was interrupted")
                    slot.done = True
                    slot.event.set()
            with self._lock:
                queue = self._queues[key]
                successor = queue[0] if queue else None
                if successor is None:
                    del self._queues[key]
                else:
                    successor.lead = True
            if successor is not None:
                successor.event.set()

    def _answer(self, key: Hashable, batch: list[_Slot]) -> None:
        try:
            answers = self.run(key, [slot.item for slot in batch])
            pairs = list(zip(batch, answers, strict=True))
        except Exception as error:
            if len(batch) == 1:
                pairs = []
                batch[0].error = error
            else:  # one by one: an item that fails alone fails alone
                for slot in batch:
                    self._answer(key, [slot])
                return
        for slot, answer in pairs:
            slot.answer = answer
        for slot in batch:
            slot.done = True
            slot.event.set()
