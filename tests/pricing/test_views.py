"""Pages: the happy path, ownership (404), role (403), wrong method (405), query ceilings."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pricing import services, tasks
from pricing.models import PriceList, PriceUpload, SkuMapping, UploadStatus
from tests import factories as core
from tests.pricing.factories import by, csv_bytes, product, publish, upload
from tests.pricing.samples import SAMPLES

pytestmark = pytest.mark.django_db


def _post_file(client, name: str, data: bytes, **fields):
    return client.post(reverse("pricing:upload"), {"file": SimpleUploadedFile(name, data), "mode": "full", **fields})


def test_it_uploads_previews_and_publishes_a_cp1251_file(login, sam, buyer):
    client = login(sam)
    response = _post_file(client, "pricelist_ru_cp1251.csv", (SAMPLES / "pricelist_ru_cp1251.csv").read_bytes())
    assert response.status_code == 302
    item = PriceUpload.objects.get()
    assert item.status == UploadStatus.READY
    page = client.get(response.url).content.decode()
    assert "АРМ-12-А500" in page and "RUB\xa061,250.00" in page
    assert "Publish" in page
    assert not PriceList.objects.published().exists()
    response = client.post(reverse("pricing:upload_publish", args=[item.pk]))
    price_list = PriceList.objects.get(status="active")
    assert response.url == reverse("pricing:list_detail", args=[price_list.pk])
    assert price_list.rows == 8 and price_list.currency == "RUB" and price_list.channel == "web"
    assert price_list.uploaded_by == sam
    page = client.get(response.url).content.decode()
    assert "АРМ-12-А500" in page


def test_it_labels_the_preview_in_the_readers_language(login, sam):
    """Defect 4 of issue 12: the preview's headers were raw field names (``min_qty``) in every language."""
    client = login(sam)
    response = _post_file(client, "pricelist_ru_cp1251.csv", (SAMPLES / "pricelist_ru_cp1251.csv").read_bytes())
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    preview = page[page.index('id="preview"') : page.index("</table>", page.index('id="preview"'))]
    assert "<th>Минимальное количество</th>" in preview and "<th>Артикул</th>" in preview
    assert "min_qty" not in preview and "valid_from" not in preview
    assert "61\xa0250,00\xa0₽" in preview and "ЭЛ-ВВГ-3х2,5" in preview


def test_it_asks_to_confirm_a_publish_that_removes_most_of_the_list(login, sam, supplier, settings):
    """Defect 9 of issue 12: a full upload removing 20 of 28 rows was one click from publishing."""
    settings.PRICE_LIST_CONFIRM_REMOVED_PERCENT = 30
    publish(supplier, [(f"S-{i}", f"Item {i}", "pcs", "1.00", 1) for i in range(10)])
    client = login(sam)
    response = _post_file(
        client,
        "list.csv",
        csv_bytes([("S-1", "Item 1", "pcs", "1.00", 1), ("N-1", "New", "pcs", "2", 1)]),
        currency="RUB",
    )
    item = PriceUpload.objects.latest("pk")
    page = client.get(response.url).content.decode()
    assert 'name="confirm_removal"' in page and "Yes, remove 9 of the 10 rows" in page
    refused = client.post(reverse("pricing:upload_publish", args=[item.pk]))
    assert refused.url == reverse("pricing:upload_detail", args=[item.pk])
    assert PriceList.objects.get(status="active").rows == 10
    client.post(reverse("pricing:upload_publish", args=[item.pk]), {"confirm_removal": "1"})
    assert PriceList.objects.get(status="active").rows == 2


def test_it_publishes_a_small_removal_without_asking(login, sam, supplier, settings):
    settings.PRICE_LIST_CONFIRM_REMOVED_PERCENT = 30
    publish(supplier, [(f"S-{i}", f"Item {i}", "pcs", "1.00", 1) for i in range(10)])
    client = login(sam)
    rows = [(f"S-{i}", f"Item {i}", "pcs", "1.00", 1) for i in range(8)]
    response = _post_file(client, "list.csv", csv_bytes(rows), currency="RUB")
    assert 'name="confirm_removal"' not in client.get(response.url).content.decode()
    client.post(reverse("pricing:upload_publish", args=[PriceUpload.objects.latest("pk").pk]))
    assert PriceList.objects.get(status="active").rows == 8


