"""Finding 4 of issue 10: bad input that gave a 500 (NULs, deep JSON) is a 400 that names it."""

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pricing.importers import parse_price_file, parse_price_items
from pricing.models import PriceList

ITEM = {"sku": "A-1", "name": "Bolt", "unit": "pcs", "price": "1.00", "currency": "RUB"}


@pytest.mark.parametrize("field", ["sku", "name", "unit", "currency"])
def test_it_refuses_a_nul_in_a_json_item_field(api, supplier, field):
    item = {**ITEM, field: ITEM[field][:1] + "\x00" + ITEM[field][1:]}
    response = api(supplier).post("/api/v1/price-lists/", {"items": [item]}, format="json")
    assert response.status_code == 400
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(1, field)]
    assert not PriceList.objects.filter(supplier=supplier).exists()


def test_it_refuses_a_nul_past_the_first_megabyte_of_a_csv(api, supplier):
    head = b"sku,name,price,currency\n" + b"".join(b"A-%d,Bolt %d,1,RUB\n" % (i, i) for i in range(70_000))
    assert len(head) > 1024 * 1024
    data = head + b"B-1,Na\x00me,2,RUB\n"
    result = parse_price_file(data, "late-nul.csv")
    assert [(e.row, e.column) for e in result.errors] == [(70_002, "name")]
    assert "\x00" not in result.errors[0].value


def test_it_refuses_an_escaped_nul_in_an_xlsx_cell(api, supplier):
    book = openpyxl.Workbook()
    book.active.append(["SKU", "Name", "Price", "Currency"])
    book.active.append(["A-1", "Bo_x0000_lt", 1, "RUB"])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("nul.xlsx", buffer.getvalue())
    response = api(supplier).post("/api/v1/price-lists/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(2, "name")]


def test_it_keeps_problems_storable_when_a_cell_holds_a_nul():
    result = parse_price_items([{**ITEM, "currency": "R\x00B"}])
    assert result.errors and all("\x00" not in e.value + e.message for e in result.errors)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("buyer", "/api/v1/offers/?sku=A%00"),
        ("buyer", "/api/v1/orders/?state=%00"),
        ("buyer", "/api/v1/orders/?channel=web%00"),
        ("supplier", "/api/v1/price-lists/?status=%00"),
    ],
)
def test_it_answers_a_nul_in_an_api_query_with_json_400(api, buyer, supplier, who, url):
    response = api(buyer if who == "buyer" else supplier).get(url)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize(
    "url", ["/cabinet/orders/?state=%00", "/cabinet/orders/?channel=%00", "/pricing/offers/?sku=%00"]
)
def test_it_answers_a_nul_in_a_page_query_with_400(login, alice, url):
    assert login(alice).get(url).status_code == 400


def test_it_answers_deep_json_with_400(api, supplier):
    body = '{"items": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = api(supplier).generic("POST", "/api/v1/price-lists/", body, content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_it_answers_moderately_deep_json_with_400(api, supplier):
    nested = {}
    for _ in range(100):
        nested = {"a": nested}
    response = api(supplier).post("/api/v1/price-lists/", {"items": [nested]}, format="json")
    assert response.status_code == 400
    assert json.dumps(response.json())
