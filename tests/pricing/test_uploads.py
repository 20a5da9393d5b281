"""The life of an upload as the supplier drives it: the sample files, every bad input of the
issue, the one currency rule, the all-or-nothing import, discarding."""

import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.actors import Actor
from pricing import services
from pricing.models import PriceItem, PriceList, PriceUpload, UploadStatus
from pricing.transitions import TransitionNotAllowed
from tests.pricing.factories import csv_bytes, publish, sample, upload

pytestmark = pytest.mark.django_db


def _process(supplier, name, **terms):
    item = services.price_upload_create(actor=Actor.system(supplier), file=sample(name), **terms)
    return services.price_upload_process(upload=item)


def test_it_reads_the_cp1251_sample(supplier):
    item = _process(supplier, "pricelist_ru_cp1251.csv")
    assert item.status == UploadStatus.READY and item.total_rows == 8
    price_list = services.price_upload_publish(upload=item, actor=Actor.system(supplier))
    assert price_list.rows == 8
    assert price_list.items.get(sku="АРМ-12-А500").price == Decimal("61250.00")
    assert price_list.items.get(sku="АРМ-12-А500").currency == "RUB"


def test_it_reads_the_vietnamese_sample(supplier):
    item = _process(supplier, "pricelist_vi_utf8bom.csv")
    price_list = services.price_upload_publish(upload=item, actor=Actor.system(supplier))
    assert price_list.rows == 6
    thep = price_list.items.get(sku="THEP-D10")
    assert (thep.price, thep.currency) == (Decimal("15250000"), "VND")


def test_it_reads_the_quantity_breaks_workbook(supplier):
    price_list = services.price_upload_publish(
        upload=_process(supplier, "pricelist_en_quantity_breaks.xlsx"), actor=Actor.system(supplier)
    )
    assert price_list.rows == 6
    breaks = list(price_list.items.filter(sku="BOLT-M8x40").values_list("min_qty", "price", "currency"))
    assert breaks == [(Decimal("1000"), Decimal("0.18"), "USD"), (Decimal("10000"), Decimal("0.15"), "USD")]
    assert price_list.items.filter(valid_from__isnull=False).count() == 6


def test_it_rejects_the_broken_sample_as_a_whole(supplier):
    before = publish(supplier)
    item = _process(supplier, "pricelist_broken.csv", currency="USD")
    assert item.status == UploadStatus.INVALID
    assert sorted({e["row"] for e in item.errors}) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert item.draft is None
    assert PriceList.objects.get(supplier=supplier, status="active") == before
    assert PriceItem.objects.count() == before.rows
    with pytest.raises(ValidationError):
        services.price_upload_publish(upload=item, actor=Actor.system(supplier))


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("empty.csv", b"   \n\n", "empty"),
        ("binary.csv", bytes(range(256)) * 40, "not"),
        ("noheader.xlsx", None, "header"),
        ("formula.xlsx", "formula", "formula"),
        ("digits.csv", csv_bytes([("A", "x", "pcs", "12345678901234567890", 1)]), "too large"),
        ("date.csv", b"SKU;Name;Price;Valid from\nA;x;1,00;31.02.2026\n", "not a real calendar date"),
    ],
)
def test_it_rejects_bad_input_with_a_clear_message(supplier, name, data, words):
    if name == "noheader.xlsx":
        data = _xlsx([[1, 2, 3], [4, 5, 6]])
    elif data == "formula":
        data = _xlsx([["SKU", "Name", "Price"], ["A", "x", "=1+1"]])
    item = upload(supplier, data, name)
    assert item.status == UploadStatus.INVALID, item.errors
    assert words in " ".join(e["message"] for e in item.errors).lower()
    assert not PriceList.objects.exists() and not PriceItem.objects.exists()


def test_it_refuses_a_zero_byte_and_an_oversized_file(supplier, settings):
    with pytest.raises(ValidationError, match="empty"):
        services.price_upload_create(actor=Actor.system(supplier), file=SimpleUploadedFile("a.csv", b""))
    settings.PRICE_LIST_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="limit"):
        services.price_upload_create(actor=Actor.system(supplier), file=SimpleUploadedFile("a.csv", b"x" * 11))
    with pytest.raises(ValidationError, match="limit"):
        services.price_list_import(actor=Actor.system(supplier), file=SimpleUploadedFile("a.csv", b"x" * 11))
    assert not PriceUpload.objects.exists()


