"""The hub's fan-out (auctions/broadcast.py) without sockets or database: coalescing, one
serialization per audience, every bid for the buyer, presence, and leaving the group."""

import asyncio
import json

import pytest
from channels.layers import get_channel_layer

from auctions import broadcast
from auctions.broadcast import BUYER
from auctions.presence import PresenceBook
from tests.auctions.live import run

A, B = 11, 12  # two suppliers' ids


def news(version, kind="update", bid_by=None, amount="90.00", best="90.00", visibility="rank", auction_id=7):
    standings = [
        {"supplier": A, "slug": "a", "name": "Alpha", "rank": 1, "best": best, "received_at": None, "bids_count": 1},
        {"supplier": B, "slug": "b", "name": "Beta", "rank": 2, "best": "99.00", "received_at": None, "bids_count": 1},
    ]
    bid = None
    if bid_by is not None:
        bid = {
            "id": version,
            "supplier": bid_by,
            "slug": "a",
            "name": "Alpha",
            "amount": amount,
            "received_at": "2026-01-01T00:00:00.000000+00:00",
            "rank": 1,
            "tied": False,
        }
    return {
        "auction_id": auction_id,
        "version": version,
        "kind": kind,
        "state": "live",
        "starts_at": None,
        "ends_at": "2026-01-01T01:00:00.000000+00:00",
        "bids_count": version,
        "extensions": 0,
        "max_extensions": 5,
        "paused_remaining_s": None,
        "reason": "a bid improved a rank" if kind == "extended" else "",
        "reason_data": None,
        "visibility": visibility,
        "currency": "EUR",
        "best_price": best,
        "reserve_price": "50.00",
        "leader": A,
        "standings": standings,
        "bid": bid,
    }


class FakeSocket:
    def __init__(self, audience, name=None):
        self.audience = audience
        self.presence = None if audience == BUYER else {"id": audience, "slug": str(audience), "name": name or "S"}
        self.frames = []

    async def deliver(self, version, text):
        self.frames.append(json.loads(text))

    def of_type(self, kind):
        return [f for f in self.frames if f["type"] == kind]


def members(layer, group):
    """How many channels of this process are in ``group`` (in-memory or Redis pub/sub layer)."""
    if hasattr(layer, "_get_layer"):
        loop_layer = layer._get_layer()
        return len(loop_layer.groups.get(loop_layer._get_group_channel_name(group), ()))
    return len(layer.groups.get(group, {}))


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.AUCTION_FANOUT_INTERVAL = 0.05
    settings.AUCTION_PRESENCE_HEARTBEAT = 0.2
    settings.AUCTION_PRESENCE_TTL = 0.5
    broadcast._hubs.clear()


def test_it_sends_the_newest_update_of_a_burst_and_every_bid_to_the_buyer():
    async def body():
        buyer, alpha = FakeSocket(BUYER), FakeSocket(A)
        hub = await broadcast.join(7, buyer)
        await broadcast.join(7, alpha)
        hub.on_news(news(1, bid_by=A, amount="95.00"))
        await asyncio.sleep(0.01)  # idle hub: the first change goes out at once
        for version in range(2, 12):
            hub.on_news(news(version, bid_by=A, amount=f"{100 - version}.00"))
        await asyncio.sleep(0.15)
        await broadcast.leave(hub, buyer)
        await broadcast.leave(hub, alpha)
        return buyer, alpha

    buyer, alpha = run(body)
    updates = buyer.of_type("update")
    # Two frames, not eleven: the first at once, the burst coalesced into its newest state.
    assert [f["version"] for f in updates] == [1, 11]
    assert [f["version"] for f in alpha.of_type("update")] == [1, 11]
    # ...and still every bid reaches the monitor.
    assert [b["id"] for b in updates[1]["bids"]] == list(range(2, 12))
    assert updates[1]["bid"]["id"] == 11
    assert "server_time" in updates[1]


def test_it_frames_each_audience_by_the_rules_of_news():
    async def body():
        buyer, alpha, beta = FakeSocket(BUYER), FakeSocket(A), FakeSocket(B)
        hub = await broadcast.join(7, buyer)
        await broadcast.join(7, alpha)
        await broadcast.join(7, beta)
        hub.on_news(news(1, bid_by=A))
        await asyncio.sleep(0.05)
        for socket in (buyer, alpha, beta):
            await broadcast.leave(hub, socket)
        return buyer, alpha, beta

    buyer, alpha, beta = run(body)
    assert buyer.of_type("update")[0]["standings"][0]["name"] == "Alpha"
    rival_view = json.dumps(beta.of_type("update"))
    assert "Alpha" not in rival_view and "90.00" not in rival_view  # rank visibility: own price only
    assert beta.of_type("update")[0]["my_rank"] == 2
    assert alpha.of_type("update")[0]["my_bid"]["amount"] == "90.00"