def test_it_shows_every_error_of_the_broken_file_and_publishes_nothing(login, sam):
    client = login(sam)
    response = _post_file(
        client, "pricelist_broken.csv", (SAMPLES / "pricelist_broken.csv").read_bytes(), currency="USD"
    )
    item = PriceUpload.objects.get()
    assert item.status == UploadStatus.INVALID
    page = client.get(response.url).content.decode()
    assert "Download the bad rows" in page and "call us" in page
    assert sorted({e["row"] for e in item.errors}) == [3, 4, 5, 6, 7, 8, 9, 10]
    response = client.post(reverse("pricing:upload_publish", args=[item.pk]))
    assert response.status_code == 302
    assert not PriceList.objects.exists()


def test_it_downloads_the_bad_rows(login, sam):
    client = login(sam)
    _post_file(client, "pricelist_broken.csv", (SAMPLES / "pricelist_broken.csv").read_bytes(), currency="USD")
    item = PriceUpload.objects.get()
    response = client.get(reverse("pricing:upload_errors", args=[item.pk]))
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert "NEG-1" in body and "call us" in body and "OK-1,Good row" not in body


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("binary.csv", bytes(range(256)) * 20, "not"),
        ("header-only.csv", b"SKU;Name;Price\n", "no price rows"),
    ],
)
def test_it_rejects_bad_files_with_a_clear_message(login, sam, name, data, message):
    client = login(sam)
    response = _post_file(client, name, data, currency="RUB")
    assert not PriceList.objects.published().exists()
    if response.status_code == 200:  # refused by the form itself
        assert message.lower() in response.content.decode().lower()
    else:
        item = PriceUpload.objects.get()
        assert item.status == UploadStatus.INVALID
        text = " ".join(e["message"] for e in item.errors).lower()
        assert message.lower() in text
        assert not PriceList.objects.exists()


def test_it_refuses_a_file_over_the_size_limit(login, sam, settings):
    settings.PRICE_LIST_MAX_BYTES = 100
    client = login(sam)
    response = _post_file(client, "big.csv", csv_bytes([("A", "x" * 200, "pcs", "1", 1)]))
    assert response.status_code == 200
    assert "the limit is" in response.content.decode()
    assert not PriceUpload.objects.exists()


def test_it_offers_only_active_partner_buyers_in_the_form(login, sam, outsider_buyer):
    client = login(sam)
    response = _post_file(
        client, "a.csv", csv_bytes([("A", "x", "pcs", "1", 1)]), currency="RUB", buyer=outsider_buyer.slug
    )
    assert response.status_code == 200
    assert not PriceUpload.objects.exists()


def test_it_remaps_columns_and_remembers_them(login, sam, supplier):
    client = login(sam)
    data = b"Code;Title;Cost\nA-1;Bolt;1.50\n"
    _post_file(client, "odd.csv", data, currency="USD")
    item = PriceUpload.objects.get()
    assert item.status == UploadStatus.INVALID  # no name column recognised
    response = client.post(
        reverse("pricing:upload_remap", args=[item.pk]),
        {"map_sku": "Code", "map_name": "Title", "map_price": "Cost"},
    )
    item.refresh_from_db()
    assert response.status_code == 302 and item.status == UploadStatus.READY, item.errors
    _post_file(client, "odd2.csv", b"Code;Title;Cost\nB-2;Nut;2.00\n", currency="USD")
    again = PriceUpload.objects.exclude(pk=item.pk).get()
    assert again.status == UploadStatus.READY
    assert again.mapping["name"] == "Title"


def test_it_reports_status_as_json(login, sam, supplier):
    item = upload(supplier, actor=by(sam, supplier))
    response = login(sam).get(reverse("pricing:upload_status", args=[item.pk]))
    assert response.json()["status"] == "ready" and response.json()["done"] is True


