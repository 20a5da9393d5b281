"""1C's CommerceML files (offers.xml, or a zip with import.xml) uploaded as a price list: told by
content, read by the CommerceML reader, then the same validation and publish as any other file."""

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pricing import importers
from pricing.models import PriceList, PriceUpload, UploadStatus

DATA = Path(__file__).resolve().parent.parent / "data" / "commerceml"
OFFERS = (DATA / "offers.xml").read_bytes()


def pair(offers: bytes = OFFERS, *, extra: dict | None = None) -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("webdata/import0_1.xml", (DATA / "import.xml").read_bytes())
        bundle.writestr("webdata/offers0_1.xml", offers)
        for name, data in (extra or {}).items():
            bundle.writestr(name, data)
    return packed.getvalue()


def rows(result) -> dict:
    return {r.sku: (r.name, r.unit, r.price, r.currency) for r in result.items}


def test_a_zip_of_import_and_offers_gives_articles_and_units():
    result = importers.parse_price_file(pair(), "exchange.zip")
    assert result.errors == []
    assert rows(result) == {
        "АРМ-12": ("Арматура А500С 12 мм", "шт", Decimal("512.50"), "RUB"),
        "ЛСТ-3#hr-1": ("Лист стальной 3 мм (горячекатаный)", "кг", Decimal("88.40"), "RUB"),
        "ЛСТ-3#cr-1": ("Лист стальной 3 мм (холоднокатаный)", "кг", Decimal("97.10"), "RUB"),
    }


def test_offers_alone_name_their_goods_themselves():
    result = importers.parse_price_file(OFFERS, "whatever.csv")  # the name does not matter
    assert result.errors == []
    assert [w.message for w in result.warnings] == [
        "“Уголок 50х50 без цены” (a1b2c3-0003) has no price of this type; left out."
    ]
    assert rows(result)["a1b2c3-0001"] == ("Арматура А500С 12 мм", "шт", Decimal("512.50"), "RUB")


def test_a_price_with_three_decimals_is_never_read_as_thousands():
    data = OFFERS.replace(b"512.50", b"1.500").replace(b"88.40", b"2.000").replace(b"97.10", b"3.250")
    result = importers.parse_price_file(data, "offers.xml")
    assert result.errors == []
    assert [r.price for r in result.items] == [Decimal("1.5"), Decimal("2"), Decimal("3.25")]


def test_windows_1251_offers_are_read():
    text = OFFERS.decode().replace('encoding="UTF-8"', 'encoding="windows-1251"')
    result = importers.parse_price_file(text.encode("cp1251"), "offers.xml")
    assert result.errors == [] and "Арматура А500С 12 мм" in {r.name for r in result.items}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ((DATA / "import.xml").read_bytes(), "holds goods but no prices"),
        (
            OFFERS.replace(
                "</ТипыЦен>".encode(),
                "<ТипЦены><Ид>x</Ид><Наименование>Розница</Наименование></ТипЦены></ТипыЦен>".encode(),
            ),
            "several price types (Оптовая, Розница)",
        ),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><r>&a;</r>', "not a CommerceML price list"),
        (b"<root><item/></root>", "not a CommerceML price list"),
        (OFFERS.replace("</Предложения>".encode(), b""), "not valid XML"),
        (pair(extra={"webdata/offers_bomb.xml": b"0" * 5_000_000}), "too much data"),
    ],
)
def test_bad_commerceml_is_a_file_error_in_words(data, words):
    result = importers.parse_price_file(data, "offers.xml")
    assert [e.row for e in result.errors] == [0]
    assert words in result.errors[0].message


def test_a_workbook_is_still_a_workbook():
    from tests.pricing.samples import SAMPLES

    result = importers.parse_price_file((SAMPLES / "pricelist_en_quantity_breaks.xlsx").read_bytes(), "x.zip")
    assert result.errors == [] and result.total_rows == 6


@pytest.mark.django_db
def test_the_api_publishes_a_commerceml_zip(api, supplier):
    client = api(supplier)
    response = client.post(
        "/api/v1/price-lists/", {"file": SimpleUploadedFile("exchange.zip", pair())}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    price_list = PriceList.objects.get(pk=response.json()["id"])
    assert price_list.channel == "api" and price_list.rows == 3 and price_list.currency == "RUB"
    assert price_list.items.get(sku="АРМ-12").unit == "шт"


@pytest.mark.django_db
def test_the_api_refuses_bad_commerceml_and_stores_nothing(api, supplier):
    response = api(supplier).post(
        "/api/v1/price-lists/",
        {"file": SimpleUploadedFile("offers.xml", OFFERS.replace(b"512.50", b"-5"))},
        format="multipart",
    )
    assert response.status_code == 400
    assert [e["row"] for e in response.json()["errors"]] == [1]
    assert not PriceList.objects.exists() and not PriceUpload.objects.exists()


@pytest.mark.django_db
def test_the_upload_page_takes_offers_xml(login, sam):
    client = login(sam)
    response = client.post(
        reverse("pricing:upload"), {"file": SimpleUploadedFile("offers.xml", OFFERS), "mode": "full"}
    )
    assert response.status_code == 302
    upload = PriceUpload.objects.get()
    assert upload.status == UploadStatus.READY, upload.errors
    client.post(reverse("pricing:upload_publish", args=[upload.pk]))
    price_list = PriceList.objects.get(status="active")
    assert price_list.rows == 3 and price_list.channel == "web"