def test_it_serializes_once_per_audience_not_per_socket(monkeypatch):
    calls = []
    real = broadcast.dumps
    monkeypatch.setattr(broadcast, "dumps", lambda frame: calls.append(frame["type"]) or real(frame))

    async def body():
        sockets = [FakeSocket(BUYER) for _ in range(5)] + [FakeSocket(A) for _ in range(50)]
        hub = None
        for socket in sockets:
            hub = await broadcast.join(7, socket)
        calls.clear()
        hub.on_news(news(1, bid_by=A))
        await asyncio.sleep(0.05)
        for socket in sockets:
            await broadcast.leave(hub, socket)
        return sockets

    sockets = run(body)
    assert calls.count("update") == 2  # buyer + supplier A, for 55 sockets
    assert all(len(s.of_type("update")) == 1 for s in sockets)


def test_it_keeps_extensions_and_state_changes_that_a_burst_would_hide():
    async def body():
        alpha = FakeSocket(A)
        hub = await broadcast.join(7, alpha)
        hub.on_news(news(1))
        await asyncio.sleep(0.005)
        hub.on_news(news(2, bid_by=A))
        hub.on_news(news(3, kind="extended", bid_by=A))
        hub.on_news(news(4, bid_by=A))
        hub.on_news(news(5, kind="state"))
        await asyncio.sleep(0.15)
        await broadcast.leave(hub, alpha)
        return alpha

    alpha = run(body)
    assert [(f["type"], f["version"]) for f in alpha.frames] == [
        ("update", 1),
        ("extended", 3),
        ("update", 4),
        ("state", 5),
    ]
    assert alpha.frames[1]["reason"] == "a bid improved a rank"


def test_it_ignores_news_older_than_what_was_sent_but_keeps_their_bids_for_the_buyer():
    async def body():
        buyer, alpha = FakeSocket(BUYER), FakeSocket(A)
        hub = await broadcast.join(7, buyer)
        await broadcast.join(7, alpha)
        hub.on_news(news(5, bid_by=A))
        await asyncio.sleep(0.1)
        hub.on_news(news(4, bid_by=A))  # published out of order by another thread
        hub.on_news(news(5, bid_by=A))  # and a duplicate
        await asyncio.sleep(0.1)
        await broadcast.leave(hub, buyer)
        await broadcast.leave(hub, alpha)
        return buyer, alpha

    buyer, alpha = run(body)
    assert [f["version"] for f in alpha.of_type("update")] == [5]
    versions = [f["version"] for f in buyer.of_type("update")]
    assert versions == [5, 5]  # the late bid rides on the newest state, which does not go back
    assert [b["id"] for b in buyer.of_type("update")[1]["bids"]] == [4, 5]


def test_it_delivers_through_the_channel_layer_and_leaves_the_group_with_the_last_socket():
    async def body():
        layer = get_channel_layer()
        buyer = FakeSocket(BUYER)
        hub = await broadcast.join(8, buyer)
        await layer.group_send("auction_8", {"type": broadcast.NEWS, "news": news(1, auction_id=8)})
        for _ in range(50):
            if buyer.of_type("update"):
                break
            await asyncio.sleep(0.01)
        members_before = members(layer, "auction_8")
        await broadcast.leave(hub, buyer)
        members_after = members(layer, "auction_8")
        return buyer, members_before, members_after

    buyer, before, after = run(body)
    assert buyer.of_type("update")[0]["version"] == 1
    assert (before, after) == (1, 0)
    assert broadcast.hub_for(8) is None


def test_it_tells_the_buyer_which_suppliers_are_connected_here_and_elsewhere():
    async def body():
        buyer, alpha = FakeSocket(BUYER), FakeSocket(A, "Alpha")
        hub = await broadcast.join(9, buyer)
        await broadcast.join(9, alpha)
        await asyncio.sleep(0.01)
        here = hub.connected()
        # Another process announces Beta, then dies without a word: Beta drops out after the TTL.
        hub.on_presence({"process": "other", "suppliers": [{"id": B, "slug": "b", "name": "Beta"}]})
        both = hub.connected()
        await asyncio.sleep(0.9)
        after_ttl = hub.connected()
        await broadcast.leave(hub, alpha)
        await asyncio.sleep(0.01)
        alone = hub.connected()
        await broadcast.leave(hub, buyer)
        return buyer, here, both, after_ttl, alone

    buyer, here, both, after_ttl, alone = run(body)
    assert [s["id"] for s in here] == [A]
    assert [s["name"] for s in both] == ["Alpha", "Beta"]
    assert [s["id"] for s in after_ttl] == [A]
    assert alone == []
    shown = [[s["id"] for s in f["connected"]] for f in buyer.of_type("presence")]
    assert shown[-3:] == [[A, B], [A], []]


def test_presence_book_merges_processes_and_expires_the_silent():
    book = PresenceBook(ttl=10)
    book.update("p1", [{"id": 1, "name": "b"}], now=0)
    book.update("p2", [{"id": 2, "name": "a"}, {"id": 1, "name": "b"}], now=5)
    assert [s["id"] for s in book.connected(now=6)] == [2, 1]
    assert [s["id"] for s in book.connected(now=12)] == [2, 1]
    book.expire(now=12)
    assert [s["id"] for s in book.connected(now=12)] == [2, 1]
    book.update("p2", [], now=13)  # a hub that stops says so
    assert book.connected(now=13) == []
