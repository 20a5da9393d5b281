"""Fan-out of auction news to the websockets of this process.

PERFORMANCE.md: one daphne process delivers ~5,000 channel-layer frames a second, i.e. only 25
broadcasts a second to 200 watchers, and past that frames queue for seconds. The cost is Python per
frame, so this module sends as few frames as it can::

    service ──transaction.on_commit──▶ publish(news): ONE group_send to "auction_{id}"
                                                │
                    members of the group are hubs, one per daphne process per auction (not sockets)
                                                │
    Hub: keeps the newest news by version; at most every ``AUCTION_FANOUT_INTERVAL`` seconds (at once
    when idle) it computes ``news.frame(news, audience)`` once per audience present in this process,
    serializes it once, and writes that text to each local socket of the audience.

A slow socket gets the newest state at the next flush, never a queue of old ones; the buyer's frame
carries every bid since its previous frame (``bids``: those of the news it collapsed, and those of
one news that several bids of one transaction share), so the monitor still shows each bid. Runs of
``update`` news collapse into the newest; ``extended``, ``state`` and ``closed`` are each sent (they
carry reasons a person reads). No database on this path: the only DB read is the consumer's snapshot.

Visibility is never decided here: ``auctions.news.frame`` is.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Protocol

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from .presence import PresenceBook

logger = logging.getLogger(__name__)

BUYER = "buyer"
NEWS = "auction.news"
PRESENCE = "auction.presence"
UPDATE = "update"

# One id per process: the key of this process's presence announcements.
PROCESS_ID = uuid.uuid4().hex[:12]


def group_name(auction_id: int) -> str:
    return f"auction_{auction_id}"


def publish(news: dict) -> None:
    """Tell every process's hub about one change (call from ``transaction.on_commit``).

    A failure is logged and swallowed: the change is committed and in the log, and watchers that
    miss it get it from the next change or their next snapshot (every page resyncs on reconnect)."""
    layer = get_channel_layer()
    if layer is None:
        return
    hub = _hubs.get(news["auction_id"])
    loop = hub.loop if hub is not None else None
    if loop is not None and loop.is_running() and not _on_loop(loop):
        # A worker thread of a daphne whose loop serves this auction: hand the send to the loop and
        # go on (the committed bids' answers and the next batch do not wait for Redis; the hubs
        # order news by version, so sends that overtake each other do no harm).
        asyncio.run_coroutine_threadsafe(_send(layer, news), loop)
        return
    try:
        async_to_sync(_send)(layer, news)
    except Exception:  # e.g. called from a thread that runs an event loop of its own
        logger.exception("auction %s: broadcast of version %s failed", news.get("auction_id"), news.get("version"))


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


async def _send(layer, news: dict) -> None:
    try:
        await layer.group_send(group_name(news["auction_id"]), {"type": NEWS, "news": news})
    except Exception:
        logger.exception("auction %s: broadcast of version %s failed", news.get("auction_id"), news.get("version"))


def dumps(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


class Socket(Protocol):
    """What the hub needs of a websocket (the consumer): who it is and a way to write text."""

    audience: object  # BUYER, or the supplier organization's id
    presence: dict | None  # {"id", "slug", "name"} for a supplier, None for the buyer

    async def deliver(self, version: int | None, text: str) -> None: ...


def _frame(news: dict, audience) -> dict | None:
    from . import news as rules

    return rules.frame(news, audience)


class Hub:
    """The auction's fan-out in this process (see the module's docstring)."""

    def __init__(self, auction_id: int, loop: asyncio.AbstractEventLoop):
        self.auction_id = auction_id
        self.group = group_name(auction_id)
        self.loop = loop
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.sockets: dict[object, set[Socket]] = {}
        self.suppliers: dict[int, dict] = {}  # suppliers with a socket in this process
        self.supplier_sockets: dict[int, int] = {}
        self.pending: list[dict] = []  # news newer than the last flush, oldest first
        self.late: list[dict] = []  # news older than the last flush: only their bids still matter
        self.latest: dict | None = None
        self.flushed_version = 0
        self.last_flush = 0.0
        self.interval = _setting("AUCTION_FANOUT_INTERVAL", 0.05)
        self.flush_handle: asyncio.TimerHandle | None = None
        self.flushing = False
        self.book = PresenceBook(ttl=_setting("AUCTION_PRESENCE_TTL", 20.0))
        self.heartbeat = _setting("AUCTION_PRESENCE_HEARTBEAT", 8.0)
        self.shown_presence: list[dict] | None = None
        self.announce_handle: asyncio.TimerHandle | None = None
        self.tasks: list[asyncio.Task] = []
        self.background: set[asyncio.Task] = set()
        self.closing = False
        self.started: asyncio.Future | None = None

    # -- life ------------------------------------------------------------------------------------

    async def start(self) -> None:
        if self.layer is None:
            return
        self.channel = await self.layer.new_channel(prefix="auction-hub.")
        await self.layer.group_add(self.group, self.channel)
        self.tasks = [
            asyncio.ensure_future(self._receive()),
            asyncio.ensure_future(self._heartbeat()),
        ]
        await self._announce(ask=True)

    async def stop(self) -> None:
        if self.started is not None:
            try:
                await self.started
            except Exception:
                logger.exception("auction %s: hub failed to start", self.auction_id)
        for handle in (self.flush_handle, self.announce_handle):
            if handle is not None:
                handle.cancel()
        if self.layer is None or self.channel is None:
            return
        try:
            await self.layer.group_discard(self.group, self.channel)
            await self.layer.group_send(self.group, {"type": PRESENCE, "process": PROCESS_ID, "suppliers": []})
        finally:
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)

    def _spawn(self, coroutine) -> None:
        task = asyncio.ensure_future(coroutine)
        self.background.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self.background.discard)

    # -- sockets ---------------------------------------------------------------------------------

    def attach(self, socket: Socket) -> None:
        self.sockets.setdefault(socket.audience, set()).add(socket)
        if socket.presence is not None:
            supplier_id = int(socket.presence["id"])
            self.supplier_sockets[supplier_id] = self.supplier_sockets.get(supplier_id, 0) + 1
            if supplier_id not in self.suppliers:
                self.suppliers[supplier_id] = socket.presence
                self._presence_changed()

    def detach(self, socket: Socket) -> int:
        """Forget ``socket``; the number of sockets left."""
        sockets = self.sockets.get(socket.audience)
        if sockets is not None and socket in sockets:
            sockets.discard(socket)
            if not sockets:
                del self.sockets[socket.audience]
            if socket.presence is not None:
                supplier_id = int(socket.presence["id"])
                left = self.supplier_sockets.get(supplier_id, 1) - 1
                if left <= 0:
                    self.supplier_sockets.pop(supplier_id, None)
                    self.suppliers.pop(supplier_id, None)
                    self._presence_changed()
                else:
                    self.supplier_sockets[supplier_id] = left
        return self.count()

    def count(self) -> int:
        return sum(len(s) for s in self.sockets.values())

    # -- news ------------------------------------------------------------------------------------

    async def _receive(self) -> None:
        while True:
            message = await self.layer.receive(self.channel)
            try:
                kind = message.get("type")
                if kind == NEWS:
                    self.on_news(message["news"])
                elif kind == PRESENCE:
                    self.on_presence(message)
            except Exception:
                logger.exception("auction %s: bad hub message", self.auction_id)

    def on_news(self, news: dict) -> None:
        version = int(news["version"])
        if self.latest is None or version > int(self.latest["version"]):
            self.latest = news
        if version <= self.flushed_version:
            if news.get("bid") is not None:
                self.late.append(news)
        elif all(int(n["version"]) != version for n in self.pending):
            self.pending.append(news)
        else:
            return
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self.flush_handle is not None or self.flushing:
            return
        delay = max(0.0, self.last_flush + self.interval - self.loop.time())
        self.flush_handle = self.loop.call_later(delay, self._start_flush)

    def _start_flush(self) -> None:
        self.flush_handle = None
        self.flushing = True
        self._spawn(self.flush())

    def _plan(self) -> tuple[list[dict], list[dict]]:
        """What to send now: every non-update news and the newest update (in version order), and
        the news whose bids the buyer must still get (dropped updates, late arrivals)."""
        pending = sorted(self.pending, key=lambda n: int(n["version"]))
        late, self.pending, self.late = self.late, [], []
        updates = [n for n in pending if n.get("kind", UPDATE) == UPDATE]
        newest_update = updates[-1] if updates else None
        send = [n for n in pending if n.get("kind", UPDATE) != UPDATE or n is newest_update]
        carried = late + [n for n in updates if n is not newest_update and n.get("bid") is not None]
        if pending:
            self.flushed_version = max(self.flushed_version, int(pending[-1]["version"]))
        return send, carried

    async def flush(self) -> None:
        try:
            send, carried = self._plan()
            if not send and not carried:
                return
            started = self.loop.time()
            self.last_flush = started
            only_late_bids = not send
            if only_late_bids:
                if self.latest is None:
                    return
                send = [self.latest]  # late bids only: they ride on the newest state, to the buyer
            server_time = timezone.now().isoformat()
            # The bids that ride along go on the newest frame of the batch.
            carrier = next((n for n in reversed(send) if n.get("kind", UPDATE) == UPDATE), send[-1])
            for audience, sockets in list(self.sockets.items()):
                if not sockets or (only_late_bids and audience != BUYER):
                    continue
                texts = self._texts(send, audience, carried if audience == BUYER else (), carrier, server_time)
                for socket in list(sockets):
                    for version, text in texts:
                        try:
                            await socket.deliver(version, text)
                        except Exception:
                            logger.debug("auction %s: a socket refused a frame", self.auction_id, exc_info=True)
            # Under load, flush less often rather than fall behind (never less than 4 times a second).
            spent = self.loop.time() - started
            self.interval = min(0.25, max(_setting("AUCTION_FANOUT_INTERVAL", 0.05), 2 * spent))
        except Exception:
            logger.exception("auction %s: flush failed", self.auction_id)
        finally:
            self.flushing = False
            if self.pending or self.late:
                self._schedule_flush()

    def _texts(self, send, audience, carried, carrier, server_time) -> list[tuple[int, str]]:
        texts = []
        for news in send:
            frame = _frame(news, audience)
            if frame is None:
                continue
            frame = {**frame, "version": int(news["version"]), "server_time": server_time}
            if news is carrier and carried:
                bids = {}
                for seen in [*(_frame(n, BUYER) or {} for n in carried), frame]:
                    for bid in [*(seen.get("bids") or ()), seen.get("bid")]:
                        if bid is not None:
                            bids[bid["id"]] = bid
                frame["bids"] = sorted(bids.values(), key=lambda b: (b["received_at"] or "", b["id"]))
            texts.append((int(news["version"]), dumps(frame)))
        return texts

    # -- presence --------------------------------------------------------------------------------

    def on_presence(self, message: dict) -> None:
        process = message.get("process")
        if process and process != PROCESS_ID:
            self.book.update(process, message.get("suppliers") or [], time.monotonic())
            self._show_presence()
        if message.get("ask") and process != PROCESS_ID:
            self._presence_changed(delay=0.0)

    def connected(self) -> list[dict]:
        return self.book.connected(time.monotonic(), self.suppliers)

    def presence_text(self) -> str:
        return dumps({"type": "presence", "connected": self.connected(), "server_time": timezone.now().isoformat()})

    def _show_presence(self) -> None:
        connected = self.connected()
        if connected == self.shown_presence:
            return
        self.shown_presence = connected
        buyers = list(self.sockets.get(BUYER, ()))
        if buyers:
            text = dumps({"type": "presence", "connected": connected, "server_time": timezone.now().isoformat()})
            self._spawn(self._deliver_all(buyers, text))

    async def _deliver_all(self, sockets, text: str) -> None:
        for socket in sockets:
            try:
                await socket.deliver(None, text)
            except Exception:
                logger.debug("auction %s: a socket refused presence", self.auction_id, exc_info=True)

    def _presence_changed(self, delay: float = 0.02) -> None:
        """Show this process's buyers at once and tell the other processes (debounced: 200 sockets
        leaving together make one announcement)."""
        if self.closing:
            return
        self._show_presence()
        if self.announce_handle is None and self.layer is not None:
            self.announce_handle = self.loop.call_later(delay, self._announce_soon)

    def _announce_soon(self) -> None:
        self.announce_handle = None
        self._spawn(self._announce())

    async def _announce(self, ask: bool = False) -> None:
        if self.layer is None or self.closing:
            return
        message = {"type": PRESENCE, "process": PROCESS_ID, "suppliers": list(self.suppliers.values())}
        if ask:
            message["ask"] = True
        try:
            await self.layer.group_send(self.group, message)
        except Exception:
            logger.warning("auction %s: presence announcement failed", self.auction_id, exc_info=True)

    async def _heartbeat(self) -> None:
        check = max(0.05, self.heartbeat / 2)
        next_announce = time.monotonic() + self.heartbeat
        while True:
            await asyncio.sleep(check)
            self.book.expire(time.monotonic())
            self._show_presence()
            if time.monotonic() >= next_announce:
                next_announce = time.monotonic() + self.heartbeat
                await self._announce()


# -- the hubs of this process ---------------------------------------------------------------------

_hubs: dict[int, Hub] = {}


def hub_for(auction_id: int) -> Hub | None:
    return _hubs.get(auction_id)


async def join(auction_id: int, socket: Socket) -> Hub:
    """Attach ``socket`` to the auction's hub in this process, starting the hub if needed."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(auction_id)
    if hub is None or hub.loop is not loop or hub.closing:
        hub = Hub(auction_id, loop)
        _hubs[auction_id] = hub
        hub.started = asyncio.ensure_future(hub.start())
    hub.attach(socket)
    await asyncio.shield(hub.started)
    return hub


async def leave(hub: Hub, socket: Socket) -> None:
    """Detach ``socket``; the last one out stops the hub (it leaves the group: no stale member)."""
    if hub.detach(socket) or hub.closing:
        return
    hub.closing = True
    if _hubs.get(hub.auction_id) is hub:
        del _hubs[hub.auction_id]
    await hub.stop()
