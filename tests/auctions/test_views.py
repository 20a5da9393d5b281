"""The auction pages: lists, setting up (also from a request), the monitor and the room, the
buyer's controls and the log download; 404 for another tenant, 403 for a role or side that may
not, 405 for the wrong method."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from auctions.models import Auction, AuctionState, Invitation
from tests.auctions import factories as af


@pytest.fixture
def live(buyer, alice, supplier, sam, supplier2, sue):
    return af.auction(buyer, alice, [supplier, supplier2], state="live", reserve_price=Decimal("900000.00"))


def _form(suppliers, **overrides):
    start = timezone.localtime() + dt.timedelta(minutes=10)
    data = {
        "title": "Cement M500, 300 t",
        "description": "Delivered to site 4",
        "lot": "Cement M500",
        "quantity": "300",
        "unit": "t",
        "currency": "eur",
        "start_price": "45000.00",
        "reserve_price": "40000.00",
        "min_step": "1",
        "min_step_kind": "percent",
        "must_beat_best": "on",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M:%S"),
        "ends_at": (start + dt.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S"),
        "soft_close_window_s": "120",
        "soft_close_extension_s": "60",
        "max_extensions": "3",
        "soft_close_trigger": "new_leader",
        "soft_close_top_n": "2",
        "visibility": "best_price",
        "suppliers": [s.pk for s in suppliers],
        "schedule": "on",
    }
    data.update(overrides)
    return data


def test_it_creates_and_schedules_an_auction_with_every_term(login, paul, supplier, supplier2, sam):
    response = login(paul).post("/auctions/new/", _form([supplier, supplier2]))
    auction = Auction.objects.get()
    assert response.status_code == 302 and response.url == f"/auctions/{auction.pk}/"
    assert auction.state == AuctionState.SCHEDULED
    assert (auction.currency, auction.min_step_kind, auction.must_beat_best) == ("EUR", "percent", True)
    assert (auction.soft_close_trigger, auction.soft_close_top_n, auction.visibility) == ("new_leader", 2, "best_price")
    assert auction.reserve_price == Decimal("40000.00") and auction.max_extensions == 3
    assert set(auction.invitations.values_list("supplier_id", flat=True)) == {supplier.pk, supplier2.pk}


def test_it_reads_the_times_in_the_device_time_zone(login, paul, supplier):
    start = (timezone.now() + dt.timedelta(hours=3)).astimezone(dt.timezone(dt.timedelta(hours=7)))
    data = _form(
        [supplier],
        starts_at=start.strftime("%Y-%m-%dT%H:%M:%S"),
        ends_at=(start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        tz_offset="-420",  # what getTimezoneOffset() says at UTC+7
    )
    login(paul).post("/auctions/new/", data)
    assert Auction.objects.get().starts_at == start.replace(microsecond=0)


def test_it_shows_the_services_refusals_next_to_their_fields(login, paul, supplier, outsider_supplier):
    response = login(paul).post("/auctions/new/", _form([supplier], reserve_price="50000.00"))
    assert response.status_code == 200
    assert "below the start price" in response.content.decode()
    assert not Auction.objects.exists()
    # A supplier that is not an active partner is not even offered.
    response = login(paul).post("/auctions/new/", _form([outsider_supplier]))
    assert response.status_code == 200 and not Auction.objects.exists()


def test_it_turns_a_request_with_quotes_into_an_auction(login, paul, buyer, supplier, sam, supplier2):
    from tests.cabinet import factories as cf

    rfq = cf.rfq(buyer, [supplier, supplier2])
    quote = cf.quote(rfq, supplier)
    client = login(paul)
    assert f"/auctions/new/?rfq={rfq.pk}" in client.get(f"/cabinet/requests/{rfq.pk}/").content.decode()
    form = client.get(f"/auctions/new/?rfq={rfq.pk}")
    assert form.status_code == 200 and rfq.title in form.content.decode()
    data = _form([], start_price=str(quote.total), title=rfq.title, reserve_price="", currency=rfq.currency)
    data.pop("suppliers")
    data["rfq"] = rfq.pk
    response = client.post("/auctions/new/", data)
    assert response.status_code == 302, response.context["form"].errors
    auction = Auction.objects.get()
    assert auction.rfq_id == rfq.pk
    assert set(auction.invitations.values_list("supplier_id", flat=True)) == {supplier.pk, supplier2.pk}


def test_the_buyer_sees_the_monitor_and_the_supplier_the_room(login, alice, sam, live):
    monitor = login(alice).get(f"/auctions/{live.pk}/")
    assert monitor.status_code == 200
    html = monitor.content.decode()
    assert 'id="monitor"' in html and 'id="controls"' in html and "Steel Works" in html
    config = json.loads(html.split('id="auction-config" type="application/json">')[1].split("</script>")[0])
    assert config["ws_path"] == f"/ws/auctions/{live.pk}/" and config["audience"] == "buyer"

    room = login(sam).get(f"/auctions/{live.pk}/")
    html = room.content.decode()
    assert room.status_code == 200 and 'id="room"' in html and 'id="bid-form"' in html
    assert "Bolt House" not in html  # no rival's name
    assert "900000" not in html  # nor the reserve


def test_lists_show_each_side_its_own(
    login, alice, sam, olga, live, buyer, supplier, supplier2, django_assert_max_num_queries
):
    af.auction(buyer, alice, [supplier2])  # a draft Steel Works is not invited to
    draft_for_steel = af.auction(buyer, alice, [supplier], title="Draft for steel")
    client = login(alice)
    with django_assert_max_num_queries(12):
        page = client.get("/auctions/")
    assert page.status_code == 200 and page.content.decode().count('href="/auctions/') >= 3
    page = login(sam).get("/auctions/?when=live").content.decode()
    assert live.title in page and draft_for_steel.title not in page
    assert "Bolt House" not in page
    assert live.title not in login(olga).get("/auctions/").content.decode()


def test_it_checks_ownership(login, oscar, olga, live):
    for user in (oscar, olga):
        client = login(user)
        assert client.get(f"/auctions/{live.pk}/").status_code == 404
        assert client.get(f"/auctions/{live.pk}/log/").status_code == 404
        assert client.post(f"/auctions/{live.pk}/pause/").status_code == 404


def test_it_requires_procurement_for_the_controls(login, rita, mary, sam, live):
    for user in (rita, mary):
        client = login(user)
        assert client.get(f"/auctions/{live.pk}/").status_code == 200  # watching is fine
        assert client.post(f"/auctions/{live.pk}/pause/").status_code == 403
        assert client.get("/auctions/new/").status_code == 403
    supplier_client = login(sam)
    assert supplier_client.post(f"/auctions/{live.pk}/pause/").status_code == 403
    assert supplier_client.get(f"/auctions/{live.pk}/log/").status_code == 403
    assert supplier_client.get("/auctions/new/").status_code == 403
    live.refresh_from_db()
    assert live.state == AuctionState.LIVE


def test_it_refuses_the_wrong_method(login, paul, live):
    client = login(paul)
    assert client.get(f"/auctions/{live.pk}/pause/").status_code == 405
    assert client.post(f"/auctions/{live.pk}/").status_code == 405
    assert client.post(f"/auctions/{live.pk}/log/").status_code == 405


def test_the_buyer_pauses_resumes_extends_cancels_and_downloads_the_log(login, paul, live):
    client = login(paul)
    client.post(f"/auctions/{live.pk}/pause/")
    live.refresh_from_db()
    assert live.state == AuctionState.PAUSED
    page = client.post(f"/auctions/{live.pk}/pause/", follow=True)  # twice: a message, not a 500
    assert page.status_code == 200
    client.post(f"/auctions/{live.pk}/resume/")
    ends = Auction.objects.get(pk=live.pk).ends_at
    client.post(f"/auctions/{live.pk}/extend/", {"minutes": "5"})
    live.refresh_from_db()
    assert live.state == AuctionState.LIVE and live.ends_at == ends + dt.timedelta(minutes=5)
    assert client.post(f"/auctions/{live.pk}/cancel/", {"reason": ""}).status_code == 302
    live.refresh_from_db()
    assert live.state == AuctionState.LIVE  # no reason, no cancel
    client.post(f"/auctions/{live.pk}/cancel/", {"reason": "The budget was cut"})
    live.refresh_from_db()
    assert live.state == AuctionState.CANCELLED and live.cancel_reason == "The budget was cut"
    log = client.get(f"/auctions/{live.pk}/log/")
    lines = [json.loads(line) for line in b"".join(log.streaming_content).decode().splitlines()]
    assert log["Content-Disposition"].startswith("attachment")
    assert [e["seq"] for e in lines] == list(range(lines[0]["seq"], lines[0]["seq"] + len(lines)))
    assert {"paused", "resumed", "extended"} <= {e["kind"] for e in lines}


def test_the_buyer_awards_after_the_close_and_lands_on_the_order(login, paul, live, supplier, supplier2):
    af.bid(live, supplier, "950000.00")
    af.bid(live, supplier2, "960000.00")
    client = login(paul)
    early = client.post(f"/auctions/{live.pk}/award/", {"supplier": supplier.pk}, follow=True)
    assert early.status_code == 200 and Auction.objects.get(pk=live.pk).order_id is None
    Auction.objects.filter(pk=live.pk).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    from auctions import services

    services.auction_close_expired(now=timezone.now() + dt.timedelta(minutes=1))
    # Another than the leader needs a reason.
    client.post(f"/auctions/{live.pk}/award/", {"supplier": supplier2.pk})
    assert Auction.objects.get(pk=live.pk).order_id is None
    response = client.post(f"/auctions/{live.pk}/award/", {"supplier": supplier.pk})
    live.refresh_from_db()
    assert live.state == AuctionState.AWARDED and live.order is not None
    assert response.status_code == 302 and response.url == f"/cabinet/orders/{live.order.pk}/"
    assert live.order.number.startswith("A-")
    assert f"/cabinet/orders/{live.order.pk}/" in client.get(f"/auctions/{live.pk}/").content.decode()


def test_home_and_navigation_show_auctions_on_both_sides(login, alice, sam, live):
    for user in (alice, sam):
        page = login(user).get("/").content.decode()
        assert 'data-nav="auctions"' in page and 'id="auctions-dashboard"' in page and live.title in page


def test_the_supplier_room_is_404_once_uninvited(login, sam, live, supplier):
    Invitation.objects.filter(auction=live, supplier=supplier).delete()
    assert login(sam).get(f"/auctions/{live.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("language", "start", "step", "reserve", "best"),
    [
        ("ru", "1\xa0000\xa0000,00\xa0₽", "1\xa0000,00\xa0₽", "900\xa0000,00\xa0₽", "990\xa0000,00\xa0₽"),
        ("vi", "1.000.000,00\xa0RUB", "1.000,00\xa0RUB", "900.000,00\xa0RUB", "990.000,00\xa0RUB"),
    ],
)
def test_every_amount_on_the_auction_pages_is_written_in_the_readers_language(
    login, alice, sam, live, supplier, language, start, step, reserve, best
):
    from marketplace.money import format_money

    af.bid(live, supplier, "990000")
    # the filter is the one source: what the pages show is what format_money writes
    assert format_money(Decimal("1000000"), "RUB", language) == start
    client = login(sam)
    client.cookies["django_language"] = language
    room = client.get(f"/auctions/{live.pk}/").content.decode()
    assert start in room and step in room
    assert "1000000" not in room
    assert best in client.get("/auctions/").content.decode()  # its own best bid
    client = login(alice)
    monitor = client.get(f"/auctions/{live.pk}/").content.decode()
    for amount in (start, step, reserve, best):
        assert amount in monitor, amount
    listing = client.get("/auctions/").content.decode()
    assert start in listing and best in listing
