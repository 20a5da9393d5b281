"""The 1C exchange driven as 1C drives it: checkauth, init, files in pieces (or a zip), import until
``success``, with the CommerceML pair in tests/data/commerceml/ (written for these tests)."""

import base64
import io
import zipfile
from pathlib import Path

import pytest
from django.core.cache import cache

from pricing.importers import commerceml
from pricing.models import PriceList
from tests.factories import api_key_for

DATA = Path(__file__).resolve().parent.parent / "data" / "commerceml"
URL = "/exchange/1c/"


@pytest.fixture
def one_c(client, supplier):
    cache.clear()
    _key, raw = api_key_for(supplier, "1C")
    client.defaults["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(f"steel-works:{raw}".encode()).decode()
    return client


def call(client, query, body=None):
    if body is None:
        response = client.get(f"{URL}?{query}")
    else:
        response = client.post(f"{URL}?{query}", data=body, content_type="application/octet-stream")
    return response.status_code, response.content.decode().splitlines()


def send(client, name, data, piece=1000):
    for start in range(0, len(data), piece):
        assert call(client, f"type=catalog&mode=file&filename={name}", data[start : start + piece])[1] == ["success"]


def test_it_publishes_the_price_list_as_1c_does_it(one_c, buyer):
    status, lines = call(one_c, "type=catalog&mode=checkauth")
    assert status == 200 and lines[0] == "success" and lines[1] == "mk_1c"
    assert call(one_c, "type=catalog&mode=init")[1][0] == "zip=yes"
    send(one_c, "import.xml", (DATA / "import.xml").read_bytes())
    assert call(one_c, "type=catalog&mode=import&filename=import.xml")[1] == ["success"]
    send(one_c, "offers.xml", (DATA / "offers.xml").read_bytes())
    status, lines = call(one_c, "type=catalog&mode=import&filename=offers.xml")
    assert lines[0] == "success", lines
    assert any("Уголок" in line for line in lines)  # left out with a warning

    price_list = PriceList.objects.get(supplier__slug="steel-works", status="active")
    assert price_list.channel == "1c" and price_list.currency == "RUB"
    items = {item.sku: (item.name, item.unit, str(item.price)) for item in price_list.items.all()}
    assert items == {
        "АРМ-12": ("Арматура А500С 12 мм", "шт", "512.5000"),
        "ЛСТ-3#hr-1": ("Лист стальной 3 мм (горячекатаный)", "кг", "88.4000"),
        "ЛСТ-3#cr-1": ("Лист стальной 3 мм (холоднокатаный)", "кг", "97.1000"),
    }


def test_it_takes_a_zip(one_c):
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.write(DATA / "import.xml", "import.xml")
        bundle.write(DATA / "offers.xml", "offers.xml")
    call(one_c, "type=catalog&mode=init")
    send(one_c, "exchange.zip", packed.getvalue())
    assert call(one_c, "type=catalog&mode=import&filename=import.xml")[1] == ["success"]
    assert call(one_c, "type=catalog&mode=import&filename=offers.xml")[1][0] == "success"


def test_it_refuses_a_zip_bomb(one_c):
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("import.xml", b"0" * 5_000_000)
    call(one_c, "type=catalog&mode=init")
    send(one_c, "bomb.zip", packed.getvalue(), piece=10**6)
    _status, lines = call(one_c, "type=catalog&mode=import&filename=import.xml")
    assert lines[0] == "failure" and "too much" in lines[1]


def test_offers_before_import_fail_in_words(one_c):
    call(one_c, "type=catalog&mode=init")
    send(one_c, "offers.xml", (DATA / "offers.xml").read_bytes())
    _status, lines = call(one_c, "type=catalog&mode=import&filename=offers.xml")
    assert lines[0] == "failure" and "import.xml first" in lines[1]
    assert not PriceList.objects.exists()


@pytest.mark.parametrize(
    "body, words",
    [
        (b"not xml at all", "not valid XML"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "DOCTYPE"),
        (b"<root/>", "not a CommerceML"),
    ],
)
def test_it_refuses_bad_files(one_c, body, words):
    call(one_c, "type=catalog&mode=init")
    send(one_c, "import.xml", body)
    _status, lines = call(one_c, "type=catalog&mode=import&filename=import.xml")
    assert lines[0] == "failure" and words in lines[1]


def test_it_reads_windows_1251_with_character_references():
    text = (DATA / "import.xml").read_text("utf-8").replace('encoding="UTF-8"', 'encoding="windows-1251"')
    text = text.replace("Арматура", "&#1040;рматура")
    goods = commerceml.read_goods(text.encode("cp1251"))
    assert goods["a1b2c3-0001"]["name"] == "Арматура А500С 12 мм"
    goods = commerceml.read_goods(b"\xef\xbb\xbf" + (DATA / "import.xml").read_bytes())  # a BOM
    assert goods["a1b2c3-0002"]["sku"] == "ЛСТ-3"


def test_it_refuses_a_wrong_password_and_then_many(client, supplier):
    cache.clear()
    client.defaults["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(b"steel-works:mk_wrong").decode()
    status, lines = call(client, "type=catalog&mode=checkauth")
    assert status == 401 and lines[0] == "failure"
    for _n in range(10):
        call(client, "type=catalog&mode=checkauth")
    assert call(client, "type=catalog&mode=checkauth")[0] == 429


def test_another_suppliers_key_does_not_log_in(client, supplier, supplier2):
    cache.clear()
    _key, raw = api_key_for(supplier2)
    client.defaults["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(f"steel-works:{raw}".encode()).decode()
    assert call(client, "type=catalog&mode=checkauth")[0] == 401


def test_the_integrations_page_shows_the_1c_setup(login, supplier, sam):
    page = login(sam).get("/organization/integrations/").content.decode()
    assert "/exchange/1c/" in page and "steel-works" in page
