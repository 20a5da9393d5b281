"""The catalog half of the 1C exchange driven as 1C drives it: init, files in pieces (or a zip),
import until ``success``, price types to buyers, big files on the queue, with the CommerceML pair in
tests/data/commerceml/ (written for these tests)."""

import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from marketplace.models import Exchange
from pricing.importers import commerceml
from pricing.models import ExchangePriceTypes, PriceList
from tests.exchange_1c import call
from tests.factories import BuyerFactory, PartnershipFactory

DATA = Path(__file__).resolve().parent.parent / "data" / "commerceml"


def send(client, name, data, piece=1000):
    for start in range(0, len(data), piece):
        assert call(client, f"type=catalog&mode=file&filename={name}", data[start : start + piece])[1] == ["success"]


def test_it_publishes_the_price_list_as_1c_does_it(one_c, buyer):
    status, lines = call(one_c, "type=catalog&mode=checkauth")
    assert status == 200 and lines[0] == "success" and lines[1] == "mk_1c"
    assert call(one_c, "type=catalog&mode=init")[1][0] == "zip=yes"
    send(one_c, "import.xml", (DATA / "import.xml").read_bytes())
    assert call(one_c, "type=catalog&mode=import&filename=import.xml")[1] == ["success", "Goods read: 3."]
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
    assert call(one_c, "type=catalog&mode=import&filename=import.xml")[1][0] == "success"
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


def two_price_types() -> bytes:
    """offers.xml with a wholesale and a retail price for each offer."""
    text = (DATA / "offers.xml").read_text("utf-8")
    text = text.replace(
        "</ТипыЦен>", "<ТипЦены><Ид>pt-big</Ид><Наименование>Крупный опт</Наименование></ТипЦены></ТипыЦен>"
    )
    text = text.replace(
        "</Цена></Цены>",
        "</Цена><Цена><ИдТипаЦены>pt-big</ИдТипаЦены><ЦенаЗаЕдиницу>1.00</ЦенаЗаЕдиницу><Валюта>RUB</Валюта></Цена></Цены>",
    )
    return text.encode()


def exchange_catalog(client, offers: bytes):
    call(client, "type=catalog&mode=init")
    send(client, "import.xml", (DATA / "import.xml").read_bytes())
    call(client, "type=catalog&mode=import&filename=import.xml")
    send(client, "offers.xml", offers)
    return call(client, "type=catalog&mode=import&filename=offers.xml")[1]


def test_several_price_types_without_a_choice_fail_naming_them(one_c):
    lines = exchange_catalog(one_c, two_price_types())
    assert lines[0] == "failure"
    assert "Крупный опт" in lines[1] and "Оптовая" in lines[1] and "Integrations" in lines[1]
    assert not PriceList.objects.exists()
    assert Exchange.objects.get(mode="import", filename="offers.xml").result == "failure"


def test_each_price_type_goes_to_its_buyer(one_c, api, supplier, buyer, supplier2):
    other = BuyerFactory(name="Beta Buying", slug="beta")
    PartnershipFactory(buyer=other, supplier=supplier)
    response = api(supplier).put(
        "/api/v1/integrations/1c/", {"price_types": {"Оптовая": "*", "Крупный опт": "beta"}}, format="json"
    )
    assert response.status_code == 200, response.json()
    lines = exchange_catalog(one_c, two_price_types())
    assert lines[0] == "success", lines
    lists = {(pl.audience.slug if pl.audience else "*"): pl for pl in PriceList.objects.filter(status="active")}
    assert set(lists) == {"*", "beta"}
    assert {str(i.price) for i in lists["beta"].items.all()} == {"1.0000"}
    assert lists["*"].items.get(sku="АРМ-12").price == Decimal("512.50")
    assert ExchangePriceTypes.objects.get(supplier=supplier).price_types_found == ["Крупный опт", "Оптовая"]


def test_a_mapped_price_type_missing_from_the_file_fails_and_publishes_nothing(one_c, api, supplier):
    api(supplier).put("/api/v1/integrations/1c/", {"price_types": {"Розница": "*"}}, format="json")
    lines = exchange_catalog(one_c, (DATA / "offers.xml").read_bytes())
    assert lines[0] == "failure" and "Розница" in lines[1] and "Оптовая" in lines[1]
    assert not PriceList.objects.exists()


def test_only_changes_update_the_rows_they_hold(one_c, supplier):
    assert exchange_catalog(one_c, (DATA / "offers.xml").read_bytes())[0] == "success"
    changes = (
        (DATA / "offers.xml")
        .read_text("utf-8")
        .replace('СодержитТолькоИзменения="false"', 'СодержитТолькоИзменения="true"')
    )
    changes = changes.replace("512.50", "530.00")
    start = changes.index("<Предложение>", changes.index("<Предложение>") + 1)
    end = changes.rindex("</Предложения>")
    lines = exchange_catalog(one_c, (changes[:start] + changes[end:]).encode())
    assert lines[0] == "success", lines
    active = PriceList.objects.get(status="active")
    assert active.version == 2 and active.items.count() == 3
    assert active.items.get(sku="АРМ-12").price == Decimal("530.00")


