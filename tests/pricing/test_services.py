"""The rules of price lists: atomic publish, versions and diff, partial uploads, quantity breaks,
validity, audiences, catalog mapping, and every bad input of the issue."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.models import PartnershipStatus
from pricing import selectors, services
from pricing.models import PriceItem, PriceList, PriceListStatus, PriceUpload, Product, SkuMapping, UploadStatus
from tests.pricing.factories import D, csv_bytes, product, publish, sample, upload

pytestmark = pytest.mark.django_db


def _process(supplier, name, **terms):
    item = services.price_upload_create(supplier=supplier, actor=None, file=sample(name), **terms)
    return services.price_upload_process(upload=item)


# --- the sample files ----------------------------------------------------------------------------


def test_it_reads_the_cp1251_sample(supplier):
    item = _process(supplier, "pricelist_ru_cp1251.csv")
    assert item.status == UploadStatus.READY and item.total_rows == 8
    price_list = services.price_upload_publish(upload=item, actor=None)
    assert price_list.rows == 8
    assert price_list.items.get(sku="АРМ-12-А500").price == Decimal("61250.00")
    assert price_list.items.get(sku="АРМ-12-А500").currency == "RUB"


def test_it_reads_the_vietnamese_sample(supplier):
    item = _process(supplier, "pricelist_vi_utf8bom.csv")
    price_list = services.price_upload_publish(upload=item, actor=None)
    assert price_list.rows == 6
    thep = price_list.items.get(sku="THEP-D10")
    assert (thep.price, thep.currency) == (Decimal("15250000"), "VND")


def test_it_reads_the_quantity_breaks_workbook(supplier):
    price_list = services.price_upload_publish(
        upload=_process(supplier, "pricelist_en_quantity_breaks.xlsx"), actor=None
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
        services.price_upload_publish(upload=item, actor=None)


# --- bad input -----------------------------------------------------------------------------------


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
        services.price_upload_create(supplier=supplier, actor=None, file=SimpleUploadedFile("a.csv", b""))
    settings.PRICE_LIST_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="limit"):
        services.price_upload_create(supplier=supplier, actor=None, file=SimpleUploadedFile("a.csv", b"x" * 11))
    with pytest.raises(ValidationError, match="limit"):
        services.price_list_import(supplier=supplier, data=b"x" * 11, filename="a.csv")
    assert not PriceUpload.objects.exists()


def test_it_refuses_other_file_types_and_bad_terms(supplier, outsider_buyer):
    file = SimpleUploadedFile("a.pdf", b"%PDF")
    with pytest.raises(ValidationError, match="CSV"):
        services.price_upload_create(supplier=supplier, actor=None, file=file)
    with pytest.raises(ValidationError):
        publish(supplier, audience=outsider_buyer)
    with pytest.raises(ValidationError):
        publish(supplier, valid_from=dt.date(2026, 5, 1), valid_to=dt.date(2026, 4, 1))
    with pytest.raises(ValidationError):
        publish(supplier, currency="RUBLES")
    assert not PriceList.objects.exists()


# --- versions, diff, partial ---------------------------------------------------------------------


def test_it_keeps_versions_and_diffs_them(supplier, sam):
    first = publish(supplier, [("A", "a", "pcs", "100", 1), ("B", "b", "pcs", "10", 1), ("C", "c", "pcs", "5", 1)])
    second = publish(
        supplier, [("A", "a", "pcs", "160", 1), ("B", "b", "pcs", "9", 1), ("D", "d", "pcs", "1", 1)], actor=sam
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
        services.price_upload_publish(upload=stale, actor=None)
    assert PriceList.objects.get(status="active").items.get().sku == "Z"


def test_it_publishes_nothing_when_the_api_items_hold_an_error(supplier):
    with pytest.raises(services.ImportRejected) as error:
        services.price_list_import(
            supplier=supplier, items=[{"sku": "A", "name": "a", "price": "1"}, {"sku": "", "name": "b", "price": "x"}],
            currency="USD",
        )  # fmt: skip
    assert {e["row"] for e in error.value.rows} == {2}
    assert not PriceList.objects.exists() and not PriceUpload.objects.exists()


def test_it_discards_a_draft_with_its_rows(supplier):
    item = upload(supplier)
    assert PriceItem.objects.count() == 1
    services.price_upload_discard(upload=item)
    assert not PriceItem.objects.exists() and not PriceList.objects.exists()


def test_it_lets_the_worker_claim_each_upload_once(supplier):
    item = upload(supplier, process=False)
    claimed = services.price_upload_claim()
    assert claimed == item and services.price_upload_claim() is None
    assert services.price_upload_process(upload=claimed).status == UploadStatus.READY


# --- audience and visibility ---------------------------------------------------------------------


def test_it_offers_a_buyer_its_own_list_over_the_general_one(buyer, supplier):
    from tests import factories as core

    other = core.BuyerFactory()
    core.PartnershipFactory(buyer=other, supplier=supplier)
    general = publish(supplier, [("A", "a", "pcs", "10", 1)])
    special = publish(supplier, [("A", "a", "pcs", "8", 1)], audience=buyer)
    assert list(selectors.effective_price_lists(buyer=buyer)) == [special]
    assert list(selectors.effective_price_lists(buyer=other)) == [general]
    assert general.status == "active"  # another audience's chain
    assert special not in selectors.price_list_list(organization=other)


def test_it_hides_lists_of_inactive_partners(buyer, supplier):
    publish(supplier)
    supplier.buyer_partnerships.update(status=PartnershipStatus.REJECTED)
    assert not selectors.price_list_list(organization=buyer).exists()
    assert not selectors.offer_list(buyer=buyer).exists()


# --- prices for orders ---------------------------------------------------------------------------


def test_it_prices_an_order_line_with_quantity_breaks(buyer, supplier):
    publish(
        supplier,
        [
            ("BOLT", "Bolt", "pcs", "0.20", 1),
            ("BOLT", "Bolt", "pcs", "0.18", 1000),
            ("BOLT", "Bolt", "pcs", "0.15", 10000),
        ],
    )
    price = lambda q: selectors.price_for_order_line(buyer=buyer, supplier=supplier, sku="BOLT", quantity=q)  # noqa: E731
    assert price(1)[0] == Decimal("0.20")
    assert price(999)[0] == Decimal("0.20")
    assert price(1000)[0] == Decimal("0.18")
    assert price(50000)[:2] == (Decimal("0.15"), "RUB")
    assert price(5)[2] == {"name": "Bolt", "unit": "pcs", "supplier_sku": "BOLT", "product_id": None}
    assert selectors.price_for_order_line(buyer=buyer, supplier=supplier, sku="NOPE", quantity=1) is None


def test_it_prices_an_order_line_by_the_buyers_catalog_sku(buyer, supplier):
    publish(supplier, [("S-77", "Арматура 12 мм", "т", "61250", 1)])
    item = product(buyer, sku="MY-ARM", name="Арматура 12 мм")  # mapped by name
    assert SkuMapping.objects.get(product=item).source == "name"
    price, currency, info = selectors.price_for_order_line(buyer=buyer, supplier=supplier, sku="MY-ARM", quantity=2)
    assert (price, currency, info["supplier_sku"], info["product_id"]) == (Decimal("61250"), "RUB", "S-77", item.pk)


def test_it_honours_validity_dates(buyer, supplier):
    today = timezone.localdate()
    publish(supplier, [("A", "a", "pcs", "1", 1)], valid_from=today + dt.timedelta(days=1))
    assert selectors.price_for_order_line(buyer=buyer, supplier=supplier, sku="A", quantity=1) is None
    assert not selectors.offer_list(buyer=buyer).exists()
    data = f"SKU;Name;Price;Valid to\nA;a;1,00;{(today - dt.timedelta(days=1)).strftime('%d.%m.%Y')}\nB;b;2,00;\n"
    services.price_list_import(supplier=supplier, data=data.encode(), filename="a.csv", currency="RUB")
    assert selectors.price_for_order_line(buyer=buyer, supplier=supplier, sku="A", quantity=1) is None
    assert selectors.price_for_order_line(buyer=buyer, supplier=supplier, sku="B", quantity=1)[0] == Decimal("2")


def test_it_does_not_price_for_an_outsider(outsider_buyer, supplier):
    publish(supplier)
    assert selectors.price_for_order_line(buyer=outsider_buyer, supplier=supplier, sku="A-1", quantity=1) is None


# --- catalog mapping -----------------------------------------------------------------------------


def test_it_maps_by_sku_and_keeps_mappings_across_versions(buyer, supplier, paul):
    item = product(buyer, sku="A-1", name="Whatever")
    publish(supplier)
    mapping = SkuMapping.objects.get(product=item)
    assert (mapping.supplier_sku, mapping.source) == ("A-1", "sku")
    manual = product(buyer, sku="MINE", name="Болт")
    services.mapping_set(buyer=buyer, supplier=supplier, supplier_sku="B-2", product=manual, actor=paul)
    publish(supplier, [("A-1", "x", "т", "200", 1), ("B-2", "y", "pcs", "1", 1)])
    assert SkuMapping.objects.get(supplier_sku="B-2").product == manual
    offers = selectors.offer_list(buyer=buyer, product=manual)
    assert [o.price for o in offers] == [Decimal("1")]


def test_it_matches_names_regardless_of_case_and_spacing(buyer, supplier):
    publish(supplier, [("Z-1", "АРМАТУРА  12 ММ.", "т", "1", 1)])
    item = product(buyer, sku="P-9", name="арматура 12 мм")
    assert SkuMapping.objects.get(product=item).supplier_sku == "Z-1"


def test_it_refuses_mapping_onto_another_buyers_product(buyer, supplier, outsider_buyer, paul):
    foreign = product(outsider_buyer, sku="X", name="x")
    with pytest.raises(ValidationError):
        services.mapping_set(buyer=buyer, supplier=supplier, supplier_sku="A-1", product=foreign, actor=paul)


def test_it_lists_offers_across_suppliers_cheapest_first(buyer, supplier, supplier2):
    publish(supplier, [("A-1", "Арматура", "т", "120", 1)])
    publish(supplier2, [("Q", "Арматура", "т", "99", 1)])
    item = product(buyer, sku="A-1", name="Арматура")
    assert [(o.price_list.supplier, o.price) for o in selectors.offer_list(buyer=buyer, product=item)] == [
        (supplier2, Decimal("99")),
        (supplier, Decimal("120")),
    ]
    assert [o.price for o in selectors.offer_list(buyer=buyer, sku="A-1")] == [Decimal("99"), Decimal("120")]


def test_it_rejects_duplicate_products(buyer):
    product(buyer, sku="A")
    with pytest.raises(ValidationError, match="already"):
        product(buyer, sku="A")


def test_it_refuses_a_sku_created_concurrently_with_the_same_message(buyer, monkeypatch):
    real_name_key = services.name_key

    def racing(name):  # another request creates the SKU between the check and the insert
        Product.objects.create(buyer=buyer, sku="RACE-1", name="Theirs")
        return real_name_key(name)

    monkeypatch.setattr(services, "name_key", racing)
    with pytest.raises(ValidationError) as error:
        services.product_create(buyer=buyer, sku="RACE-1", name="Mine")
    assert error.value.message_dict == {"sku": ["Your catalog already has the SKU “RACE-1”."]}


# --- one run per upload --------------------------------------------------------------------------


def _drafts(supplier) -> int:
    return PriceList.objects.filter(supplier=supplier, status=PriceListStatus.DRAFT).count()


def test_it_reads_an_upload_once_when_the_worker_claimed_it_first(supplier):
    stale = upload(supplier, process=False)  # the page's object, still saying "queued"
    claimed = services.price_upload_claim()
    assert claimed.pk == stale.pk
    assert services.price_upload_process(upload=stale).status == UploadStatus.PROCESSING  # not read twice
    done = services.price_upload_process(upload=claimed)
    assert done.status == UploadStatus.READY and _drafts(supplier) == 1
    assert PriceItem.objects.filter(price_list=done.draft).count() == 1


def test_it_keeps_a_published_upload_when_a_late_run_comes_back(supplier):
    item = upload(supplier, process=False)
    claimed = services.price_upload_claim()
    late = PriceUpload.objects.get(pk=claimed.pk)  # the same claim held twice (a stale copy)
    published = services.price_upload_publish(upload=services.price_upload_process(upload=claimed), actor=None)
    again = services.price_upload_process(upload=late)
    assert (again.status, again.published_id) == (UploadStatus.PUBLISHED, published.pk)
    assert _drafts(supplier) == 0 and PriceList.objects.filter(supplier=supplier).count() == 1
    with pytest.raises(ValidationError):
        services.price_upload_publish(upload=item, actor=None)
    assert list(PriceList.objects.values_list("version", flat=True)) == [1]


def test_it_stops_a_run_that_lost_its_claim(supplier, settings, monkeypatch):
    settings.PRICE_LIST_PROCESSING_TIMEOUT_S = 60
    services.price_upload_create(
        supplier=supplier, actor=None, file=SimpleUploadedFile("a.csv", csv_bytes([("A", "a", "pcs", "1", 1)])),
        currency="RUB",
    )  # fmt: skip
    first = services.price_upload_claim()
    real_write_items = services._write_items

    def stalls_then_writes(draft, frame):  # the first run stalls past the timeout; another takes over
        PriceUpload.objects.filter(pk=first.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=61))
        second = services.price_upload_claim()
        assert second is not None and second.pk == first.pk
        monkeypatch.setattr(services, "_write_items", real_write_items)
        assert services.price_upload_process(upload=second).status == UploadStatus.READY
        real_write_items(draft, frame)

    monkeypatch.setattr(services, "_write_items", stalls_then_writes)
    result = services.price_upload_process(upload=first)
    assert result.status == UploadStatus.READY and _drafts(supplier) == 1
    assert PriceItem.objects.count() == 1 and PriceItem.objects.get().price_list_id == result.draft_id


def test_it_requeues_an_upload_stuck_in_processing(supplier, settings):
    from django.core.management import call_command

    settings.PRICE_LIST_PROCESSING_TIMEOUT_S = 60
    stuck = upload(supplier, process=False)
    alive = upload(supplier, process=False)
    assert services.price_upload_claim().pk == stuck.pk  # then its worker dies
    assert services.price_upload_claim().pk == alive.pk  # still working
    PriceUpload.objects.filter(pk=stuck.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=61))
    PriceUpload.objects.filter(pk=alive.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=30))
    call_command("process_price_uploads", "--once")
    stuck.refresh_from_db()
    alive.refresh_from_db()
    assert stuck.status == UploadStatus.READY and stuck.draft is not None
    assert alive.status == UploadStatus.PROCESSING


def test_it_waits_fifteen_minutes_by_default_before_requeueing(supplier, settings):
    del settings.PRICE_LIST_PROCESSING_TIMEOUT_S
    upload(supplier, process=False)
    item = services.price_upload_claim()
    PriceUpload.objects.filter(pk=item.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=899))
    assert services.price_upload_requeue_stale() == 0
    PriceUpload.objects.filter(pk=item.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=901))
    assert services.price_upload_requeue_stale() == 1
    item.refresh_from_db()
    assert item.status == UploadStatus.QUEUED


# --- currencies ----------------------------------------------------------------------------------


def test_it_never_calls_an_offer_best_against_another_currency(buyer, supplier, supplier2):
    from tests import factories as core

    supplier3 = core.SupplierFactory(name="Cheap Cement")
    core.PartnershipFactory(buyer=buyer, supplier=supplier3)
    publish(supplier, [("A-1", "Арматура 12 мм", "т", "100.00", 1)], currency="RUB")
    publish(supplier2, [("A-1", "Арматура 12 мм", "т", "5.00", 1)], currency="USD")
    publish(supplier3, [("A-1", "Арматура 12 мм", "т", "90.00", 1)], currency="RUB")
    item = product(buyer, sku="A-1")
    _suppliers, rows = selectors.price_comparison(buyer=buyer, products=[item])
    assert rows[0]["best"] == "90 RUB · Cheap Cement; 5 USD · Bolt House"
    assert (rows[0]["best_currency"], rows[0]["best_price"]) == ("RUB", Decimal("90"))
    assert rows[0][f"s{supplier2.pk}"] == "5 USD"


def test_it_lists_offers_cheapest_first_within_each_currency(buyer, supplier, supplier2):
    publish(supplier, [("A-1", "Арматура", "т", "100.00", 1), ("A-1", "Арматура", "т", "95.00", 10)], currency="RUB")
    publish(supplier2, [("A-1", "Арматура", "т", "5.00", 1)], currency="USD")
    offers = list(selectors.offer_list(buyer=buyer, sku="A-1"))
    assert [(o.price, o.currency) for o in offers] == [
        (Decimal("95.0000"), "RUB"),
        (Decimal("100.0000"), "RUB"),
        (Decimal("5.0000"), "USD"),
    ]
    publish(supplier, [("A-1", "Арматура", "т", p, q) for p, q in (("100", 1), ("95", 10), ("90", 20))])
    publish(supplier2, [("A-1", "Арматура", "т", p, q) for p, q in (("6", 1), ("4", 5), ("3", 7))], currency="USD")
    offers = selectors.offer_list(buyer=buyer, sku="A-1", ordered=False)
    assert [o.currency for o in selectors.order_offers(offers)] == ["RUB"] * 3 + ["USD"] * 3  # a tie: by code
    fewer = selectors.order_offers(offers.filter(min_qty__lte=5))  # the groups of what remains
    assert [(o.price, o.currency) for o in fewer] == [(D("4"), "USD"), (D("6"), "USD"), (D("100"), "RUB")]
    assert fewer.count() == 3


# --- real races (PostgreSQL) ---------------------------------------------------------------------


def _race(n, work):
    import threading

    from django.db import connection

    barrier = threading.Barrier(n)
    results = []

    def run(i):
        try:
            barrier.wait()
            results.append(("ok", work(i)))
        except Exception as error:  # collected: the test says which kinds are allowed
            results.append(("error", error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_creates_a_sku_once_under_concurrency(buyer):
    results = _race(6, lambda i: services.product_create(buyer=buyer, sku="SAME", name=f"Product {i}").pk)
    assert sorted(kind for kind, _ in results) == ["error"] * 5 + ["ok"]
    for kind, value in results:
        if kind == "error":
            assert isinstance(value, ValidationError), value
            assert value.message_dict == {"sku": ["Your catalog already has the SKU “SAME”."]}
    assert Product.objects.filter(buyer=buyer, sku="SAME").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_reads_each_upload_once_with_racing_workers_and_pages(supplier):
    items = [upload(supplier, process=False) for _ in range(3)]

    def work(i):
        if i < 3:  # a page reading "its" upload inline from a stale object
            return services.price_upload_process(upload=items[i]).pk
        claimed = services.price_upload_claim()  # a worker
        return claimed and services.price_upload_process(upload=claimed).pk

    results = _race(6, work)
    assert [kind for kind, _ in results] == ["ok"] * 6
    assert PriceUpload.objects.filter(status=UploadStatus.READY).count() == 3
    assert _drafts(supplier) == 3 and PriceItem.objects.count() == 3
