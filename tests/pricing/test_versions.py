"""Versions: atomic publish, the diff against the active version, partial uploads, warnings about
prices that moved too far, and a preview overtaken by a newer version."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from marketplace.actors import Actor
from pricing import services
from pricing.models import PriceList, UploadStatus
from tests.pricing.factories import by, csv_bytes, publish, upload

pytestmark = pytest.mark.django_db


def test_it_keeps_versions_and_diffs_them(supplier, sam):
    first = publish(supplier, [("A", "a", "pcs", "100", 1), ("B", "b", "pcs", "10", 1), ("C", "c", "pcs", "5", 1)])
    second = publish(
        supplier,
        [("A", "a", "pcs", "160", 1), ("B", "b", "pcs", "9", 1), ("D", "d", "pcs", "1", 1)],
        actor=by(sam, supplier),
    )
    first.refresh_from_db()
    assert (first.status, second.status) == ("superseded", "active")
    assert (first.version, second.version) == (1, 2)
    assert second.previous == first
    assert (second.added, second.removed, second.price_up, second.price_down) == (1, 1, 1, 1)
    changes = {c.sku: c for c in second.changes.all()}
    assert changes["A"].percent == Decimal("60.00") and changes["A"].kind == "up"
    assert changes["B"].percent == Decimal("-10.00") and changes["B"].kind == "down"
    assert changes["C"].kind == "removed" and changes["D"].kind == "added"
    assert first.items.count() == 3  # the old version is untouched


def test_it_warns_about_prices_that_moved_more_than_half(supplier):
    publish(supplier, [("A", "a", "pcs", "100", 1), ("B", "b", "pcs", "100", 1)])
    item = upload(supplier, csv_bytes([("A", "a", "pcs", "151", 1), ("B", "b", "pcs", "140", 1)]))
    assert item.status == UploadStatus.READY
    assert item.warning_count == 1
    assert item.warnings[0]["row"] == 2 and "+51.00%" in item.warnings[0]["message"]


def test_it_applies_a_partial_upload_to_the_rows_it_holds(supplier):
    publish(supplier, [("A", "a", "pcs", "100", 1), ("A", "a", "pcs", "90", 10), ("B", "b", "pcs", "10", 1)])
    partial = publish(supplier, [("A", "a", "pcs", "95", 1), ("C", "c", "pcs", "3", 1)], mode="partial")
    prices = {(i.sku, i.min_qty): i.price for i in partial.items.all()}
    assert prices == {
        ("A", Decimal("1")): Decimal("95"),
        ("A", Decimal("10")): Decimal("90"),
        ("B", Decimal("1")): Decimal("10"),
        ("C", Decimal("1")): Decimal("3"),
    }
    assert (partial.rows, partial.added, partial.removed, partial.price_down) == (4, 1, 0, 1)


def test_it_refuses_a_preview_overtaken_by_a_newer_version(supplier):
    publish(supplier)
    stale = upload(supplier)
    publish(supplier, [("Z", "z", "pcs", "1", 1)])
    with pytest.raises(ValidationError, match="Another version"):
        services.price_upload_publish(upload=stale, actor=Actor.system(supplier))
    assert PriceList.objects.get(status="active").items.get().sku == "Z"