def test_it_queues_big_files_for_the_task_queue(login, sam, settings, django_capture_on_commit_callbacks):
    settings.PRICE_LIST_INLINE_BYTES = 10
    client = login(sam)
    with django_capture_on_commit_callbacks() as committed:
        response = _post_file(client, "a.csv", csv_bytes([("A", "x", "pcs", "1", 1)]), currency="RUB")
    item = PriceUpload.objects.get()
    assert item.status == UploadStatus.QUEUED
    page = client.get(response.url).content.decode()
    assert "upload-progress" in page
    for callback in committed:  # the request's transaction commits: the queue reads the file
        callback()
    item.refresh_from_db()
    assert item.status == UploadStatus.READY


def test_it_discards_an_upload(login, sam, supplier):
    item = upload(supplier, actor=by(sam, supplier))
    login(sam).post(reverse("pricing:upload_discard", args=[item.pk]))
    item.refresh_from_db()
    assert item.status == UploadStatus.DISCARDED
    assert not PriceList.objects.exists()


# --- ownership, roles, methods -------------------------------------------------------------------


def test_it_checks_ownership_of_uploads(login, supplier, sue, olga):
    item = upload(supplier)
    for user in (sue, olga):
        client = login(user)
        for name in ("upload_detail", "upload_status", "upload_errors"):
            assert client.get(reverse(f"pricing:{name}", args=[item.pk])).status_code == 404
        for name in ("upload_publish", "upload_discard", "upload_remap"):
            assert client.post(reverse(f"pricing:{name}", args=[item.pk])).status_code == 404
    item.refresh_from_db()
    assert item.status == UploadStatus.READY


def test_it_checks_ownership_of_price_lists(login, supplier, buyer, sue, oscar, olga, alice):
    price_list = publish(supplier)
    own = publish(supplier, audience=buyer)
    for user in (sue, oscar, olga):
        client = login(user)
        assert client.get(reverse("pricing:list_detail", args=[price_list.pk])).status_code == 404
        assert client.get(reverse("pricing:list_changes", args=[own.pk])).status_code == 404
    assert login(alice).get(reverse("pricing:list_detail", args=[own.pk])).status_code == 200


def test_it_hides_a_list_offered_to_another_buyer(login, supplier, sam, outsider_buyer, oscar):
    from marketplace.services import partnership_connect

    partnership_connect(buyer=outsider_buyer, supplier=supplier)
    private = publish(supplier, audience=outsider_buyer)
    other = core.member(core.BuyerFactory(), "owner", "x@x.test")
    assert login(other).get(reverse("pricing:list_detail", args=[private.pk])).status_code == 404
    assert login(oscar).get(reverse("pricing:list_detail", args=[private.pk])).status_code == 200


def test_it_requires_the_supplier_kind_to_upload(login, alice):
    assert login(alice).get(reverse("pricing:upload")).status_code == 403


def test_it_requires_procurement_to_edit_the_catalog(login, rita, mary, buyer):
    for user in (rita, mary):
        response = login(user).post(reverse("pricing:product_create"), {"sku": "P", "name": "x"})
        assert response.status_code == 403
    item = product(buyer)
    assert login(rita).post(reverse("pricing:product_update", args=[item.pk]), {"name": "y"}).status_code == 403
    assert login(rita).get(reverse("pricing:product_detail", args=[item.pk])).status_code == 200


def test_it_requires_the_buyer_kind_for_offers(login, sam):
    client = login(sam)
    for name in ("offers", "catalog", "mapping", "compare"):
        assert client.get(reverse(f"pricing:{name}")).status_code == 403


@pytest.mark.parametrize(
    ("name", "method"),
    [("upload_publish", "get"), ("upload_discard", "get"), ("upload_remap", "get"), ("upload_status", "post")],
)
def test_it_refuses_wrong_methods_on_uploads(login, sam, supplier, name, method):
    item = upload(supplier)
    assert getattr(login(sam), method)(reverse(f"pricing:{name}", args=[item.pk])).status_code == 405


def test_it_refuses_wrong_methods_on_pages(login, sam, alice):
    assert login(sam).post(reverse("pricing:index")).status_code == 405
    assert login(alice).get(reverse("pricing:product_create")).status_code == 405
    assert login(alice).get(reverse("pricing:mapping_set")).status_code == 405
    assert login(alice).post(reverse("pricing:offers")).status_code == 405


