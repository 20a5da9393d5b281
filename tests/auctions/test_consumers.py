"""The auction websocket through the whole ASGI stack (Origin check, session or Bearer key, the
consumer, the hub): who may connect, what each audience sees, bids over the socket, bad frames."""

import json
from decimal import Decimal

import pytest
from channels.testing import WebsocketCommunicator

from auctions import broadcast
from auctions.models import Bid
from marketplace.asgi import application
from tests import factories
from tests.auctions import factories as af
from tests.auctions.live import cookie_for, run

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def socket(auction_id, user=None, *, key=None, origin=ORIGIN):
    headers = [origin] if origin else []
    if user is not None:
        headers.append((b"cookie", cookie_for(user).encode()))
    if key is not None:
        headers.append((b"authorization", f"Bearer {key}".encode()))
    return WebsocketCommunicator(application, f"/ws/auctions/{auction_id}/", headers=headers)


async def receive(communicator, kind=None, timeout=3):
    """The next frame (of ``kind``: others are kept for later calls, in order)."""
    kept = communicator.__dict__.setdefault("kept", [])
    for index, frame in enumerate(kept):
        if kind is None or frame["type"] == kind:
            return kept.pop(index)
    while True:
        frame = json.loads(await communicator.receive_from(timeout=timeout))
        if kind is None or frame["type"] == kind:
            return frame
        kept.append(frame)


async def opened(communicator):
    connected, _code = await communicator.connect(timeout=5)
    assert connected
    return await receive(communicator, "snapshot")


async def closed_with(communicator):
    connected, code = await communicator.connect(timeout=5)
    if not connected:
        return code if code is not None else "refused"
    output = await communicator.receive_output(timeout=3)
    assert output["type"] == "websocket.close", output  # nothing was sent before the close
    return output.get("code")


@pytest.fixture(autouse=True)
def _no_hubs_left(settings):
    settings.AUCTION_WS_RATE = 10
    settings.AUCTION_WS_BURST = 20
    broadcast._hubs.clear()
    yield
    assert not broadcast._hubs, "a hub outlived its sockets"


@pytest.fixture
def live(buyer, alice, supplier, sam, supplier2, sue):
    return af.auction(buyer, alice, [supplier, supplier2], state="live")


def test_it_refuses_the_anonymous_the_uninvited_and_the_foreign_with_4403(live, olga, oscar, buyer, rita):
    outsider_supplier_of_ours = factories.SupplierFactory(name="Not Invited", slug="not-invited")
    factories.PartnershipFactory(buyer=buyer, supplier=outsider_supplier_of_ours)
    stranger = factories.member(outsider_supplier_of_ours, "owner", "ned@not-invited.test")

    async def body():
        codes = [
            await closed_with(socket(live.pk)),  # anonymous
            await closed_with(socket(live.pk, stranger)),  # an active partner, but not invited
            await closed_with(socket(live.pk, olga)),  # another tenant's supplier
            await closed_with(socket(live.pk, oscar)),  # another buyer
            await closed_with(socket(live.pk, key="mk_123456789012_nonsense")),  # a made-up key
            await closed_with(socket(999_999, oscar)),  # no such auction
        ]
        return codes

    assert run(body) == [4403] * 6


def test_it_refuses_a_foreign_origin_before_anything(live, sam):
    async def body():
        communicator = socket(live.pk, sam, origin=(b"origin", b"https://evil.example"))
        connected, _ = await communicator.connect(timeout=5)
        return connected

    assert run(body) is False


def test_it_refuses_suppliers_the_auction_while_it_is_a_draft(buyer, alice, supplier, sam):
    draft = af.auction(buyer, alice, [supplier])

    async def body():
        return await closed_with(socket(draft.pk, sam))

    assert run(body) == 4403


