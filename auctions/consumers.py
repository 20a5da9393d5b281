"""The auction room's websocket, ``/ws/auctions/{id}/`` (CONTRACT.md, "Auction websocket").

Thin: access, the bid and the snapshot go through services and selectors in a worker thread; what a
socket may see is decided by ``auctions.news``; the live updates come from this process's hub
(``auctions.broadcast``), which writes finished text to the socket. The socket itself is no channel
layer member, so a broadcast costs no channel message and no thread hop per socket.

Client frames: ``bid`` and ``sync``. Anything else is answered with an ``error`` frame (a code and a
sentence) and the connection is kept; only sustained flooding closes it (4429).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.actors import Actor
from marketplace.models import Perm

from . import broadcast
from .broadcast import BUYER

logger = logging.getLogger(__name__)

FORBIDDEN = 4403
FLOODING = 4429
MAX_FRAME = 4096  # a bid or a sync is < 200 bytes
MAX_CLIENT_ID = 64
MAX_AMOUNT_CHARS = 40
BUFFERED = 20  # frames kept for a socket that is still waiting for its snapshot


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_used = threading.local()  # when this pool thread's connection last served a call without an error
HEALTHY_FOR = 1.0  # seconds


def _pool() -> ThreadPoolExecutor:
    """The sockets' own thread pool (``AUCTION_DB_THREADS``, default 12): asyncio's default one has
    only cores + 4 threads, so a burst of bids queued there for seconds before reaching the lock."""
    global _executor
    with _executor_lock:
        if _executor is None:
            size = int(getattr(settings, "AUCTION_DB_THREADS", 12))
            _executor = ThreadPoolExecutor(max_workers=max(1, size), thread_name_prefix="auction-db")
        return _executor


def _db(function):
    """Database work in the sockets' thread pool, not channels' single shared thread: bids from
    many sockets of one process must not queue behind each other before they reach the row lock."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        if connection.connection is not None and time.monotonic() - getattr(_used, "at", 0.0) < HEALTHY_FOR:
            # This thread's connection served a call a moment ago without an error: skip the health
            # check (a ``SELECT 1`` round trip that channels' cleanup asks for before every frame;
            # it cost a flood of bids more than the socket's access check itself).
            connection.health_check_done = True
        try:
            return function(*args, **kwargs)
        finally:
            _used.at = 0.0 if connection.errors_occurred else time.monotonic()
            # A pool thread outlives the call: without a persistent connection (CONN_MAX_AGE=0)
            # close it here, or it stays open, idle, until the thread ends.
            if not connection.in_atomic_block and not connection.settings_dict.get("CONN_MAX_AGE"):
                connection.close()

    return database_sync_to_async(run, thread_sensitive=False, executor=_pool())


class TokenBucket:
    def __init__(self, rate: float, burst: float):
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass(frozen=True)
class Access:
    actor: Actor
    audience: object  # BUYER or the supplier's id
    presence: dict | None


def resolve_access(scope, auction_id: int) -> Access | None:
    """Who this socket is, and whether it may watch the auction (None: close 4403).

    The buyer's people watch their auction's monitor; a supplier's, if the supplier is invited and
    their role may do a supplier's work. Looked up again on every snapshot; a bid re-checks it with
    ``still_valid`` (one query) and falls back to this when that cannot confirm it."""
    from . import selectors

    if scope.get("api_key_presented"):
        api_key = scope.get("api_key")
        if api_key is None:
            return None
        api_key.refresh_from_db(fields=["revoked_at"])
        if api_key.revoked_at is not None:
            return None
        actor = Actor.of_api_key(api_key)
    else:
        from marketplace.tenancy import resolve_membership

        user = scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        # A copy: choosing a default organization must not write the session on every handshake.
        session = dict((scope.get("session") or {}).items())
        membership = resolve_membership(SimpleNamespace(user=user, session=session))
        if membership is None:
            return None
        actor = Actor.of_membership(membership)
    organization = actor.organization
    auction = selectors.auction_get(organization=organization, pk=auction_id)
    audience = selectors.audience_of(auction, organization) if auction is not None else None
    if audience is None:
        return None
    if audience == BUYER:
        return Access(actor=actor, audience=BUYER, presence=None)
    if not actor.can(Perm.WORK):
        return None
    presence = {"id": organization.pk, "slug": organization.slug, "name": organization.name}
    return Access(actor=actor, audience=organization.pk, presence=presence)