# --- buyer pages ---------------------------------------------------------------------------------


def test_it_shows_offers_cheapest_first(login, alice, buyer, supplier, supplier2):
    publish(supplier, [("A-1", "Арматура 12 мм", "т", "120.00", 1)])
    publish(supplier2, [("ARM12", "Арматура 12 мм", "т", "99.00", 1)])
    page = login(alice).get(reverse("pricing:offers") + "?q=Арматура").content.decode()
    assert page.index("RUB\u00a099.00") < page.index("RUB\u00a0120.00")


def test_it_shows_offers_for_a_product_across_suppliers(login, paul, buyer, supplier, supplier2):
    publish(supplier, [("A-1", "Арматура 12 мм", "т", "120.00", 1), ("A-1", "Арматура 12 мм", "т", "110.00", 10)])
    publish(supplier2, [("ARM12", "Арматура  12мм", "т", "99.00", 1)])
    item = product(buyer, sku="A-1", name="Арматура 12 мм")
    page = login(paul).get(reverse("pricing:product_detail", args=[item.pk])).content.decode()
    assert "RUB\u00a0120.00" in page and "RUB\u00a0110.00" in page
    assert SkuMapping.objects.filter(product=item, supplier=supplier, source="sku").exists()


def test_it_maps_a_supplier_sku_by_hand(login, paul, buyer, supplier2):
    publish(supplier2, [("ZZ-1", "Something else", "pcs", "5", 1)])
    item = product(buyer, sku="MY-1", name="My bolt")
    client = login(paul)
    response = client.post(
        reverse("pricing:mapping_set"), {"supplier": supplier2.slug, "supplier_sku": "ZZ-1", "product": "MY-1"}
    )
    assert response.status_code == 302
    mapping = SkuMapping.objects.get(product=item)
    assert mapping.source == "manual"
    page = client.get(reverse("pricing:product_detail", args=[item.pk])).content.decode()
    assert "RUB\u00a05.00" in page
    mapping_page = client.get(reverse("pricing:mapping")).content.decode()
    assert "<td >By hand</td>" in mapping_page and ">manual<" not in mapping_page  # the label, not the code
    client.post(reverse("pricing:mapping_delete", args=[mapping.pk]))
    assert not SkuMapping.objects.exists()


def test_it_refuses_to_map_onto_an_outsider_supplier(login, paul, buyer, outsider_supplier):
    product(buyer, sku="MY-1", name="My bolt")
    login(paul).post(
        reverse("pricing:mapping_set"),
        {"supplier": outsider_supplier.slug, "supplier_sku": "ZZ-1", "product": "MY-1"},
    )
    assert not SkuMapping.objects.exists()


def test_it_compares_a_category(login, alice, buyer, supplier, supplier2):
    category = core.CategoryFactory(buyer=buyer, name="Steel")
    publish(supplier, [("A-1", "Арматура 12 мм", "т", "120.00", 1)])
    publish(supplier2, [("A-1", "Арматура 12 мм", "т", "99.00", 1)])
    product(buyer, sku="A-1", name="Арматура 12 мм", category=category)
    client = login(alice)
    page = client.get(reverse("pricing:compare") + f"?category={category.pk}").content.decode()
    assert "Steel Works" in page and "Bolt House" in page and "RUB\u00a099.00 · Bolt House" in page
    export = client.get(reverse("pricing:compare") + f"?category={category.pk}&_export=csv")
    assert "99 RUB" in export.content.decode()


def test_it_exports_offers(login, alice, supplier):
    publish(supplier)
    response = login(alice).get(reverse("pricing:offers") + "?_export=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")