def test_it_shows_each_audience_only_what_it_may_see(live, alice, sam, sue, supplier, supplier2):
    af.bid(live, supplier2, "990000.00")

    async def body():
        monitor, steel, bolt = socket(live.pk, alice), socket(live.pk, sam), socket(live.pk, sue)
        snapshots = [await opened(monitor), await opened(steel), await opened(bolt)]
        presence = await receive(monitor, "presence")
        await steel.send_to(text_data=json.dumps({"type": "bid", "amount": "980000.00", "client_id": "s-1"}))
        result = await receive(steel, "bid_result")
        updates = [await receive(monitor, "update"), await receive(steel, "update"), await receive(bolt, "update")]
        for communicator in (monitor, steel, bolt):
            await communicator.disconnect()
        return snapshots, presence, result, updates

    snapshots, presence, result, (monitor, steel, bolt) = run(body)
    buyer_snapshot, steel_snapshot, bolt_snapshot = snapshots
    assert [b["amount"] for b in buyer_snapshot["bids"]] == ["990000.00"]
    assert bolt_snapshot["my_best"] == "990000.00" and bolt_snapshot["my_rank"] == 1
    assert steel_snapshot["my_rank"] is None and steel_snapshot["my_bids"] == []
    assert "990000.00" not in json.dumps(steel_snapshot)  # rank visibility: no rival price
    assert {s["name"] for s in presence["connected"]} <= {"Steel Works", "Bolt House"}

    assert result["ok"] is True and result["client_id"] == "s-1"
    assert result["bid"]["amount"] == "980000.00" and result["bid"]["received_at"]
    assert monitor["bid"]["name"] == "Steel Works" and monitor["standings"][0]["name"] == "Steel Works"
    assert steel["my_rank"] == 1 and steel["my_best"] == "980000.00"
    assert bolt["my_rank"] == 2 and bolt["my_best"] == "990000.00"
    bolt_view = json.dumps(bolt)
    assert "980000.00" not in bolt_view and "Steel Works" not in bolt_view and "steel-works" not in bolt_view
    assert '"supplier"' not in bolt_view and "standings" not in bolt_view


def test_it_shows_the_best_price_but_never_who_holds_it_under_best_price(buyer, alice, supplier, sam, supplier2, sue):
    auction = af.auction(buyer, alice, [supplier, supplier2], state="live", visibility="best_price")

    async def body():
        steel, bolt = socket(auction.pk, sam), socket(auction.pk, sue)
        await opened(steel)
        await opened(bolt)
        await steel.send_to(text_data=json.dumps({"type": "bid", "amount": "970000.00"}))
        await receive(steel, "bid_result")
        update = await receive(bolt, "update")
        await steel.disconnect()
        await bolt.disconnect()
        return update

    update = run(body)
    assert update["best_price"] == "970000.00"
    assert "Steel Works" not in json.dumps(update) and "leader" not in update


def test_it_takes_a_bid_from_an_api_key_without_a_browser(live, supplier):
    _key, raw = factories.api_key_for(supplier)

    async def body():
        communicator = socket(live.pk, key=raw, origin=None)
        snapshot = await opened(communicator)
        await communicator.send_to(text_data=json.dumps({"type": "bid", "amount": "950000.00", "client_id": "k1"}))
        result = await receive(communicator, "bid_result")
        await communicator.send_to(text_data=json.dumps({"type": "bid", "amount": "950000.00", "client_id": "k1"}))
        again = await receive(communicator, "bid_result")
        await communicator.disconnect()
        return snapshot, result, again

    snapshot, result, again = run(body)
    assert snapshot["auction"]["id"] == live.pk
    assert result["ok"] and again["ok"] and again["bid"]["id"] == result["bid"]["id"]
    assert Bid.objects.filter(auction=live).count() == 1  # the retry placed nothing