def still_valid(scope, auction_id: int, access: Access) -> bool:
    """A supplier's ``access`` still holds, in one plain query (no ORM to compile on every bid):
    its API key is not revoked, or its membership still has the same role (and the organization the
    same kind) and is still the one ``resolve_membership`` picks (the session's choice, or the
    person's only membership); its invitation stands and the auction left
    the draft. True only where ``resolve_access`` would answer the same; False means "look again
    with ``resolve_access``", which decides (so this only ever takes the cheap path, never a
    different decision). ``bid_place`` checks the invitation and the role again under the lock."""
    from marketplace.models import ApiKey, Membership, Organization
    from marketplace.tenancy import SESSION_KEY

    from .models import Auction, AuctionState, Invitation

    actor, supplier_id = access.actor, access.audience
    if access.audience == BUYER or actor.organization is None or actor.organization.pk != supplier_id:
        return False
    params: list = []
    if scope.get("api_key_presented"):
        api_key = scope.get("api_key")
        if api_key is None or actor.api_key is None or actor.api_key.pk != api_key.pk:
            return False
        who = f"EXISTS (SELECT 1 FROM {ApiKey._meta.db_table} k WHERE k.id = %s AND k.revoked_at IS NULL)"
        params.append(api_key.pk)
    else:
        user = scope.get("user")
        session = scope.get("session") or {}
        chosen = session.get(SESSION_KEY)
        if user is None or not user.is_authenticated or not user.is_active or actor.user is None:
            return False
        if actor.user.pk != user.pk:
            return False
        members = Membership._meta.db_table
        who = (
            f"EXISTS (SELECT 1 FROM {members} m JOIN {Organization._meta.db_table} o"
            " ON o.id = m.organization_id WHERE m.user_id = %s AND m.organization_id = %s AND m.role = %s"
            " AND o.kind = %s)"
        )
        params += [user.pk, supplier_id, str(actor.role), str(actor.organization.kind)]
        if chosen is None or str(chosen) != str(supplier_id):
            # Not the session's choice but resolve_membership's fallback, which may move: the same
            # only while it is the person's one membership.
            who += f" AND (SELECT COUNT(*) FROM {members} m WHERE m.user_id = %s) = 1"
            params.append(user.pk)
    invited = (
        f"EXISTS (SELECT 1 FROM {Invitation._meta.db_table} i JOIN {Auction._meta.db_table} a"
        " ON a.id = i.auction_id WHERE i.auction_id = %s AND i.supplier_id = %s AND a.state <> %s"
        " AND a.buyer_id <> %s)"
    )
    params += [auction_id, supplier_id, AuctionState.DRAFT.value, supplier_id]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({who}) AND ({invited})", params)
        row = cursor.fetchone()
    return bool(row and row[0])


def load_snapshot(auction_id: int, audience) -> dict | None:
    """The ``snapshot`` frame (the one database read of the live path), shaped by ``news``."""
    from . import selectors
    from .log import iso
    from .models import Bid

    snapshot = selectors.snapshot(auction_id=auction_id, audience=audience)
    if snapshot is not None and audience != BUYER:
        # The supplier's own accepted bids (its receipts and its line on the chart): its own data.
        own = Bid.objects.filter(auction_id=auction_id, supplier_id=audience).order_by("received_at", "id")
        snapshot["my_bids"] = [
            {"id": b.pk, "amount": str(b.amount), "received_at": iso(b.received_at), "rank": b.rank_after} for b in own
        ]
    return snapshot


