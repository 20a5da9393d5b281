from decimal import Decimal

import pytest

from cabinet import services
from cabinet.models import Complaint, Order, OrderEvent
from tests.cabinet import factories as f
from tests.factories import acting


def test_it_places_an_order_through_the_api(api, buyer, supplier):
    response = api(buyer).post(
        "/api/v1/orders/",
        {"supplier": "steel-works", "lines": [{"sku": "RB-12", "name": "Rebar", "quantity": "2.5", "price": "100.10"}]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("I-") and body["channel"] == "api" and body["state"] == "placed"
    assert (body["buyer"], body["supplier"], body["currency"]) == ("acme", "steel-works", "RUB")
    assert body["total"] == "250.25"
    assert body["lines"][0]["quantity"] == "2.500" and body["lines"][0]["price"] == "100.1000"
    assert body["history"] == [
        {
            "from": "",
            "to": "placed",
            "at": body["history"][0]["at"],
            "by": "acme",
            "actor": None,
            "author": "API key “test”",
            "comment": "",
            "via_api": True,
        }
    ]
    assert body["allowed"] == ["cancelled"]
    assert OrderEvent.objects.get().via_api


def test_it_prices_an_api_order_from_the_price_list_when_price_is_left_out(api, buyer, supplier):
    from tests.pricing import factories as pricing

    pricing.publish(supplier, [("B-2", "Bolt M8", "pcs", "0.50", 1)], currency="RUB")
    response = api(buyer).post(
        "/api/v1/orders/", {"supplier": "steel-works", "lines": [{"sku": "B-2", "quantity": 100}]}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["total"] == "50.00"
    assert response.json()["lines"][0]["name"] == "Bolt M8"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"supplier": "steel-works", "lines": [{"sku": "A", "quantity": "1", "price": "1"}], "colour": "red"},
            "colour",
        ),
        ({"supplier": "steel-works", "lines": [{"sku": "A", "quantity": "1", "price": "1", "size": 3}]}, "lines"),
        ({"supplier": "steel-works", "lines": [{"sku": "A", "quantity": "many", "price": "1"}]}, "lines"),
        ({"supplier": "steel-works", "lines": "A"}, "lines"),
        ({"supplier": "steel-works", "lines": []}, "lines"),
        ({"supplier": "steel-works", "lines": [{"sku": "A", "quantity": "0", "price": "1"}]}, "lines"),
        ({"supplier": "steel-works", "lines": [{"sku": "A", "quantity": "-2", "price": "1"}]}, "lines"),
        ({"supplier": "steel-works", "lines": [{"sku": "NOT-LISTED", "quantity": "1"}]}, "lines"),
        ({"supplier": "far-away", "lines": [{"sku": "A", "quantity": "1", "price": "1"}]}, "supplier"),
        ({"supplier": "nobody", "lines": [{"sku": "A", "quantity": "1", "price": "1"}]}, "supplier"),
    ],
)
def test_it_refuses_bad_orders_with_400_naming_the_field(api, buyer, supplier, outsider_supplier, payload, field):
    response = api(buyer).post("/api/v1/orders/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Order.objects.exists()


def test_it_lets_only_buyers_place_orders(api, supplier):
    response = api(supplier).post(
        "/api/v1/orders/",
        {"supplier": "steel-works", "lines": [{"sku": "A", "quantity": 1, "price": 1}]},
        format="json",
    )
    assert response.status_code == 403


def test_it_lists_and_reads_orders_for_both_sides_only(api, buyer, supplier, supplier2, outsider_buyer):
    mine = f.order(buyer, supplier, state="shipped")
    f.order(buyer, supplier2)
    for organization, count in ((buyer, 2), (supplier, 1), (supplier2, 1), (outsider_buyer, 0)):
        body = api(organization).get("/api/v1/orders/").json()
        assert body["count"] == count
    body = api(supplier).get(f"/api/v1/orders/{mine.pk}/").json()
    assert [(h["from"], h["to"]) for h in body["history"]] == [
        ("", "placed"),
        ("placed", "confirmed"),
        ("confirmed", "in_progress"),
        ("in_progress", "shipped"),
    ]
    assert body["allowed"] == []
    assert api(buyer).get(f"/api/v1/orders/{mine.pk}/").json()["allowed"] == ["delivered"]
    assert api(supplier2).get(f"/api/v1/orders/{mine.pk}/").status_code == 404
    assert api(outsider_buyer).get(f"/api/v1/orders/{mine.pk}/").status_code == 404
    assert api(buyer).get("/api/v1/orders/?state=shipped").json()["count"] == 1


def test_it_keeps_api_list_queries_flat(api, buyer, supplier, django_assert_max_num_queries):
    client = api(buyer)
    f.order(buyer, supplier, state="shipped")
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/orders/")
    ceiling = len(few)
    for _ in range(10):
        f.order(buyer, supplier, state="shipped")
    with django_assert_max_num_queries(ceiling):
        assert client.get("/api/v1/orders/").json()["count"] == 11


def test_it_moves_an_order_through_the_api_and_refuses_with_409(api, buyer, supplier):
    order = f.order(buyer, supplier)
    supplier_api = api(supplier)
    response = supplier_api.post(f"/api/v1/orders/{order.pk}/transition/", {"to": "shipped"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "transition_not_allowed" and body["allowed"] == ["confirmed", "rejected"]
    assert "Allowed now" in body["message"]
    response = api(buyer).post(f"/api/v1/orders/{order.pk}/transition/", {"to": "confirmed"}, format="json")
    assert response.status_code == 409 and response.json()["allowed"] == ["cancelled"]
    response = supplier_api.post(
        f"/api/v1/orders/{order.pk}/transition/", {"to": "confirmed", "comment": "ok"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["state"] == "confirmed" and response.json()["history"][-1]["comment"] == "ok"
    order.refresh_from_db()
    assert order.state == "confirmed"


def test_it_refuses_a_reject_without_a_reason_and_bad_input_with_400(api, buyer, supplier):
    order = f.order(buyer, supplier)
    client = api(supplier)
    url = f"/api/v1/orders/{order.pk}/transition/"
    assert "comment" in client.post(url, {"to": "rejected"}, format="json").json()
    assert client.post(url, {"to": "teleported"}, format="json").status_code == 400
    assert client.post(url, {"to": "confirmed", "why": 1}, format="json").status_code == 400
    assert client.post(url, ["confirmed"], format="json").status_code == 400
    order.refresh_from_db()
    assert order.state == "placed"


def test_it_answers_404_for_another_tenants_order_on_writes(api, buyer, supplier, outsider_buyer, outsider_supplier):
    order = f.order(buyer, supplier)
    for organization in (outsider_buyer, outsider_supplier):
        assert (
            api(organization)
            .post(f"/api/v1/orders/{order.pk}/transition/", {"to": "confirmed"}, format="json")
            .status_code
            == 404
        )
    assert (
        api(outsider_buyer).post(f"/api/v1/orders/{order.pk}/complaints/", {"reason": "x"}, format="json").status_code
        == 404
    )
    order.refresh_from_db()
    assert order.state == "placed"


def test_it_opens_a_complaint_through_the_api(api, buyer, supplier):
    order = f.order(buyer, supplier, state="delivered")
    client = api(buyer)
    response = client.post(f"/api/v1/orders/{order.pk}/complaints/", {"reason": "rust", "lines": [2]}, format="json")
    assert response.status_code == 201
    assert (
        response.json()["state"] == "open"
        and response.json()["lines"] == [2]
        and response.json()["order"] == order.number
    )
    order.refresh_from_db()
    assert order.state == "disputed"
    assert (
        client.post(f"/api/v1/orders/{order.pk}/complaints/", {"reason": "x", "lines": [9]}, format="json").status_code
        == 400
    )
    assert client.post(f"/api/v1/orders/{order.pk}/complaints/", {}, format="json").status_code == 400
    assert (
        api(supplier).post(f"/api/v1/orders/{order.pk}/complaints/", {"reason": "x"}, format="json").status_code == 403
    )
    assert Complaint.objects.count() == 1


def test_it_refuses_a_complaint_on_an_undelivered_order_with_409(api, buyer, supplier):
    order = f.order(buyer, supplier, state="confirmed")
    response = api(buyer).post(f"/api/v1/orders/{order.pk}/complaints/", {"reason": "late"}, format="json")
    assert response.status_code == 409 and response.json()["allowed"] == ["cancelled"]
    assert not Complaint.objects.exists()


def test_it_carries_an_order_from_placed_to_completed_with_a_resolved_complaint(api, buyer, supplier):

    client_b, client_s = api(buyer), api(supplier)
    order_id = client_b.post(
        "/api/v1/orders/",
        {"supplier": "steel-works", "lines": [{"sku": "X", "quantity": 1, "price": "9.99"}]},
        format="json",
    ).json()["id"]
    url = f"/api/v1/orders/{order_id}/transition/"
    for client, to, comment in [
        (client_s, "confirmed", ""),
        (client_s, "in_progress", ""),
        (client_s, "shipped", "DHL 123"),
        (client_b, "delivered", ""),
    ]:
        assert client.post(url, {"to": to, "comment": comment}, format="json").status_code == 200
    complaint_id = client_b.post(f"/api/v1/orders/{order_id}/complaints/", {"reason": "dented"}, format="json").json()[
        "id"
    ]
    assert client_b.post(url, {"to": "completed"}, format="json").status_code == 409
    complaint = Complaint.objects.get(pk=complaint_id)
    services.complaint_resolve(
        complaint=complaint, resolution="compensated", compensation=Decimal("2"), actor=acting(buyer)
    )
    response = client_b.post(url, {"to": "completed"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "completed"
    assert response.json()["completed_at"]


def test_it_serves_the_schema_with_the_order_endpoints(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/orders/{id}/transition/" in response.content


# -- foreign suppliers, ids and currency codes -------------------------------------------------


def test_it_answers_the_same_for_another_tenants_supplier_and_an_unknown_slug(api, buyer, outsider_supplier):
    client = api(buyer)
    body = {"lines": [{"sku": "x", "quantity": "1", "price": "1"}]}
    foreign = client.post("/api/v1/orders/", {**body, "supplier": "far-away"}, format="json")
    unknown = client.post("/api/v1/orders/", {**body, "supplier": "nobody-here"}, format="json")
    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json() == {"supplier": ["No active supplier “far-away”."]}
    assert unknown.json() == {"supplier": ["No active supplier “nobody-here”."]}
    assert "Far Away" not in foreign.content.decode()
    assert not Order.objects.exists()


def test_it_answers_the_same_for_a_former_partner_through_the_api(api, buyer, supplier):
    f.end_partnership(buyer, supplier)
    response = api(buyer).post(
        "/api/v1/orders/",
        {"supplier": "steel-works", "lines": [{"sku": "x", "quantity": "1", "price": "1"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"supplier": ["No active supplier “steel-works”."]}


def test_it_refuses_a_complaint_line_too_large_through_the_api(api, buyer, supplier):
    order = f.order(buyer, supplier, state="delivered")
    client = api(buyer)
    for lines in ([10**20], [2**31], [0]):
        response = client.post(f"/api/v1/orders/{order.pk}/complaints/", {"reason": "x", "lines": lines}, format="json")
        assert response.status_code == 400, lines
        assert "lines" in response.json()
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("currency", ["$$$", "R1B", "РУБ", "US", "XYZ"])
def test_it_refuses_a_currency_that_is_not_an_iso_code_through_the_api(api, buyer, supplier, currency):
    response = api(buyer).post(
        "/api/v1/orders/",
        {"supplier": "steel-works", "currency": currency, "lines": [{"sku": "a", "quantity": "1", "price": "1"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "currency" in response.json()
    assert not Order.objects.exists()


def test_it_upper_cases_a_currency_given_through_the_api(api, buyer, supplier):
    response = api(buyer).post(
        "/api/v1/orders/",
        {"supplier": "steel-works", "currency": "usd", "lines": [{"sku": "a", "quantity": "1", "price": "1"}]},
        format="json",
    )
    assert response.status_code == 201 and response.json()["currency"] == "USD"
