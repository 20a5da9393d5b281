"""Staging big files in chunks: on PostgreSQL outside a transaction, a thread COPYs chunk N while
the next one is read; the result must be the same as writing in turn."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from marketplace.actors import Actor
from pricing import services
from pricing.models import ChangeKind, PriceChange, PriceItem, PriceList, PriceListStatus, UploadStatus
from pricing.services import staging
from tests.pricing.factories import D, csv_bytes, upload

ROWS = 50


def _rows(price=lambda i: f"{i + 1}.00"):
    return [(f"SKU-{i:04d}", f"Item {i}", "pcs", price(i), 1) for i in range(ROWS)]


@pytest.fixture
def small_chunks(settings):
    settings.PRICE_LIST_CHUNK_BYTES = 64  # every test file is "big": read in chunks
    settings.PRICE_LIST_CHUNK_ROWS = 7  # of 7 rows: several COPYs per file


def _publish(supplier, rows):
    up = upload(supplier, csv_bytes(rows))
    assert up.status == UploadStatus.READY, up.errors
    return services.price_upload_publish(upload=up, actor=Actor.system(supplier))


@pytest.mark.django_db(transaction=True)
def test_it_stages_every_chunk_and_diffs_the_next_version(supplier, small_chunks, monkeypatch):
    writers = []
    write_items, copy_send = staging.write_items, staging.copy_send

    def recording_write(draft, frame):
        writers.append(threading.current_thread().name)
        write_items(draft, frame)

    def recording_copy(payload):
        writers.append(threading.current_thread().name)
        copy_send(payload)

    monkeypatch.setattr(staging, "write_items", recording_write)
    monkeypatch.setattr(staging, "copy_send", recording_copy)
    first = _publish(supplier, _rows())
    assert len(writers) == 8  # 50 rows in chunks of 7
    expected = "price-list-stager" if connection.vendor == "postgresql" else threading.main_thread().name
    assert set(writers) == {expected}
    assert first.rows == ROWS and first.added == ROWS
    assert PriceItem.objects.filter(price_list=first).count() == ROWS
    assert sorted(PriceItem.objects.filter(price_list=first).values_list("row", flat=True)) == list(range(2, ROWS + 2))

    changed = _rows(price=lambda i: f"{i + 1}.50" if i % 10 == 0 else f"{i + 1}.00")
    second = _publish(supplier, changed[:-1])  # one row removed, five prices up
    assert (second.rows, second.added, second.removed, second.price_up, second.price_down) == (ROWS - 1, 0, 1, 5, 0)
    up = PriceChange.objects.get(price_list=second, kind=ChangeKind.UP, sku="SKU-0010")
    assert (up.old_price, up.new_price) == (D("11.0000"), D("11.5000"))


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_duplicate_row_and_stores_nothing(supplier, small_chunks):
    rows = _rows()
    rows.append(rows[3])  # the same SKU and minimum quantity again, in another chunk
    up = upload(supplier, csv_bytes(rows))
    assert up.status == UploadStatus.INVALID
    assert up.error_count >= 1 and up.draft_id is None
    assert not PriceList.objects.filter(supplier=supplier).exists()
    assert not PriceItem.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_stops_staging_and_stores_nothing_when_a_chunk_cannot_be_written(supplier, small_chunks, monkeypatch):
    written = []
    write_items, copy_send = staging.write_items, staging.copy_send

    def failing(original):
        def write(*args):
            if written:
                raise ValidationError("The same SKU and minimum quantity appear twice in the file.")
            written.append(1)
            original(*args)

        return write

    # the second chunk fails, in the stager's thread (PostgreSQL) or in turn (SQLite)
    monkeypatch.setattr(staging, "write_items", failing(write_items))
    monkeypatch.setattr(staging, "copy_send", failing(copy_send))
    up = upload(supplier, csv_bytes(_rows()))
    assert up.status == UploadStatus.INVALID
    assert "twice" in up.message
    assert not PriceList.objects.filter(supplier=supplier, status=PriceListStatus.DRAFT).exists()
    assert not PriceItem.objects.exists()