class AuctionConsumer(AsyncWebsocketConsumer):
    # No channel of its own: the hub is the group member (no per-socket channel-layer message).
    channel_layer_alias = "auction-sockets-have-no-channel"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub: broadcast.Hub | None = None
        self.access: Access | None = None
        self.ready = False
        self.buffered: list[tuple[int | None, str]] = []
        rate = float(getattr(settings, "AUCTION_WS_RATE", 10))
        burst = float(getattr(settings, "AUCTION_WS_BURST", 20))
        self.bucket = TokenBucket(rate, burst)
        self.refused: list[float] = []  # when frames were refused for rate (sustained abuse closes)
        self.answered_refusals = TokenBucket(2, 5)  # at most ~2 rate_limited answers a second

    # hub protocol
    @property
    def audience(self):
        return self.access.audience if self.access else None

    @property
    def presence(self):
        return self.access.presence if self.access else None

    async def dispatch(self, message):
        # channels runs aclose_old_connections() in a thread before every handler; nothing here
        # holds a connection between frames (database work runs in _db, which cleans up itself).
        handler = getattr(self, message["type"].replace(".", "_"), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # -- connection ------------------------------------------------------------------------------

    async def websocket_connect(self, message):
        self.auction_id = int(self.scope["url_route"]["kwargs"]["auction_id"])
        # Answers in the person's language (the site's cookie, else the language they last used);
        # the activation lasts for this connection's task and follows it into the worker threads.
        translation.activate(self._language())
        try:
            self.access = await _db(resolve_access)(self.scope, self.auction_id)
        except Exception:
            logger.exception("auction %s: access check failed", self.auction_id)
            self.access = None
        # Accept, then close: only an accepted socket can carry the 4403 code to the client.
        await self.accept()
        if self.access is None:
            await self.close(FORBIDDEN)
            return
        self.hub = await broadcast.join(self.auction_id, self)
        if not await self._send_snapshot():
            return
        if self.audience == BUYER:
            await self.send(self.hub.presence_text())

    async def websocket_disconnect(self, message):
        hub, self.hub = self.hub, None
        if hub is not None:
            await broadcast.leave(hub, self)
        raise StopConsumer()

    async def deliver(self, version: int | None, text: str) -> None:
        if self.hub is None:
            return
        if not self.ready:
            self.buffered = [*self.buffered[-(BUFFERED - 1) :], (version, text)]
            return
        await self.send(text)

    async def _send_snapshot(self) -> bool:
        try:
            access, snapshot = await _db(self._fresh_snapshot)()
        except Exception:
            logger.exception("auction %s: snapshot failed", self.auction_id)
            await self._error("server_error", _("The auction could not be loaded; try again in a moment."))
            return False
        if access is None:
            await self._forbid()
            return False
        self.access = access
        await self.send(broadcast.dumps(snapshot))
        if not self.ready:
            self.ready = True
            buffered, self.buffered = self.buffered, []
            for version, text in buffered:
                if version is None or version > snapshot["version"]:
                    await self.send(text)
        return True

    def _fresh_snapshot(self):
        access = resolve_access(self.scope, self.auction_id)
        if access is None or access.audience != self.audience:
            return None, None
        snapshot = load_snapshot(self.auction_id, access.audience)
        return (access, snapshot) if snapshot is not None else (None, None)

    async def _forbid(self) -> None:
        await self._error("forbidden", _("You may no longer watch this auction."))
        await self._close(FORBIDDEN)

    async def _close(self, code: int) -> None:
        """Close from this side, leaving the hub now (the client's disconnect may come late)."""
        await self.close(code)
        hub, self.hub = self.hub, None
        if hub is not None:
            await broadcast.leave(hub, self)

    def _language(self) -> str:
        cookie = (self.scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME, "")
        user = self.scope.get("user")
        for language in (cookie, getattr(user, "language", "") if user is not None else ""):
            if language and translation.check_for_language(language):
                return language
        return settings.LANGUAGE_CODE

    # -- client frames ---------------------------------------------------------------------------

    async def websocket_receive(self, message):
        received_at = timezone.now()  # the bid's time of receipt: before anything else is done
        try:
            await self._receive(message, received_at)
        except Exception:
            logger.exception("auction %s: frame handling failed", getattr(self, "auction_id", "?"))
            await self._error("server_error", _("Something went wrong on our side; the frame was not handled."))

    async def _receive(self, message, received_at):
        if self.access is None or self.hub is None:
            return
        text = message.get("text")
        if not self.bucket.take():
            await self._rate_limited(text)
            return
        if text is None:
            await self._error("bad_frame", _("Send JSON text frames, not binary ones."))
            return
        if len(text) > MAX_FRAME:
            await self._error(
                "too_large", _("The frame is too large (at most %(n)s bytes); it was ignored.") % {"n": MAX_FRAME}
            )
            return
        try:
            data = json.loads(text, parse_float=Decimal)
        except ValueError:
            await self._error("bad_json", _("The frame is not valid JSON; it was ignored."))
            return
        if not isinstance(data, dict):
            await self._error("bad_frame", _("A frame must be a JSON object with a “type”."))
            return
        kind = data.get("type")
        if kind == "bid":
            await self._bid(data, received_at)
        elif kind == "sync":
            await self._send_snapshot()
        else:
            await self._error(
                "unknown_type",
                _("Unknown frame type %(type)s: send “bid” or “sync”.") % {"type": json.dumps(kind)[:40]},
            )

    async def _bid(self, data: dict, received_at) -> None:
        client_id = data.get("client_id")
        if client_id is not None and (not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_CLIENT_ID):
            await self._bid_refused(
                None,
                "invalid_client_id",
                _("client_id must be a string of 1 to %(n)s characters.") % {"n": MAX_CLIENT_ID},
            )
            return
        amount = data.get("amount")
        if not isinstance(amount, str) or len(amount) > MAX_AMOUNT_CHARS:
            await self._bid_refused(
                client_id, "invalid_amount", _('The amount must be a decimal number in a string, e.g. "1234.50".')
            )
            return
        if self.audience == BUYER:
            await self._bid_refused(client_id, "not_invited", _("Only invited suppliers bid in an auction."))
            return
        result = await _db(self._place_bid)(amount, client_id, received_at)
        if result is None:
            await self._forbid()
            return
        await self.send(broadcast.dumps(result))

    def _place_bid(self, amount: str, client_id: str | None, received_at) -> dict | None:
        from . import services

        access = self.access
        if access is None or not still_valid(self.scope, self.auction_id, access):
            access = resolve_access(self.scope, self.auction_id)
            if access is None or access.audience != self.audience:
                return None
            self.access = access
        outcome = services.bid_place(
            auction_id=self.auction_id,
            actor=access.actor,
            amount=amount,
            client_id=client_id,
            received_at=received_at,
        )
        return outcome.as_result()

    async def _bid_refused(self, client_id, code: str, message: str) -> None:
        frame = {"type": "bid_result", "client_id": client_id, "ok": False, "code": code, "message": message}
        await self.send(broadcast.dumps(frame))

    async def _rate_limited(self, text) -> None:
        now = time.monotonic()
        window = float(getattr(settings, "AUCTION_WS_ABUSE_WINDOW", 10))
        self.refused = [t for t in self.refused if t > now - window]
        self.refused.append(now)
        if len(self.refused) > float(getattr(settings, "AUCTION_WS_ABUSE_FRAMES", 500)):
            await self._error("rate_limited", _("Too many frames for too long: the connection is closed."))
            await self._close(FLOODING)
            return
        if not self.answered_refusals.take():
            return
        client_id = None
        if text and len(text) <= MAX_FRAME and '"bid"' in text:
            try:
                client_id = json.loads(text).get("client_id")
            except (ValueError, AttributeError):
                client_id = None
        message = _("Too many frames: at most %(rate)s a second. This one was not handled; send it again later.") % {
            "rate": f"{self.bucket.rate:g}"
        }
        frame = {"type": "error", "code": "rate_limited", "message": message}
        if isinstance(client_id, str):
            frame["client_id"] = client_id
        await self.send(broadcast.dumps(frame))

    async def _error(self, code: str, message: str) -> None:
        await self.send(broadcast.dumps({"type": "error", "code": code, "message": message}))