@pytest.mark.parametrize("rows", [2, 30])
def test_it_keeps_list_queries_bounded(login, alice, sam, buyer, supplier, django_assert_max_num_queries, rows):
    data = [(f"S-{i}", f"Name {i}", "pcs", f"{i + 1}.00", 1) for i in range(rows)]
    price_list = publish(supplier, data)
    publish(supplier, data[:-1])
    for i in range(3):
        product(buyer, sku=f"S-{i}", name=f"Name {i}")
    buyer_client = login(alice)
    for url in (
        reverse("pricing:offers"),
        reverse("pricing:catalog"),
        reverse("pricing:mapping"),
        reverse("pricing:index"),
        reverse("pricing:list_detail", args=[price_list.pk]),
        reverse("pricing:list_changes", args=[price_list.pk]),
        reverse("pricing:compare"),
    ):
        # The offers and the comparison read the suppliers' ratings with the buyer: one query more.
        rated = url in (reverse("pricing:offers"), reverse("pricing:compare"))
        with django_assert_max_num_queries(15 if rated else 14):
            assert buyer_client.get(url).status_code == 200
    with django_assert_max_num_queries(24):  # the home page holds every app's dashboard card
        assert buyer_client.get(reverse("home")).status_code == 200
    supplier_client = login(sam)
    for url, ceiling in ((reverse("pricing:index"), 16), (reverse("home"), 24)):
        with django_assert_max_num_queries(ceiling):
            assert supplier_client.get(url).status_code == 200


# --- fixes of the review -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/phish", "//evil.example/phish", "http:///evil.example/", "javascript:alert(1)"],
)
def test_it_redirects_after_mapping_only_back_into_the_site(login, paul, buyer, supplier2, target):
    publish(supplier2, [("ZZ-1", "Something else", "pcs", "5", 1)])
    product(buyer, sku="MY-1", name="My bolt")
    response = login(paul).post(
        reverse("pricing:mapping_set"),
        {"supplier": supplier2.slug, "supplier_sku": "ZZ-1", "product": "MY-1", "next": target},
    )
    assert response.status_code == 302 and response["Location"] == reverse("pricing:mapping")
    assert SkuMapping.objects.filter(supplier_sku="ZZ-1").exists()


@pytest.mark.parametrize("target", ["/pricing/catalog/?q=bolt", "http://testserver/pricing/offers/"])
def test_it_redirects_after_mapping_to_a_page_of_the_site(login, paul, buyer, supplier2, target):
    product(buyer, sku="MY-1", name="My bolt")
    response = login(paul).post(
        reverse("pricing:mapping_set"),
        {"supplier": supplier2.slug, "supplier_sku": "ZZ-1", "product": "MY-1", "next": target},
    )
    assert response["Location"] == target


def test_it_answers_an_outsider_and_an_unknown_buyer_alike_in_the_form(login, sam, supplier, outsider_buyer):
    pending = core.BuyerFactory(name="Pending Partner")
    core.PartnershipFactory(buyer=pending, supplier=supplier, status="applied")
    client = login(sam)

    def error_for(slug: str) -> list[str]:
        response = _post_file(client, "a.csv", csv_bytes([("A", "x", "pcs", "1", 1)]), currency="RUB", buyer=slug)
        assert response.status_code == 200
        return response.context["form"].errors["buyer"]

    for slug in (outsider_buyer.slug, pending.slug, "no-such-buyer"):
        assert error_for(slug) == [f"No such buyer among your active partners: “{slug}”."]
    assert not PriceUpload.objects.exists()


def _queue_task_comes_first(monkeypatch) -> list[str]:
    """Between the page's save and its read, a queue task for the same upload runs: what it left."""
    real_process = services.price_upload_process
    seen = []

    def task_first(*, upload):
        tasks.process_price_upload.call_local(upload.pk)
        seen.append(PriceUpload.objects.get(pk=upload.pk).status)
        return real_process(upload=upload)

    monkeypatch.setattr(services, "price_upload_process", task_first)
    return seen


def test_it_never_lets_the_queue_take_an_upload_the_page_reads(login, sam, supplier, monkeypatch):
    seen = _queue_task_comes_first(monkeypatch)
    _post_file(login(sam), "a.csv", csv_bytes([("A", "x", "pcs", "1", 1)]), currency="RUB")
    assert seen == [UploadStatus.PROCESSING]  # the task found it claimed by the page and left it
    assert PriceUpload.objects.get().status == UploadStatus.READY
    assert PriceList.objects.filter(status="draft").count() == 1


