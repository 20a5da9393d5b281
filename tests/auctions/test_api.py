"""The auction endpoints of CONTRACT.md: happy paths, every refusal, 404 for foreign and uninvited,
403 for the wrong side or role, 400 naming fields, and never a 500."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from auctions import services
from auctions.models import Auction, AuctionState, Bid
from tests import factories
from tests.auctions import factories as f
from tests.cabinet import factories as cabinet_f

pytestmark = pytest.mark.django_db

URL = "/api/v1/auctions/"


def url(auction, action=""):
    return f"{URL}{auction.pk}/{action + '/' if action else ''}"


@pytest.fixture
def live(buyer, paul, supplier, sam, supplier2, sue):
    return f.auction(buyer, paul, [supplier, supplier2], state=AuctionState.LIVE, reserve_price=Decimal("950000"))


@pytest.fixture
def third(buyer):
    org = factories.SupplierFactory(name="Third Metals", slug="third-metals")
    factories.PartnershipFactory(buyer=buyer, supplier=org)
    return org


def create_body(**overrides):
    now = timezone.now()
    body = {
        "title": "Cement M500, 300 t",
        "currency": "RUB",
        "quantity": "300",
        "unit": "t",
        "start_price": "1500000.00",
        "min_step": "5000.00",
        "min_step_kind": "amount",
        "starts_at": (now + dt.timedelta(hours=1)).isoformat(),
        "ends_at": (now + dt.timedelta(hours=2)).isoformat(),
        "soft_close_window_s": 180,
        "soft_close_extension_s": 120,
        "max_extensions": 5,
        "soft_close_trigger": "rank_improving",
        "visibility": "rank",
        "suppliers": ["steel-works", "bolt-house"],
    }
    body.update(overrides)
    return body


# -- create ----------------------------------------------------------------------------------------


def test_it_creates_and_schedules(api, buyer, supplier, supplier2):
    response = api(buyer).post(URL, create_body(reserve_price="1200000.00", soft_close_top_n=3), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "scheduled" and body["start_price"] == "1500000.00"
    assert body["reserve_price"] == "1200000.00" and body["suppliers"] == ["bolt-house", "steel-works"]
    assert Auction.objects.get(pk=body["id"]).invitations.count() == 2


def test_it_creates_a_draft_on_request(api, buyer, supplier, supplier2):
    response = api(buyer).post(URL, create_body(draft=True), format="json")
    assert response.status_code == 201 and response.json()["state"] == "draft"


def test_it_creates_from_a_request_with_quotes(api, buyer, supplier, supplier2):
    rfq = cabinet_f.rfq(buyer, [supplier, supplier2])
    cabinet_f.quote(rfq, supplier, price="100.00")
    now = timezone.now()
    body = {
        "rfq": rfq.pk,
        "min_step": "10",
        "starts_at": (now + dt.timedelta(hours=1)).isoformat(),
        "ends_at": (now + dt.timedelta(hours=2)).isoformat(),
    }
    response = api(buyer).post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["start_price"] == "1500.00" and response.json()["rfq"] == rfq.pk
    assert response.json()["suppliers"] == ["bolt-house", "steel-works"]
    narrowed = api(buyer).post(URL, {**body, "suppliers": ["bolt-house"], "title": "Narrowed"}, format="json")
    assert narrowed.status_code == 201, narrowed.json()
    assert narrowed.json()["suppliers"] == ["bolt-house"] and narrowed.json()["title"] == "Narrowed"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_price": "12.345"}, "start_price"),
        ({"start_price": "abc"}, "start_price"),
        ({"min_step": "0"}, "min_step"),
        ({"min_step": "60", "min_step_kind": "percent"}, "min_step"),
        ({"reserve_price": "1500000.00"}, "reserve_price"),
        ({"currency": "ZZZ"}, "currency"),
        ({"ends_at": (timezone.now() + dt.timedelta(minutes=30)).isoformat()}, "ends_at"),
        ({"soft_close_trigger": "always"}, "soft_close_trigger"),
        ({"visibility": "all"}, "visibility"),
        ({"suppliers": ["far-away"]}, "suppliers"),
        ({"suppliers": ["no-such"]}, "suppliers"),
        ({"rfq": 999999}, "rfq"),
        ({"colour": "red"}, "colour"),
        ({"max_extensions": -1}, "max_extensions"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, buyer, supplier, supplier2, outsider_supplier, overrides, field):
    response = api(buyer).post(URL, create_body(**overrides), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert not Auction.objects.exists()


def test_missing_fields_are_named(api, buyer):
    response = api(buyer).post(URL, {"min_step": "1"}, format="json")
    assert response.status_code == 400
    assert {"title", "currency", "start_price", "starts_at", "ends_at"} <= set(response.json())


def test_a_supplier_cannot_create(api, supplier):
    assert api(supplier).post(URL, create_body(), format="json").status_code == 403


# -- read ------------------------------------------------------------------------------------------


def test_each_audience_sees_its_own_fields(api, live, buyer, supplier, supplier2):
    f.bid(live, supplier, "960000")
    f.bid(live, supplier2, "940000")
    seen_by_buyer = api(buyer).get(url(live)).json()
    assert seen_by_buyer["best_price"] == "940000.00" and seen_by_buyer["leader"] == "bolt-house"
    assert seen_by_buyer["reserve_met"] is True and seen_by_buyer["reserve_price"] == "950000.00"
    assert [line["supplier"] for line in seen_by_buyer["standings"]] == ["bolt-house", "steel-works"]
    seen_by_supplier = api(supplier).get(url(live)).json()
    assert seen_by_supplier["my_rank"] == 2 and seen_by_supplier["my_best"] == "960000.00"
    text = json.dumps(seen_by_supplier)
    assert "bolt-house" not in text and "Bolt House" not in text and "940000" not in text and "950000" not in text
    assert seen_by_supplier["best_price"] is None and seen_by_supplier["leader"] is None
    assert "standings" not in seen_by_supplier and "suppliers" not in seen_by_supplier


def test_best_price_visibility_shows_the_price_never_the_holder(api, buyer, paul, supplier, supplier2):
    auction = f.auction(buyer, paul, [supplier, supplier2], state=AuctionState.LIVE, visibility="best_price")
    f.bid(auction, supplier2, "940000")
    body = api(supplier).get(url(auction)).json()
    assert body["best_price"] == "940000.00" and body["my_rank"] is None
    assert "bolt-house" not in json.dumps(body)


def test_lists_are_scoped(api, live, buyer, paul, supplier, supplier2, third, outsider_buyer):
    draft = f.auction(buyer, paul, [supplier])
    other = f.auction(buyer, paul, [supplier2], state=AuctionState.SCHEDULED)
    ids = lambda org: {a["id"] for a in api(org).get(URL).json()["results"]}  # noqa: E731
    assert ids(buyer) == {live.pk, draft.pk, other.pk}
    assert ids(supplier) == {live.pk}
    assert ids(supplier2) == {live.pk, other.pk}
    assert ids(third) == set() and ids(outsider_buyer) == set()
    assert {a["id"] for a in api(buyer).get(URL, {"state": "live"}).json()["results"]} == {live.pk}


def test_updated_since(api, live, buyer, settings):
    settings.SYNC_SETTLE_SECONDS = 0
    before = timezone.now()
    assert api(buyer).get(URL, {"updated_since": before.isoformat()}).json()["results"] == []
    services.auction_extend(auction=live, actor=f.buyer_actor(buyer.memberships.first().user, buyer), seconds=60)
    assert [a["id"] for a in api(buyer).get(URL, {"updated_since": before.isoformat()}).json()["results"]] == [live.pk]
    assert api(buyer).get(URL, {"updated_since": "yesterday"}).status_code == 400


def test_the_list_does_not_grow_queries_with_the_data(
    api, buyer, paul, supplier, supplier2, django_assert_max_num_queries
):
    for _ in range(4):
        f.auction(buyer, paul, [supplier, supplier2], state=AuctionState.SCHEDULED)
    client = api(buyer)
    with django_assert_max_num_queries(8):
        assert len(client.get(URL).json()["results"]) == 4


@pytest.mark.parametrize("action", ["", "bids", "log", "award", "pause", "resume", "extend", "cancel"])
def test_foreign_and_uninvited_get_404(api, live, third, outsider_buyer, outsider_supplier, action):
    for org in (third, outsider_buyer, outsider_supplier):
        client = api(org)
        assert client.get(url(live, action)).status_code in (404, 405)
        assert client.post(url(live, action), {}, format="json").status_code in (404, 405)


def test_a_draft_is_404_to_its_suppliers(api, buyer, paul, supplier):
    draft = f.auction(buyer, paul, [supplier])
    assert api(supplier).get(url(draft)).status_code == 404
    assert api(supplier).post(url(draft, "bids"), {"amount": "1"}, format="json").status_code == 404


# -- bids ------------------------------------------------------------------------------------------


def test_a_bid_gets_its_receipt(api, live, supplier):
    response = api(supplier).post(url(live, "bids"), {"amount": "990000.00", "client_id": "k1"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "990000.00" and body["rank"] == 1 and body["received_at"] and body["ends_at"]
    again = api(supplier).post(url(live, "bids"), {"amount": "1.00", "client_id": "k1"}, format="json")
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    assert Bid.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("1e5", "invalid_amount"),
        ("-1", "invalid_amount"),
        ("NaN", "invalid_amount"),
        ("0", "invalid_amount"),
        ("12.345", "invalid_amount"),
        ("12345678901234", "invalid_amount"),
        ("", "invalid_amount"),
        ("1000000.01", "above_start_price"),
    ],
)
def test_refusals_are_409_with_a_code(api, live, supplier, amount, code):
    response = api(supplier).post(url(live, "bids"), {"amount": amount}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == code and response.json()["message"]


def test_own_and_step_refusals(api, live, supplier):
    client = api(supplier)
    client.post(url(live, "bids"), {"amount": "900000"}, format="json")
    assert client.post(url(live, "bids"), {"amount": "900000"}, format="json").json()["code"] == "not_better_than_own"
    assert client.post(url(live, "bids"), {"amount": "899999"}, format="json").json()["code"] == "step_too_small"


def test_state_refusals(api, buyer, paul, supplier, supplier2):
    scheduled = f.auction(buyer, paul, [supplier], state=AuctionState.SCHEDULED)
    assert api(supplier).post(url(scheduled, "bids"), {"amount": "900000"}, format="json").json()["code"] == "not_live"
    live = f.auction(buyer, paul, [supplier], state=AuctionState.LIVE, must_beat_best=True)
    services.auction_pause(auction=live, actor=f.buyer_actor(paul, buyer))
    assert api(supplier).post(url(live, "bids"), {"amount": "900000"}, format="json").json()["code"] == "paused"


def test_must_beat_best_over_the_api(api, buyer, paul, supplier, supplier2):
    live = f.auction(buyer, paul, [supplier, supplier2], state=AuctionState.LIVE, must_beat_best=True)
    api(supplier).post(url(live, "bids"), {"amount": "900000"}, format="json")
    response = api(supplier2).post(url(live, "bids"), {"amount": "950000"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "must_beat_best"


@pytest.mark.parametrize(
    "body",
    [{}, {"amount": "1", "extra": 1}, {"amount": "9" * 60}, {"amount": ["1"]}, {"amount": "1", "client_id": "x" * 65}],
)
def test_malformed_bids_are_400(api, live, supplier, body):
    response = api(supplier).post(url(live, "bids"), body, format="json")
    assert response.status_code == 400
    assert not Bid.objects.exists()


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "not json", "null", "{" * 5000])
def test_garbage_bodies_never_give_500(api, live, buyer, supplier, raw):
    for client, action in ((api(supplier), "bids"), (api(buyer), "extend"), (api(buyer), "award"), (api(buyer), "")):
        target = url(live, action) if action else URL
        response = client.post(target, raw, content_type="application/json")
        assert 400 <= response.status_code < 500, (action, response.status_code)


def test_the_buyer_cannot_bid_and_suppliers_cannot_read_all_bids(api, live, buyer, supplier):
    assert api(buyer).post(url(live, "bids"), {"amount": "900000"}, format="json").status_code == 403
    assert api(supplier).get(url(live, "bids")).status_code == 403


def test_the_buyer_reads_every_bid_oldest_first(api, live, buyer, supplier, supplier2):
    now = timezone.now()
    f.bid(live, supplier2, "950000", at=now)
    f.bid(live, supplier, "960000", at=now - dt.timedelta(milliseconds=3))
    results = api(buyer).get(url(live, "bids")).json()["results"]
    assert [(b["supplier"], b["amount"]) for b in results] == [
        ("steel-works", "960000.00"),
        ("bolt-house", "950000.00"),
    ]


# -- controls, award, log --------------------------------------------------------------------------


def test_pause_resume_extend_cancel(api, live, buyer):
    client = api(buyer)
    paused = client.post(url(live, "pause"))
    assert paused.status_code == 200 and paused.json()["state"] == "paused" and paused.json()["paused_remaining_s"]
    assert client.post(url(live, "pause")).json()["code"] == "not_live"
    resumed = client.post(url(live, "resume"))
    assert resumed.status_code == 200 and resumed.json()["state"] == "live"
    assert client.post(url(live, "resume")).status_code == 409
    ends_at = Auction.objects.get(pk=live.pk).ends_at
    extended = client.post(url(live, "extend"), {"seconds": 120}, format="json")
    assert extended.status_code == 200
    assert Auction.objects.get(pk=live.pk).ends_at == ends_at + dt.timedelta(seconds=120)
    assert client.post(url(live, "extend"), {"seconds": 0}, format="json").status_code == 400
    assert client.post(url(live, "extend"), {}, format="json").status_code == 400
    assert client.post(url(live, "cancel"), {}, format="json").status_code == 400
    cancelled = client.post(url(live, "cancel"), {"reason": "Specs changed"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["cancel_reason"] == "Specs changed"
    assert client.post(url(live, "cancel"), {"reason": "again"}, format="json").status_code == 409


@pytest.mark.parametrize("action", ["pause", "resume", "extend", "cancel", "award"])
def test_suppliers_may_not_use_the_buyers_controls(api, live, supplier, action):
    assert api(supplier).post(url(live, action), {"seconds": 5, "reason": "x"}, format="json").status_code == 403


def test_writes_need_a_key_and_the_log_needs_procurement(live, client, paul, rita, mary):
    client.force_login(paul)
    assert client.post(url(live, "pause")).status_code == 401  # a browser session may only read
    assert client.get(url(live, "log")).status_code == 200
    for person in (rita, mary):
        client.force_login(person)
        assert client.get(url(live, "log")).status_code == 403
        assert client.get(url(live, "bids")).status_code == 403
        assert client.get(url(live)).status_code == 200


def test_award_before_the_close_is_refused_then_creates_the_order(api, live, buyer, supplier, supplier2):
    f.bid(live, supplier, "960000")
    f.bid(live, supplier2, "950000")
    client = api(buyer)
    early = client.post(url(live, "award"), {}, format="json")
    assert early.status_code == 409 and early.json()["code"] == "not_closed"
    live.refresh_from_db()
    services.auction_close_expired(now=live.ends_at + dt.timedelta(minutes=1))
    no_reason = client.post(url(live, "award"), {"supplier": "steel-works"}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    stranger = client.post(url(live, "award"), {"supplier": "far-away", "reason": "x"}, format="json")
    assert stranger.status_code == 400 and "supplier" in stranger.json()
    response = client.post(url(live, "award"), {}, format="json")
    assert response.status_code == 201, response.json()
    order = response.json()
    assert order["number"].startswith("A-") and order["supplier"] == "bolt-house" and order["total"] == "950000.00"
    detail = client.get(url(live)).json()
    assert detail["state"] == "awarded" and detail["order"] == order["number"] and detail["awarded_to"] == "bolt-house"
    assert client.post(url(live, "award"), {}, format="json").status_code == 409


def test_the_log_downloads_as_json_lines(api, live, buyer, supplier):
    f.bid(live, supplier, "960000")
    f.bid(live, supplier, "x")
    response = api(buyer).get(url(live, "log"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/jsonl")
    lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert [entry["kind"] for entry in lines][-2:] == ["bid", "refused"]
    assert set(lines[0]) == {"seq", "at", "kind", "data", "prev_hash", "hash"}
    assert api(supplier).get(url(live, "log")).status_code == 403


def test_the_schema_describes_the_auction_endpoints(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert "/api/v1/auctions/{id}/bids/" in paths and "409" in paths["/api/v1/auctions/{id}/bids/"]["post"]["responses"]
    assert "/api/v1/auctions/{id}/log/" in paths
