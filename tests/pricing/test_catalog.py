"""The buyer's catalog and the mapping of suppliers' SKUs onto it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pricing import selectors, services
from pricing.models import Product, SkuMapping
from pricing.services import catalog
from tests.concurrency import race
from tests.pricing.factories import by, product, publish

pytestmark = pytest.mark.django_db


def test_it_maps_by_sku_and_keeps_mappings_across_versions(buyer, supplier, paul):
    item = product(buyer, sku="A-1", name="Whatever")
    publish(supplier)
    mapping = SkuMapping.objects.get(product=item)
    assert (mapping.supplier_sku, mapping.source) == ("A-1", "sku")
    manual = product(buyer, sku="MINE", name="Болт")
    services.mapping_set(actor=by(paul, buyer), supplier=supplier, supplier_sku="B-2", product=manual)
    publish(supplier, [("A-1", "x", "т", "200", 1), ("B-2", "y", "pcs", "1", 1)])
    assert SkuMapping.objects.get(supplier_sku="B-2").product == manual
    offers = selectors.offer_list(buyer=buyer, product=manual)
    assert [o.price for o in offers] == [Decimal("1")]


def test_it_maps_a_renamed_sku_by_name_though_the_product_has_the_old_one(buyer, supplier):
    """Defect 10 of issue 12: the old SKU's mapping kept the renamed one out of the comparison."""
    bolt = product(buyer, sku="MY-BOLT", name="Bolt M8")
    publish(supplier, [("OLD-8", "Bolt M8", "pcs", "1.00", 1)])
    assert SkuMapping.objects.get(supplier_sku="OLD-8").product == bolt
    publish(supplier, [("NEW-8", "Bolt  m8", "pcs", "1.10", 1)])
    assert (
        SkuMapping.objects.get(supplier_sku="NEW-8").product,
        SkuMapping.objects.get(supplier_sku="NEW-8").source,
    ) == (
        bolt,
        "name",
    )
    assert [o.sku for o in selectors.offer_list(buyer=buyer, product=bolt)] == ["NEW-8"]


def test_it_does_not_map_a_second_sku_by_name_while_the_first_is_listed(buyer, supplier):
    bolt = product(buyer, sku="MY-BOLT", name="Bolt M8")
    publish(supplier, [("OLD-8", "Bolt M8", "pcs", "1.00", 1)])
    publish(supplier, [("OLD-8", "Bolt M8", "pcs", "1.00", 1), ("NEW-8", "Bolt M8", "pcs", "1.10", 1)])
    assert list(SkuMapping.objects.filter(product=bolt).values_list("supplier_sku", flat=True)) == ["OLD-8"]


def test_it_matches_names_regardless_of_case_and_spacing(buyer, supplier):
    publish(supplier, [("Z-1", "АРМАТУРА  12 ММ.", "т", "1", 1)])
    item = product(buyer, sku="P-9", name="арматура 12 мм")
    assert SkuMapping.objects.get(product=item).supplier_sku == "Z-1"


def test_it_refuses_mapping_onto_another_buyers_product(buyer, supplier, outsider_buyer, paul):
    foreign = product(outsider_buyer, sku="X", name="x")
    with pytest.raises(ValidationError):
        services.mapping_set(actor=by(paul, buyer), supplier=supplier, supplier_sku="A-1", product=foreign)


def test_it_rejects_duplicate_products(buyer):
    product(buyer, sku="A")
    with pytest.raises(ValidationError, match="already"):
        product(buyer, sku="A")


def test_it_refuses_a_sku_created_concurrently_with_the_same_message(buyer, monkeypatch):
    real_name_key = catalog.name_key

    def racing(name):  # another request creates the SKU between the check and the insert
        Product.objects.create(buyer=buyer, sku="RACE-1", name="Theirs")
        return real_name_key(name)

    monkeypatch.setattr(catalog, "name_key", racing)
    with pytest.raises(ValidationError) as error:
        services.product_create(buyer=buyer, sku="RACE-1", name="Mine")
    assert error.value.message_dict == {"sku": ["Your catalog already has the SKU “RACE-1”."]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_creates_a_sku_once_under_concurrency(buyer):
    results = race(6, lambda i: services.product_create(buyer=buyer, sku="SAME", name=f"Product {i}").pk)
    assert sorted(kind for kind, _ in results) == ["error"] * 5 + ["ok"]
    for kind, value in results:
        if kind == "error":
            assert isinstance(value, ValidationError), value
            assert value.message_dict == {"sku": ["Your catalog already has the SKU “SAME”."]}
    assert Product.objects.filter(buyer=buyer, sku="SAME").count() == 1