def test_a_big_file_is_imported_on_the_queue_with_progress(one_c, settings, django_capture_on_commit_callbacks):
    settings.PRICE_LIST_INLINE_BYTES = 10
    call(one_c, "type=catalog&mode=init")
    send(one_c, "import.xml", (DATA / "import.xml").read_bytes())
    call(one_c, "type=catalog&mode=import&filename=import.xml")
    send(one_c, "offers.xml", (DATA / "offers.xml").read_bytes())
    with django_capture_on_commit_callbacks() as queued:
        assert call(one_c, "type=catalog&mode=import&filename=offers.xml")[1][0] == "progress"
    assert call(one_c, "type=catalog&mode=import&filename=offers.xml")[1][0] == "progress"  # not run yet
    assert not PriceList.objects.exists()
    for task in queued:
        task()
    lines = call(one_c, "type=catalog&mode=import&filename=offers.xml")[1]
    assert lines[0] == "success" and "version 1 published" in lines[1], lines
    assert PriceList.objects.get(status="active").channel == "1c"
    exchange = Exchange.objects.get(mode="import", filename="offers.xml")
    assert exchange.result == "success" and exchange.items == 3 and exchange.finished_at


def test_a_big_bad_file_fails_on_the_queue_in_words(one_c, settings, django_capture_on_commit_callbacks):
    settings.PRICE_LIST_INLINE_BYTES = 10
    bad = (DATA / "offers.xml").read_text("utf-8").replace("512.50", "много")
    call(one_c, "type=catalog&mode=init")
    send(one_c, "import.xml", (DATA / "import.xml").read_bytes())
    send(one_c, "offers.xml", bad.encode())
    with django_capture_on_commit_callbacks(execute=True):
        assert call(one_c, "type=catalog&mode=import&filename=offers.xml")[1][0] == "progress"
    lines = call(one_c, "type=catalog&mode=import&filename=offers.xml")[1]
    assert lines[0] == "failure" and "nothing was published" in lines[1] and "много" in "".join(lines), lines
    assert not PriceList.objects.exists()


def test_the_integrations_page_lists_the_last_exchanges(
    one_c, login, sam, supplier, supplier2, django_assert_max_num_queries
):
    exchange_catalog(one_c, two_price_types())
    Exchange.objects.create(supplier=supplier2, kind="sale", mode="query", result="success", message="Bolt House's")
    client = login(sam)
    with django_assert_max_num_queries(25):
        page = client.get("/organization/integrations/").content.decode()
    history = page[page.index("Last exchanges") :]
    assert "import offers.xml" in history and "Failure" in history and "Крупный опт" in history
    assert "Bolt House" not in history  # another supplier's exchanges
    assert 'name="type_0"' in page and "Крупный опт" in page[: page.index("Last exchanges")]


def test_the_page_saves_the_price_types(one_c, login, sam, supplier, buyer):
    exchange_catalog(one_c, two_price_types())  # the types found are offered
    client = login(sam)
    response = client.post("/organization/integrations/1c/", {"type_0": "acme", "type_1": "*"})
    assert response.status_code == 302
    assert ExchangePriceTypes.objects.get(supplier=supplier).price_types == {"Крупный опт": "acme", "Оптовая": "*"}
    response = client.post("/organization/integrations/1c/", {"type_0": "*", "type_1": "*"}, follow=True)
    assert "only one price type" in response.content.decode()
    assert ExchangePriceTypes.objects.get(supplier=supplier).price_types == {"Крупный опт": "acme", "Оптовая": "*"}


def test_a_buyer_cannot_save_1c_price_types(login, alice, buyer):
    assert login(alice).post("/organization/integrations/1c/", {"new_name": "x", "new_target": "*"}).status_code == 403
    assert login(alice).get("/organization/integrations/1c/").status_code == 405


def test_an_import_the_queue_never_ran_fails_after_a_while(one_c, settings, django_capture_on_commit_callbacks):
    settings.PRICE_LIST_INLINE_BYTES = 10
    call(one_c, "type=catalog&mode=init")
    send(one_c, "import.xml", (DATA / "import.xml").read_bytes())
    send(one_c, "offers.xml", (DATA / "offers.xml").read_bytes())
    with django_capture_on_commit_callbacks():  # the queue is down: the task never runs
        assert call(one_c, "type=catalog&mode=import&filename=offers.xml")[1][0] == "progress"
    Exchange.objects.update(created_at=timezone.now() - dt.timedelta(minutes=31))
    lines = call(one_c, "type=catalog&mode=import&filename=offers.xml")[1]
    assert lines == ["failure", "The import did not finish in time; run the exchange again."]
    with django_capture_on_commit_callbacks(execute=True):  # 1C tries again: queued anew, and run
        assert call(one_c, "type=catalog&mode=import&filename=offers.xml")[1][0] == "progress"
    assert call(one_c, "type=catalog&mode=import&filename=offers.xml")[1][0] == "success"
    assert list(Exchange.objects.order_by("id").values_list("result", flat=True)) == ["failure", "success"]