def test_it_refuses_other_file_types_and_bad_terms(supplier, outsider_buyer):
    file = SimpleUploadedFile("a.pdf", b"%PDF")
    with pytest.raises(ValidationError, match="CSV"):
        services.price_upload_create(actor=Actor.system(supplier), file=file)
    with pytest.raises(ValidationError):
        publish(supplier, audience=outsider_buyer)
    with pytest.raises(ValidationError):
        publish(supplier, valid_from=dt.date(2026, 5, 1), valid_to=dt.date(2026, 4, 1))
    with pytest.raises(ValidationError):
        publish(supplier, currency="RUBLES")
    assert not PriceList.objects.exists()


def test_it_publishes_nothing_when_the_api_items_hold_an_error(supplier):
    with pytest.raises(services.ImportRejected) as error:
        services.price_list_import(
            actor=Actor.system(supplier), items=[{"sku": "A", "name": "a", "price": "1"}, {"sku": "", "name": "b", "price": "x"}],
            currency="USD",
        )  # fmt: skip
    assert {e["row"] for e in error.value.rows} == {2}
    assert not PriceList.objects.exists() and not PriceUpload.objects.exists()


def test_it_discards_a_draft_with_its_rows(supplier):
    item = upload(supplier)
    assert PriceItem.objects.count() == 1
    services.price_upload_discard(upload=item, actor=Actor.system(supplier))
    assert not PriceItem.objects.exists() and not PriceList.objects.exists()


# --- one currency rule ---------------------------------------------------------------------------


@pytest.mark.parametrize("currency", ["РУБ", "RUR", "XXX", "R1B"])
def test_it_stores_only_iso_currency_codes(supplier, currency):
    with pytest.raises(ValidationError) as error:
        upload(supplier, currency=currency)
    assert "currency" in error.value.message_dict
    with pytest.raises(ValidationError):
        publish(supplier, currency=currency)
    assert not PriceUpload.objects.exists() and not PriceList.objects.exists()


def test_it_reads_a_currency_code_in_any_case(supplier):
    assert publish(supplier, currency=" usd ").currency == "USD"


def test_it_refuses_a_file_that_gives_no_currency_at_all(supplier):
    item = upload(supplier, b"SKU;Name;Price\nA;a;1\n", currency="")
    assert item.status == UploadStatus.INVALID
    assert "no currency" in item.message
    assert not PriceList.objects.exists()


# --- the life cycle ------------------------------------------------------------------------------


def test_it_keeps_an_upload_being_read_until_it_is_done(supplier):
    item = upload(supplier, process=False)
    claimed = services.price_upload_claim(upload=item)
    with pytest.raises(TransitionNotAllowed, match="being read; discard it when it is done"):
        services.price_upload_discard(upload=claimed, actor=Actor.system(supplier))
    with pytest.raises(TransitionNotAllowed, match="can no longer be changed"):
        services.price_upload_remap(upload=claimed, actor=Actor.system(supplier), mapping={})
    assert services.price_upload_process(upload=claimed).status == UploadStatus.READY


def test_it_changes_nothing_of_a_published_upload(supplier, sam):
    from tests.pricing.factories import by

    item = upload(supplier)
    services.price_upload_publish(upload=item, actor=by(sam, supplier))
    for move in (services.price_upload_discard, services.price_upload_publish):
        with pytest.raises(TransitionNotAllowed) as refusal:
            move(upload=item, actor=by(sam, supplier))
        assert refusal.value.allowed == []
    item.refresh_from_db()
    assert item.status == UploadStatus.PUBLISHED and PriceList.objects.get().is_active


def test_it_leaves_no_file_behind_when_an_import_is_rejected(supplier, settings):
    name = f"rejected-{uuid.uuid4().hex}"
    with pytest.raises(services.ImportRejected):
        services.price_list_import(
            actor=Actor.system(supplier),
            file=SimpleUploadedFile(f"{name}.csv", csv_bytes([("", "no sku", "т", "1", 1)])),
        )
    assert not PriceUpload.objects.exists()
    assert not list(settings.MEDIA_ROOT.rglob(f"{name}*"))