def test_it_never_lets_the_queue_take_a_remapped_upload_the_page_reads(login, sam, supplier, monkeypatch):
    client = login(sam)
    _post_file(client, "odd.csv", b"Code;Title;Cost\nA-1;Bolt;1.50\n", currency="USD")
    item = PriceUpload.objects.get()
    seen = _queue_task_comes_first(monkeypatch)
    client.post(
        reverse("pricing:upload_remap", args=[item.pk]),
        {"map_sku": "Code", "map_name": "Title", "map_price": "Cost"},
    )
    item.refresh_from_db()
    assert seen == [UploadStatus.PROCESSING] and item.status == UploadStatus.READY


def test_it_groups_offers_by_currency_cheapest_first_within_each(login, alice, buyer, supplier, supplier2):
    publish(supplier, [("A-1", "Арматура 12 мм", "т", "120.00", 1), ("B-1", "Арматура 14 мм", "т", "130.00", 1)])
    publish(supplier2, [("ARM12", "Арматура 12 мм", "т", "7.00", 1)], currency="USD")
    client = login(alice)
    page = client.get(reverse("pricing:offers") + "?q=Арматура").content.decode()
    rub120, rub130, usd7 = "RUB\u00a0120.00", "RUB\u00a0130.00", "$7.00"
    assert page.index(rub120) < page.index(rub130) < page.index(usd7)
    by_price = client.get(reverse("pricing:offers") + "?q=Арматура&sort=price").content.decode()
    assert by_price.index(rub120) < by_price.index(rub130)  # RUB with RUB, USD with USD
    assert by_price.index(rub130) < by_price.index(usd7)  # currencies by code when sorted by price


def test_it_compares_a_category_within_each_currency(login, alice, buyer, supplier, supplier2):
    category = core.CategoryFactory(buyer=buyer, name="Steel")
    publish(supplier, [("A-1", "Арматура 12 мм", "т", "120.00", 1)])
    publish(supplier2, [("A-1", "Арматура 12 мм", "т", "5.00", 1)], currency="USD")
    product(buyer, sku="A-1", name="Арматура 12 мм", category=category)
    client = login(alice)
    page = client.get(reverse("pricing:compare") + f"?category={category.pk}").content.decode()
    assert "RUB\u00a0120.00 · Steel Works; $5.00 · Bolt House" in page
    for sort in ("best", "-best"):
        assert client.get(reverse("pricing:compare") + f"?category={category.pk}&sort={sort}").status_code == 200


# --- the one currency rule, the buttons of the life-cycle table ----------------------------------


def test_it_refuses_a_currency_that_is_not_an_iso_code_in_the_form(login, sam):
    client = login(sam)
    response = _post_file(client, "a.csv", csv_bytes([("A", "x", "pcs", "1", 1)]), currency="РУБ")
    assert response.status_code == 200
    assert "not a currency code" in str(response.context["form"].errors["currency"])
    assert not PriceUpload.objects.exists() and not PriceList.objects.exists()
    _post_file(client, "a.csv", csv_bytes([("A", "x", "pcs", "1", 1)]), currency="rub")
    assert PriceUpload.objects.get().currency == "RUB"


def test_it_offers_the_moves_the_table_allows(login, sam, supplier):
    client = login(sam)
    ready = upload(supplier, csv_bytes([("A", "x", "pcs", "1", 1)]))
    invalid = upload(supplier, csv_bytes([("", "x", "pcs", "1", 1)]))
    queued = upload(supplier, process=False)
    published = upload(supplier)
    services.price_upload_publish(upload=published, actor=by(sam, supplier))

    def buttons(item):
        page = client.get(reverse("pricing:upload_detail", args=[item.pk])).content.decode()
        return {
            name
            for name, url in (("publish", "upload_publish"), ("discard", "upload_discard"), ("remap", "upload_remap"))
            if reverse(f"pricing:{url}", args=[item.pk]) in page
        }

    assert buttons(ready) == {"publish", "discard", "remap"}
    assert buttons(invalid) == {"discard", "remap"}
    assert buttons(queued) == set()  # being read: the page shows its progress
    assert buttons(published) == set()
