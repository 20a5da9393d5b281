"""Two daphne processes on PostgreSQL and one Redis channel layer, as in production: a bid placed
through one reaches a watcher connected to the other; 200 sockets dropped at once leave no stale
group member behind (each process's hub is the group's only member from that process)."""

import asyncio
import json
import uuid

import pytest
from django.conf import settings

from tests.auctions import factories as af
from tests.auctions.daphne import Daphne
from tests.auctions.live import cookie_for, run

pytestmark = [pytest.mark.multiprocess, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def prefix():
    return f"mp-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def two_daphnes(prefix, tmp_path):
    servers = [Daphne(env={"CHANNEL_PREFIX": prefix}, log=tmp_path / f"daphne-{i}.log") for i in range(2)]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.kill()


def group_members(prefix: str, auction_id: int) -> int:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    name = f"{prefix}__group__auction_{auction_id}"
    return dict(client.pubsub_numsub(name)).get(name.encode(), 0)


async def connect(server, auction, cookie):
    from websockets.asyncio.client import connect as ws_connect

    ws = await ws_connect(
        server.url.replace("http", "ws") + f"/ws/auctions/{auction.pk}/",
        origin=server.url,
        additional_headers=[("Cookie", cookie)],
        open_timeout=30,
        max_size=2**20,
    )
    return ws


async def next_frame(ws, kind, timeout=5.0, where=None):
    """The next frame of ``kind`` (and satisfying ``where``)."""
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == kind and (where is None or where(frame)):
                return frame


def test_a_bid_through_one_process_reaches_a_watcher_on_the_other(two_daphnes, buyer, alice, supplier, sam, supplier2):
    auction = af.auction(buyer, alice, [supplier, supplier2], state="live")
    one, other = two_daphnes
    buyer_cookie, sam_cookie = cookie_for(alice), cookie_for(sam)

    async def body():
        monitor = await connect(other, auction, buyer_cookie)
        await next_frame(monitor, "snapshot")
        bidder = await connect(one, auction, sam_cookie)
        await next_frame(bidder, "snapshot")
        # Presence crosses the processes too.
        presence = await next_frame(monitor, "presence", where=lambda f: f["connected"])
        loop = asyncio.get_running_loop()
        sent = loop.time()
        await bidder.send(json.dumps({"type": "bid", "amount": "990000.00", "client_id": "x-1"}))
        update = await next_frame(monitor, "update")
        arrived = loop.time() - sent
        result = await next_frame(bidder, "bid_result")
        await monitor.close()
        await bidder.close()
        return presence, update, result, arrived

    presence, update, result, arrived = run(body)
    assert [s["name"] for s in presence["connected"]] == ["Steel Works"]
    assert result["ok"] is True
    assert update["bid"]["amount"] == "990000.00" and update["bid"]["name"] == "Steel Works"
    assert arrived < 2.0


def test_200_sockets_dropped_at_once_leave_no_stale_group_members(
    two_daphnes, prefix, buyer, alice, supplier, sam, supplier2, sue
):
    auction = af.auction(buyer, alice, [supplier, supplier2], state="live")
    crowded, other = two_daphnes
    sam_cookie, sue_cookie, buyer_cookie = cookie_for(sam), cookie_for(sue), cookie_for(alice)

    async def body():
        monitor = await connect(other, auction, buyer_cookie)
        await next_frame(monitor, "snapshot")
        crowd = []
        for start in range(0, 200, 40):  # in batches: each handshake reads the database
            crowd += await asyncio.gather(*(connect(crowded, auction, sam_cookie) for _ in range(start, start + 40)))
        await asyncio.gather(*(next_frame(ws, "snapshot", timeout=30) for ws in crowd))
        await next_frame(monitor, "presence", where=lambda f: f["connected"])
        members_while_open = group_members(prefix, auction.pk)

        for ws in crowd:  # dropped, not closed: no close handshake, as when a network dies
            ws.transport.abort()
        gone = await next_frame(monitor, "presence", where=lambda f: not f["connected"], timeout=15)
        await asyncio.sleep(1)
        members_after = group_members(prefix, auction.pk)

        # The crowded process still works: a newcomer there sees a bid placed through the other one.
        newcomer = await connect(crowded, auction, sam_cookie)
        await next_frame(newcomer, "snapshot")
        bidder = await connect(other, auction, sue_cookie)
        await next_frame(bidder, "snapshot")
        await bidder.send(json.dumps({"type": "bid", "amount": "980000.00"}))
        seen = await next_frame(newcomer, "update")
        for ws in (monitor, newcomer, bidder):
            await ws.close()
        await asyncio.sleep(1)
        return members_while_open, gone, members_after, seen, group_members(prefix, auction.pk)

    while_open, gone, after, seen, at_the_end = run(body)
    assert while_open == 2  # one hub per process, however many sockets
    assert gone["connected"] == []
    assert after == 1  # the crowded process left the group with its last socket
    assert seen["bids_count"] == 1 and seen["my_rank"] is None
    assert at_the_end == 0