def test_it_answers_every_bad_frame_and_keeps_the_connection(live, sam):
    frames = [
        ("{not json", "error", "bad_json"),
        ("[1, 2]", "error", "bad_frame"),
        (json.dumps({"type": "dance"}), "error", "unknown_type"),
        (json.dumps({"type": "bid", "amount": 123.45, "client_id": "n"}), "bid_result", "invalid_amount"),
        (json.dumps({"type": "bid", "amount": "1e5", "client_id": "e"}), "bid_result", "invalid_amount"),
        (json.dumps({"type": "bid", "amount": "-1"}), "bid_result", "invalid_amount"),
        (json.dumps({"type": "bid", "amount": "NaN"}), "bid_result", "invalid_amount"),
        (json.dumps({"type": "bid", "amount": "12.345"}), "bid_result", "invalid_amount"),
        (json.dumps({"type": "bid", "amount": "0"}), "bid_result", "invalid_amount"),
        (json.dumps({"type": "bid", "amount": "2000000.00"}), "bid_result", "above_start_price"),
        (json.dumps({"type": "bid", "amount": "900000.00", "client_id": 7}), "bid_result", "invalid_client_id"),
        ("x" * (10 * 1024 * 1024), "error", "too_large"),
    ]

    async def body():
        communicator = socket(live.pk, sam)
        await opened(communicator)
        answers = []
        for text, _kind, _code in frames:
            await communicator.send_to(text_data=text)
            answers.append(await receive(communicator, timeout=5))
        await communicator.send_to(bytes_data=b"\x00\x01")
        answers.append(await receive(communicator))
        # Still open and working after all that.
        await communicator.send_to(text_data=json.dumps({"type": "sync"}))
        snapshot = await receive(communicator, "snapshot")
        await communicator.disconnect()
        return answers, snapshot

    answers, snapshot = run(body)
    for (_text, kind, code), answer in zip(frames, answers, strict=False):
        assert (answer["type"], answer.get("code")) == (kind, code), answer
        assert answer.get("message")
    assert answers[-1]["code"] == "bad_frame"
    assert snapshot["my_rank"] is None
    assert not Bid.objects.exists()


def test_it_rate_limits_a_flood_with_a_message_and_closes_only_on_sustained_abuse(live, sam, settings):
    settings.AUCTION_WS_ABUSE_FRAMES = 60
    cheap = json.dumps({"type": "dance"})  # answered without the database: the flood is not slowed

    async def body():
        communicator = socket(live.pk, sam)
        await opened(communicator)
        for _ in range(30):
            await communicator.send_to(text_data=cheap)
        answers = []
        while not await communicator.receive_nothing(timeout=0.5):
            answers.append(await receive(communicator))
        # Still open: a sync is answered.
        await communicator.send_to(text_data=json.dumps({"type": "sync"}))
        snapshot = await receive(communicator, "snapshot")
        for _ in range(100):
            await communicator.send_to(text_data=cheap)
        while True:
            output = await communicator.receive_output(timeout=3)
            if output["type"] == "websocket.close":
                break
        await communicator.disconnect()
        return answers, snapshot, output

    answers, snapshot, close = run(body)
    handled = [f for f in answers if f.get("code") == "unknown_type"]
    limited = [f for f in answers if f.get("code") == "rate_limited"]
    assert 20 <= len(handled) <= 22  # the burst (and what trickled in meanwhile)
    assert 1 <= len(limited) <= 5 and "a second" in limited[0]["message"]  # answered, but not each one
    assert snapshot["type"] == "snapshot"
    assert close["code"] == 4429


def test_it_closes_a_supplier_that_lost_its_invitation_on_its_next_frame(live, sam, supplier):
    async def body():
        communicator = socket(live.pk, sam)
        await opened(communicator)
        from channels.db import database_sync_to_async

        await database_sync_to_async(lambda: live.invitations.filter(supplier=supplier).delete())()
        await communicator.send_to(text_data=json.dumps({"type": "bid", "amount": "900000.00"}))
        error = await receive(communicator)
        close = await communicator.receive_output(timeout=3)
        return error, close

    error, close = run(body)
    assert error["code"] == "forbidden"
    assert close == {"type": "websocket.close", "code": 4403}
    assert not Bid.objects.exists()


def test_it_tells_the_buyer_who_is_connected(live, alice, sam):
    async def body():
        monitor = socket(live.pk, alice)
        await opened(monitor)
        first = await receive(monitor, "presence")
        steel = socket(live.pk, sam)
        await opened(steel)
        joined = await receive(monitor, "presence")
        await steel.disconnect()
        left = await receive(monitor, "presence")
        await monitor.disconnect()
        return first, joined, left

    first, joined, left = run(body)
    assert first["connected"] == []
    assert [s["name"] for s in joined["connected"]] == ["Steel Works"]
    assert left["connected"] == []


def test_a_read_only_buyer_member_watches_but_cannot_bid(live, rita):
    async def body():
        monitor = socket(live.pk, rita)
        await opened(monitor)
        await monitor.send_to(text_data=json.dumps({"type": "bid", "amount": "1.00"}))
        result = await receive(monitor, "bid_result")
        await monitor.disconnect()
        return result

    result = run(body)
    assert result["ok"] is False and result["code"] == "not_invited"
    assert Decimal("1") not in set(Bid.objects.values_list("amount", flat=True))
