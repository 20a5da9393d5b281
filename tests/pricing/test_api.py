"""``/api/v1/price-lists/`` and ``/api/v1/offers/`` as CONTRACT.md states them."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pricing.models import PriceList, PriceUpload
from tests.pricing.factories import product, publish
from tests.pricing.samples import SAMPLES

pytestmark = pytest.mark.django_db
URL = "/api/v1/price-lists/"


@pytest.mark.parametrize(
    ("name", "rows", "sku", "price"),
    [
        ("pricelist_ru_cp1251.csv", 8, "АРМ-12-А500", "61250.0000"),
        ("pricelist_vi_utf8bom.csv", 6, "THEP-D10", "15250000.0000"),
        ("pricelist_en_quantity_breaks.xlsx", 6, "BOLT-M8x40", "0.1800"),
    ],
)
def test_it_publishes_each_sample_file(api, supplier, name, rows, sku, price):
    client = api(supplier)
    response = client.post(URL, {"file": SimpleUploadedFile(name, (SAMPLES / name).read_bytes())}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body == {"id": body["id"], "rows": rows, "status": "active"}
    items = client.get(f"{URL}{body['id']}/items/").json()
    assert items["count"] == rows
    assert next(i["price"] for i in items["results"] if i["sku"] == sku) == price
    assert PriceList.objects.get(pk=body["id"]).channel == "api"


def test_it_rejects_the_broken_sample_with_row_errors(api, supplier):
    response = api(supplier).post(
        URL,
        {"file": SimpleUploadedFile("b.csv", (SAMPLES / "pricelist_broken.csv").read_bytes()), "currency": "USD"},
        format="multipart",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert sorted({e["row"] for e in errors}) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert all(set(e) == {"row", "column", "message"} for e in errors)
    assert not PriceList.objects.exists() and not PriceUpload.objects.exists()


def test_it_publishes_json_items_for_one_buyer(api, supplier, buyer):
    response = api(supplier).post(
        URL,
        {
            "items": [
                {"sku": "BOLT", "name": "Bolt", "unit": "pcs", "price": "0.20", "min_qty": "1"},
                {"sku": "BOLT", "name": "Bolt", "unit": "pcs", "price": "0.15", "min_qty": "1000"},
            ],
            "currency": "USD",
            "valid_from": "2026-01-01",
            "buyer": buyer.slug,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    price_list = PriceList.objects.get()
    assert (price_list.audience, price_list.currency, price_list.rows) == (buyer, "USD", 2)
    detail = api(buyer).get(f"{URL}{price_list.pk}/").json()
    assert detail["buyer"] == buyer.slug and detail["supplier"] == supplier.slug and detail["version"] == 1


def test_it_names_the_api_key_that_sent_a_version(supplier, login, sam):
    from rest_framework.test import APIClient

    from tests import factories as core

    key, raw = core.api_key_for(supplier, name="ERP sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = {"items": [{"sku": "A", "name": "a", "price": "1"}], "currency": "usd"}
    assert client.post(URL, body, format="json").status_code == 201
    price_list = PriceList.objects.get()
    assert (price_list.channel, price_list.uploaded_by, price_list.api_key) == ("api", None, key)
    assert price_list.currency == "USD"
    page = login(sam).get(reverse("pricing:list_detail", args=[price_list.pk])).content.decode()
    assert "API key “ERP sync”" in page


def test_it_refuses_a_currency_that_is_not_an_iso_code(api, supplier):
    body = {"items": [{"sku": "A", "name": "a", "price": "1"}], "currency": "РУБ"}
    response = api(supplier).post(URL, body, format="json")
    assert response.status_code == 400
    assert [e["column"] for e in response.json()["errors"]] == ["currency"]
    assert not PriceList.objects.exists() and not PriceUpload.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"items": [{"sku": "A", "name": "a", "price": "1,234"}], "currency": "USD"},
        {"items": [], "currency": "USD"},
        {"items": [{"sku": "A", "name": "a", "price": "1"}], "currency": "USD", "colour": "red"},
        {"items": [{"sku": "A", "name": "a", "price": "1"}], "currency": "USD", "buyer": "no-such"},
        {"currency": "USD"},
    ],
)
def test_it_answers_400_and_stores_nothing(api, supplier, payload):
    response = api(supplier).post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]
    assert not PriceList.objects.exists() and not PriceUpload.objects.exists()


def test_it_refuses_a_buyer_that_is_not_a_partner(api, supplier, outsider_buyer):
    response = api(supplier).post(
        URL, {"items": [{"sku": "A", "name": "a", "price": "1"}], "currency": "USD", "buyer": outsider_buyer.slug},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and response.json()["errors"][0]["column"] == "buyer"


def test_it_refuses_uploads_from_buyers(api, buyer):
    response = api(buyer).post(URL, {"items": [], "currency": "USD"}, format="json")
    assert response.status_code == 403


def test_it_lists_what_each_side_may_see(api, buyer, supplier, supplier2, outsider_buyer):
    own = publish(supplier)
    other = publish(supplier2)
    assert [r["id"] for r in api(supplier).get(URL).json()["results"]] == [own.pk]
    assert {r["id"] for r in api(buyer).get(URL).json()["results"]} == {own.pk, other.pk}
    assert api(outsider_buyer).get(URL).json()["count"] == 0
    for org in (supplier2, outsider_buyer):
        assert api(org).get(f"{URL}{own.pk}/").status_code == 404
        assert api(org).get(f"{URL}{own.pk}/items/").status_code == 404


def test_it_pages_the_items(api, supplier):
    rows = [(f"S{i:03d}", f"n{i}", "pcs", "1", 1) for i in range(60)]
    price_list = publish(supplier, rows)
    page = api(supplier).get(f"{URL}{price_list.pk}/items/").json()
    assert page["count"] == 60 and len(page["results"]) == 50 and page["next"]


def test_it_finds_offers_cheapest_first(api, buyer, supplier, supplier2):
    publish(supplier, [("A-1", "Арматура", "т", "120", 1), ("A-1", "Арматура", "т", "100", 10)])
    publish(supplier2, [("ZZ", "Арматура", "т", "110", 1)])
    product(buyer, sku="A-1", name="Арматура")
    results = api(buyer).get("/api/v1/offers/", {"sku": "A-1"}).json()["results"]
    assert [(r["supplier"], r["price"]) for r in results] == [
        (supplier.slug, "100.0000"),
        (supplier2.slug, "110.0000"),
        (supplier.slug, "120.0000"),
    ]
    assert results[0]["min_qty"] == "10.000" and results[0]["supplier_sku"] == "A-1"
    small = api(buyer).get("/api/v1/offers/", {"sku": "A-1", "quantity": "5"}).json()["results"]
    assert [Decimal(r["price"]) for r in small] == [Decimal("110"), Decimal("120")]


def test_it_keeps_offers_for_buyers(api, supplier, buyer):
    assert api(supplier).get("/api/v1/offers/", {"sku": "A"}).status_code == 403
    assert api(buyer).get("/api/v1/offers/").status_code == 400


def test_it_answers_an_outsider_and_an_unknown_buyer_alike(api, supplier, outsider_buyer):
    from tests import factories as core

    pending = core.BuyerFactory(name="Pending Partner")
    core.PartnershipFactory(buyer=pending, supplier=supplier, status="applied")
    client = api(supplier)
    for slug in (outsider_buyer.slug, pending.slug, "no-such-buyer"):
        response = client.post(
            URL, {"items": [{"sku": "A", "name": "a", "price": "1"}], "currency": "USD", "buyer": slug}, format="json"
        )
        assert response.status_code == 400
        assert response.json() == {
            "errors": [
                {"row": None, "column": "buyer", "message": f"No such buyer among your active partners: “{slug}”."}
            ]
        }
    assert not PriceList.objects.exists() and not PriceUpload.objects.exists()


def test_it_finds_offers_cheapest_first_within_each_currency(api, buyer, supplier, supplier2):
    from tests import factories as core

    supplier3 = core.SupplierFactory(name="Dong Thep")
    core.PartnershipFactory(buyer=buyer, supplier=supplier3)
    publish(supplier, [("A-1", "Арматура", "т", "120", 1), ("A-1", "Арматура", "т", "100", 10)])
    publish(supplier2, [("A-1", "Арматура", "т", "2", 1)], currency="USD")
    publish(supplier3, [("A-1", "Арматура", "т", "1500000", 1)], currency="VND")
    product(buyer, sku="A-1", name="Арматура")
    results = api(buyer).get("/api/v1/offers/", {"sku": "A-1"}).json()
    assert results["count"] == 4
    assert [(r["price"], r["currency"]) for r in results["results"]] == [
        ("100.0000", "RUB"),
        ("120.0000", "RUB"),
        ("2.0000", "USD"),
        ("1500000.0000", "VND"),
    ]
