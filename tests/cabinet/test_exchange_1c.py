"""The orders half of the 1C exchange as 1C drives it: checkauth, init, query (CommerceML documents),
success (the mark moves), and 1C's documents back with the state moves they carry."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from defusedxml.ElementTree import fromstring
from django.utils import timezone, translation

from cabinet import services
from cabinet.models import Order, OrderEvent, OrderState
from marketplace.models import Exchange
from tests.cabinet.factories import order as make_order
from tests.exchange_1c import URL, log_in_as_1c
from tests.factories import acting, api_key_for


def query(client):
    response = client.get(f"{URL}?type=sale&mode=query")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    root = fromstring(response.content)
    assert root.tag == "КоммерческаяИнформация"
    return {doc.findtext("Номер"): doc for doc in root.findall("Документ")}


def lines_of(response):
    return response.content.decode().splitlines()


def post_file(client, body: bytes, name="orders.xml", mode="file"):
    return lines_of(
        client.post(f"{URL}?type=sale&mode={mode}&filename={name}", data=body, content_type="application/octet-stream")
    )


def requisites(doc) -> dict:
    return {
        pair.findtext("Наименование"): pair.findtext("Значение")
        for pair in doc.find("ЗначенияРеквизитов").findall("ЗначениеРеквизита")
    }


def test_it_sends_the_orders_as_commerceml_documents(one_c, buyer, supplier, supplier2):
    placed = make_order(buyer, supplier)
    confirmed = make_order(buyer, supplier, state=OrderState.CONFIRMED)
    make_order(buyer, supplier, state=OrderState.COMPLETED)  # over: not sent on the first exchange
    make_order(buyer, supplier2)  # another supplier's
    assert lines_of(one_c.get(f"{URL}?type=sale&mode=checkauth"))[0] == "success"
    assert lines_of(one_c.get(f"{URL}?type=sale&mode=init"))[0].startswith("zip=")
    documents = query(one_c)
    assert set(documents) == {placed.number, confirmed.number}
    doc = documents[placed.number]
    assert doc.findtext("Ид") == str(placed.pk)
    assert doc.findtext("ХозОперация") == "Заказ товара" and doc.findtext("Роль") == "Продавец"
    assert doc.findtext("Валюта") == placed.currency
    assert Decimal(doc.findtext("Сумма")) == placed.total
    assert doc.findtext("Дата") == timezone.localtime(placed.created_at).date().isoformat()
    party = doc.find("Контрагенты/Контрагент")
    assert party.findtext("Наименование") == "Acme Buying" and party.findtext("Роль") == "Покупатель"
    goods = doc.findall("Товары/Товар")
    line = placed.lines.get(position=1)
    assert [g.findtext("Артикул") for g in goods] == [line.sku for line in placed.lines.all()]
    first = goods[0]
    assert first.findtext("Наименование") == line.name and first.findtext("Ид") == line.sku
    assert Decimal(first.findtext("Количество")) == line.quantity
    assert Decimal(first.findtext("ЦенаЗаЕдиницу")) == line.price
    assert Decimal(first.findtext("Сумма")) == line.amount and first.findtext("ЦенаЗаЕдиницу") == "10.50"
    with translation.override("ru"):
        assert requisites(doc)["Статус заказа"] == str(OrderState.PLACED.label) != "Placed"
    assert requisites(doc)["Статус заказа ИД"] == "placed" and requisites(doc)["Отменен"] == "false"
    assert requisites(documents[confirmed.number])["Статус заказа ИД"] == "confirmed"
    assert Exchange.objects.get(mode="query").orders == 2


def test_success_moves_the_mark_so_only_changed_orders_come_again(one_c, buyer, supplier):
    first = make_order(buyer, supplier)
    second = make_order(buyer, supplier)
    assert set(query(one_c)) == {first.number, second.number}
    assert set(query(one_c)) == {first.number, second.number}  # not acknowledged: sent again
    assert lines_of(one_c.get(f"{URL}?type=sale&mode=success")) == ["success"]
    assert query(one_c) == {}
    Order.objects.filter(pk=second.pk).update(updated_at=timezone.now() + dt.timedelta(seconds=1))
    third = make_order(buyer, supplier)
    assert set(query(one_c)) == {second.number, third.number}


def document(order, *, values=(), operation="Заказ товара", extra="") -> str:
    """One «Документ» as 1C writes it back, carrying ``values`` as its requisites."""
    pairs = "".join(
        f"<ЗначениеРеквизита><Наименование>{name}</Наименование><Значение>{value}</Значение></ЗначениеРеквизита>"
        for name, value in values
    )
    return (
        f"<Документ><Ид>{order.pk}</Ид><Номер>{order.number}</Номер><Дата>2026-03-01</Дата>"
        f"<ХозОперация>{operation}</ХозОперация><Роль>Продавец</Роль>{extra}"
        f"<ЗначенияРеквизитов>{pairs}</ЗначенияРеквизитов></Документ>"
    )


def package(*documents: str, encoding: str = "UTF-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        '<КоммерческаяИнформация ВерсияСхемы="2.08" ДатаФормирования="2026-03-01T10:00:00">'
        + "".join(documents)
        + "</КоммерческаяИнформация>"
    )


def test_1c_confirms_and_ships_orders(one_c, buyer, supplier):
    to_confirm = make_order(buyer, supplier)
    to_ship = make_order(buyer, supplier)
    body = package(
        document(to_confirm, values=[("Проведен", "true")]),
        document(to_ship, values=[("Проведен", "true"), ("Номер отгрузки по 1С", "РТ-000123")]),
    )
    lines = post_file(one_c, body.encode())
    assert lines == ["success", "Orders read: 2; moves applied: 4; refused: 0."]
    to_confirm.refresh_from_db()
    to_ship.refresh_from_db()
    assert to_confirm.state == OrderState.CONFIRMED
    assert to_ship.state == OrderState.SHIPPED and to_ship.shipment_note == "РТ-000123"
    moves = list(OrderEvent.objects.filter(order=to_ship).values_list("to_state", flat=True))
    assert moves[-3:] == ["confirmed", "in_progress", "shipped"]
    event = OrderEvent.objects.filter(order=to_ship).last()
    assert event.api_key is not None and event.api_key.name == "1C" and event.via_api
    exchange = Exchange.objects.get(mode="file")
    assert (exchange.orders, exchange.applied, exchange.refused) == (2, 4, 0)


def test_a_shipment_document_ships_its_order(one_c, buyer, supplier):
    confirmed = make_order(buyer, supplier, state=OrderState.CONFIRMED)
    body = package(document(confirmed, operation="Отпуск товара", extra=f"<Основание>{confirmed.number}</Основание>"))
    body = body.replace(f"<Номер>{confirmed.number}</Номер>", "<Номер>РН-77</Номер>")
    assert post_file(one_c, body.encode())[0] == "success"
    confirmed.refresh_from_db()
    assert confirmed.state == OrderState.SHIPPED and confirmed.shipment_note == "РН-77"


def test_it_refuses_moves_the_rules_do_not_allow_and_logs_them(one_c, buyer, supplier, supplier2, caplog):
    cancelled = make_order(buyer, supplier, state=OrderState.CANCELLED)
    delivered = make_order(buyer, supplier, state=OrderState.DELIVERED)
    foreign = make_order(buyer, supplier2)
    body = package(
        document(cancelled, values=[("Номер отгрузки по 1С", "РТ-1")]),
        document(delivered, values=[("Проведен", "true")]),  # further on already: left as it is
        document(foreign, values=[("Проведен", "true")]),
        document(delivered, values=[("Проведен", "true")], operation="Выплата безналичных денег"),  # a payment
    )
    with caplog.at_level("INFO"):
        lines = post_file(one_c, body.encode())
    assert lines[0] == "success"
    assert lines[1] == "Orders read: 3; moves applied: 0; refused: 2."
    assert any(cancelled.number in line and "cannot be moved" in line for line in lines)
    assert any(foreign.number in line and "no such order" in line for line in lines)
    assert cancelled.number in caplog.text
    for order, state in ((cancelled, "cancelled"), (delivered, "delivered"), (foreign, "placed")):
        order.refresh_from_db()
        assert order.state == state
    exchange = Exchange.objects.get(mode="file")
    assert exchange.refused == 2 and cancelled.number in exchange.message


def test_cancelled_in_1c_rejects_a_placed_order(one_c, buyer, supplier):
    placed = make_order(buyer, supplier)
    assert post_file(one_c, package(document(placed, values=[("Отменен", "true")])).encode())[0] == "success"
    placed.refresh_from_db()
    assert placed.state == OrderState.REJECTED


@pytest.mark.parametrize("encoding", ["utf-8-bom", "windows-1251"])
def test_it_reads_1c_documents_in_the_encodings_1c_writes(one_c, buyer, supplier, encoding):
    placed = make_order(buyer, supplier)
    if encoding == "utf-8-bom":
        body = b"\xef\xbb\xbf" + package(document(placed, values=[("Проведен", "true")])).encode()
    else:
        body = package(document(placed, values=[("Проведен", "true")]), encoding="windows-1251").encode("cp1251")
    assert post_file(one_c, body)[0] == "success"
    placed.refresh_from_db()
    assert placed.state == OrderState.CONFIRMED


def test_a_document_in_pieces_is_applied_when_whole(one_c, buyer, supplier):
    placed = make_order(buyer, supplier)
    body = package(document(placed, values=[("Проведен", "true")])).encode()
    assert post_file(one_c, body[:100]) == ["success"]
    placed.refresh_from_db()
    assert placed.state == OrderState.PLACED
    assert post_file(one_c, body[100:])[0] == "success"
    placed.refresh_from_db()
    assert placed.state == OrderState.CONFIRMED


@pytest.mark.parametrize(
    "body, words",
    [
        ("<not closed", "not valid XML"),
        ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]><КоммерческаяИнформация>&a;', "DOCTYPE"),
    ],
)
def test_it_refuses_bad_order_files_and_changes_nothing(one_c, buyer, supplier, body, words):
    placed = make_order(buyer, supplier)
    lines = post_file(one_c, (body + "</КоммерческаяИнформация>").encode())
    assert lines[0] == "failure" and words in lines[1]
    placed.refresh_from_db()
    assert placed.state == OrderState.PLACED
    assert Exchange.objects.get(mode="file").result == "failure"


def test_another_suppliers_key_cannot_query(client, supplier, supplier2, buyer):
    make_order(buyer, supplier)
    _key, raw = api_key_for(supplier2)
    log_in_as_1c(client, "bolt-house", raw)
    assert query(client) == {}


@pytest.mark.parametrize(("name", "value"), [("Статус заказа ИД", "confirmed"), ("Статус заказа", "подтверждено")])
def test_a_state_named_by_1c_is_applied(one_c, buyer, supplier, name, value):
    with translation.override("ru"):
        assert str(OrderState.CONFIRMED.label).lower() == "подтверждено"
    placed = make_order(buyer, supplier)
    assert post_file(one_c, package(document(placed, values=[(name, value)])).encode())[1].startswith(
        "Orders read: 1; moves applied: 1;"
    )
    placed.refresh_from_db()
    assert placed.state == OrderState.CONFIRMED


def test_what_1c_changed_is_not_sent_back_to_it_but_later_changes_are(one_c, buyer, supplier):
    confirmed_in_1c = make_order(buyer, supplier)
    query(one_c)
    one_c.get(f"{URL}?type=sale&mode=success")
    post_file(one_c, package(document(confirmed_in_1c, values=[("Проведен", "true")])).encode())
    assert query(one_c) == {}
    one_c.get(f"{URL}?type=sale&mode=success")
    services.order_transition(order=confirmed_in_1c, to="cancelled", actor=acting(buyer), comment="not needed")
    documents = query(one_c)
    assert set(documents) == {confirmed_in_1c.number}
    assert requisites(documents[confirmed_in_1c.number])["Отменен"] == "true"


def test_a_zip_of_documents_in_pieces_is_applied_when_whole(one_c, buyer, supplier):
    placed = make_order(buyer, supplier)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_STORED) as bundle:
        bundle.writestr("orders.xml", package(document(placed, values=[("Проведен", "true")])))
    data = packed.getvalue()
    assert post_file(one_c, data[:200], name="orders.zip") == ["success"]
    placed.refresh_from_db()
    assert placed.state == OrderState.PLACED
    assert post_file(one_c, data[200:], name="orders.zip")[1].startswith("Orders read: 1; moves applied: 1;")
    placed.refresh_from_db()
    assert placed.state == OrderState.CONFIRMED


def test_import_after_the_pieces_applies_or_explains(one_c, buyer, supplier):
    placed = make_order(buyer, supplier)
    body = package(document(placed, values=[("Проведен", "true")])).encode()
    post_file(one_c, body)  # whole: applied at once
    assert post_file(one_c, b"", mode="import") == ["success"]  # nothing left to apply
    post_file(one_c, body[:-30])  # the end never came
    lines = post_file(one_c, b"", mode="import")
    assert lines[0] == "failure" and "not valid XML" in lines[1]
