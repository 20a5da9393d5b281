"""Syncing through the API: change feeds with a cursor, idempotent POSTs, a rate limit per key."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cabinet import services as cabinet_services
from cabinet.models import Order
from marketplace.api.throttling import ApiKeyRateThrottle
from marketplace.models import IdempotentRequest
from tests.caches import clear_cache
from tests.factories import acting


@pytest.fixture(autouse=True)
def _settled(settings):
    settings.SYNC_SETTLE_SECONDS = 0


def place(api_client, sku="RB-12", price="10.00", **headers):
    return api_client.post(
        "/api/v1/orders/",
        {"supplier": "steel-works", "lines": [{"sku": sku, "quantity": "1", "price": price}]},
        format="json",
        **headers,
    )


def poll(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.json()
    body = response.json()
    return [row["number"] for row in body["results"]], body["next"]


def test_it_never_misses_nor_repeats_a_change_between_polls(api, buyer, supplier, sam):
    buyer_api, supplier_api = api(buyer), api(supplier)
    start = (timezone.now() - timedelta(minutes=1)).isoformat()
    first, second = place(buyer_api).json(), place(buyer_api, sku="B-2").json()
    seen, cursor = poll(supplier_api, f"/api/v1/orders/?updated_since={start}")
    assert seen == [first["number"], second["number"]]
    assert poll(supplier_api, f"/api/v1/orders/?cursor={cursor}") == ([], cursor)  # nothing new: same cursor

    # Between two polls the first order moves and a third is placed.
    cabinet_services.order_transition(order=Order.objects.get(pk=first["id"]), to="confirmed", actor=acting(sam))
    third = place(buyer_api, sku="C-3").json()
    seen, cursor = poll(supplier_api, f"/api/v1/orders/?cursor={cursor}")
    assert seen == [first["number"], third["number"]]
    assert poll(supplier_api, f"/api/v1/orders/?cursor={cursor}")[0] == []


def test_rows_with_one_time_come_in_id_order_and_each_once(api, buyer, supplier, monkeypatch):
    import cabinet.api  # noqa: F401

    buyer_api = api(buyer)
    numbers = [place(buyer_api, sku=f"S-{n}").json()["number"] for n in range(5)]
    same = timezone.now() - timedelta(seconds=30)
    Order.objects.update(updated_at=same)
    monkeypatch.setattr("marketplace.api.sync.PAGE", 2)
    client, seen = api(supplier), []
    page, cursor = poll(client, f"/api/v1/orders/?updated_since={(same - timedelta(seconds=1)).isoformat()}")
    while page:
        seen += page
        page, cursor = poll(client, f"/api/v1/orders/?cursor={cursor}")
    assert seen == numbers


def test_it_holds_back_a_change_that_may_not_have_committed(api, buyer, supplier, settings):
    settings.SYNC_SETTLE_SECONDS = 60
    place(api(buyer))
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    seen, cursor = poll(api(supplier), f"/api/v1/orders/?updated_since={since}")
    assert seen == []
    Order.objects.update(updated_at=timezone.now() - timedelta(minutes=2))
    assert len(poll(api(supplier), f"/api/v1/orders/?cursor={cursor}")[0]) == 1


def test_price_lists_sync_by_publication(api, supplier, buyer):
    client = api(supplier)
    created = client.post(
        "/api/v1/price-lists/",
        {"currency": "RUB", "items": [{"sku": "A-1", "name": "Bolt", "price": "1.50"}]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = api(buyer).get("/api/v1/price-lists/?updated_since=2000-01-01T00:00:00Z").json()
    assert [row["id"] for row in body["results"]] == [created.json()["id"]]


@pytest.mark.parametrize(
    "since",
    [
        "0106-03-24T17:21:16.00-18:08",  # an offset PostgreSQL does not take (it was a 500 there)
        "0001-01-01T00:00:00+00:00",  # the earliest time there is
        "0001-01-01T00:00:00+05:00",  # before it, in UTC
        "9999-12-31T23:59:59-05:00",  # after the last
    ],
)
def test_any_time_with_an_offset_is_answered(api, supplier, since):
    response = api(supplier).get("/api/v1/orders/", {"updated_since": since})
    assert response.status_code in (200, 400) and set(response.json()) in (
        {"results", "next", "more"},
        {"updated_since"},
    )


@pytest.mark.parametrize("query", ["updated_since=yesterday", "updated_since=2025-01-01T00:00:00", "cursor=xyz"])
def test_it_refuses_a_bad_time_or_cursor(api, supplier, query):
    response = api(supplier).get(f"/api/v1/orders/?{query}")
    assert response.status_code == 400
    assert set(response.json()) <= {"updated_since", "cursor"}


def test_the_same_idempotency_key_and_body_answers_the_first_answer_and_does_nothing(api, buyer, supplier):
    client = api(buyer)
    first = place(client, HTTP_IDEMPOTENCY_KEY="order-1")
    again = place(client, HTTP_IDEMPOTENCY_KEY="order-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


def test_the_same_key_with_another_body_is_a_422(api, buyer, supplier):
    client = api(buyer)
    place(client, HTTP_IDEMPOTENCY_KEY="order-1")
    response = place(client, price="11.00", HTTP_IDEMPOTENCY_KEY="order-1")
    assert response.status_code == 422 and "another request" in response.json()["detail"]
    assert Order.objects.count() == 1


def test_keys_belong_to_their_sender_and_expire_after_a_day(api, buyer, supplier):
    place(api(buyer), HTTP_IDEMPOTENCY_KEY="k")
    assert place(api(buyer), HTTP_IDEMPOTENCY_KEY="k").status_code == 201  # another API key
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))
    client = api(buyer)
    place(client, HTTP_IDEMPOTENCY_KEY="k2")
    IdempotentRequest.objects.filter(key="k2").update(created_at=timezone.now() - timedelta(hours=25))
    assert place(client, HTTP_IDEMPOTENCY_KEY="k2").status_code == 201
    assert Order.objects.count() == 4


def test_a_refused_request_is_replayed_too(api, buyer, supplier):
    client = api(buyer)
    bad = {"supplier": "nobody", "lines": [{"sku": "X", "quantity": "1", "price": "1"}]}
    first = client.post("/api/v1/orders/", bad, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    again = client.post("/api/v1/orders/", bad, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    assert first.status_code == again.status_code == 400 and again.json() == first.json()


def test_multipart_uploads_with_another_boundary_are_the_same_request(api, supplier):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api(supplier)

    def upload():
        return client.post(
            "/api/v1/price-lists/",
            {"file": SimpleUploadedFile("p.csv", b"sku;name;price\nA-1;Bolt;1,50\n"), "currency": "RUB"},
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )

    first = upload()
    from django.test import client as test_client

    test_client.BOUNDARY = "AnotherBoundary"
    try:
        again = upload()
    finally:
        test_client.BOUNDARY = "BoUnDaRyStRiNg"
    assert first.status_code == 201, first.json()
    assert again.status_code == 201 and again.json() == first.json()


def test_it_limits_each_key_with_429_and_retry_after(api, buyer, supplier, monkeypatch):
    clear_cache()
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "3/min"})
    limited, other = api(supplier), api(buyer)
    answers = [limited.get("/api/v1/me/").status_code for _n in range(4)]
    assert answers == [200, 200, 200, 429]
    response = limited.get("/api/v1/me/")
    assert int(response["Retry-After"]) > 0 and "throttled" in response.json()["detail"].lower()
    assert other.get("/api/v1/me/").status_code == 200


def _feed(client, url) -> tuple[list[int], str]:
    response = client.get(url)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"results", "next", "more"}
    return [row["id"] for row in body["results"]], body["next"]


def test_requests_sync_every_change_each_side_sees(api, buyer, supplier, supplier2):
    from cabinet import services as rfq_services
    from tests.cabinet import factories as cabinet_factories

    start = (timezone.now() - timedelta(minutes=1)).isoformat()
    first = cabinet_factories.rfq(buyer, [supplier, supplier2])
    second = cabinet_factories.rfq(buyer, [supplier2])
    seen, buyer_cursor = _feed(api(buyer), f"/api/v1/requests/?updated_since={start}")
    assert seen == [first.pk, second.pk]
    seen, supplier_cursor = _feed(api(supplier), f"/api/v1/requests/?updated_since={start}")
    assert seen == [first.pk]  # not a request sent to another supplier

    cabinet_factories.quote(first, supplier)  # the buyer sees one more answer; the supplier its own
    rfq_services.rfq_cancel(rfq=second, actor=acting(buyer))
    assert _feed(api(buyer), f"/api/v1/requests/?cursor={buyer_cursor}")[0] == [first.pk, second.pk]
    seen, supplier_cursor = _feed(api(supplier), f"/api/v1/requests/?cursor={supplier_cursor}")
    assert seen == [first.pk]
    assert _feed(api(supplier), f"/api/v1/requests/?cursor={supplier_cursor}") == ([], supplier_cursor)

    row = api(supplier).get(f"/api/v1/requests/{first.pk}/").json()
    assert row["own_answer"] == "submitted" and row["answers_count"] is None and len(row["lines"]) == 2
    assert api(buyer).get(f"/api/v1/requests/{first.pk}/").json()["answers_count"] == 1
    assert api(supplier).get(f"/api/v1/requests/{second.pk}/").status_code == 404


def test_the_request_list_is_paged_without_a_time(api, buyer, supplier):
    from tests.cabinet import factories as cabinet_factories

    made = cabinet_factories.rfq(buyer, [supplier])
    body = api(supplier).get("/api/v1/requests/").json()
    assert body["count"] == 1 and body["results"][0]["id"] == made.pk and body["results"][0]["buyer"] == buyer.slug


def test_auctions_sync_with_the_same_cursor(api, buyer, paul, supplier, monkeypatch):
    from auctions import services as auction_services
    from tests.auctions import factories as auction_factories

    monkeypatch.setattr("marketplace.api.sync.PAGE", 1)
    start = (timezone.now() - timedelta(minutes=1)).isoformat()
    first = auction_factories.auction(buyer, paul, [supplier])
    second = auction_factories.auction(buyer, paul, [supplier], state="scheduled")
    client = api(buyer)
    page, cursor = _feed(client, f"/api/v1/auctions/?updated_since={start}")
    assert page == [first.pk]  # one a page: "more" says to go on
    page, cursor = _feed(client, f"/api/v1/auctions/?cursor={cursor}")
    assert page == [second.pk]
    assert _feed(client, f"/api/v1/auctions/?cursor={cursor}") == ([], cursor)
    auction_services.auction_cancel(
        auction=first, actor=auction_factories.buyer_actor(paul, buyer), reason="Budget cut"
    )
    assert _feed(client, f"/api/v1/auctions/?cursor={cursor}")[0] == [first.pk]
    assert _feed(api(supplier), f"/api/v1/auctions/?updated_since={start}")[0] == [second.pk]  # not the draft
