"""Reads: which versions each side sees, prices for order lines, offers across suppliers and
currencies, the comparison."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.actors import Actor
from marketplace.models import PartnershipStatus
from pricing import selectors, services
from pricing.models import SkuMapping
from tests.pricing.factories import D, product, publish

pytestmark = pytest.mark.django_db


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
    services.price_list_import(
        actor=Actor.system(supplier), file=SimpleUploadedFile("a.csv", data.encode()), currency="RUB"
    )
    assert selectors.price_for_order_line(buyer=buyer, supplier=supplier, sku="A", quantity=1) is None
    assert selectors.price_for_order_line(buyer=buyer, supplier=supplier, sku="B", quantity=1)[0] == Decimal("2")


def test_it_does_not_price_for_an_outsider(outsider_buyer, supplier):
    publish(supplier)
    assert selectors.price_for_order_line(buyer=outsider_buyer, supplier=supplier, sku="A-1", quantity=1) is None


def test_it_lists_offers_across_suppliers_cheapest_first(buyer, supplier, supplier2):
    publish(supplier, [("A-1", "Арматура", "т", "120", 1)])
    publish(supplier2, [("Q", "Арматура", "т", "99", 1)])
    item = product(buyer, sku="A-1", name="Арматура")
    assert [(o.price_list.supplier, o.price) for o in selectors.offer_list(buyer=buyer, product=item)] == [
        (supplier2, Decimal("99")),
        (supplier, Decimal("120")),
    ]
    assert [o.price for o in selectors.offer_list(buyer=buyer, sku="A-1")] == [Decimal("99"), Decimal("120")]


def test_it_never_calls_an_offer_best_against_another_currency(buyer, supplier, supplier2):
    from tests import factories as core

    supplier3 = core.SupplierFactory(name="Cheap Cement")
    core.PartnershipFactory(buyer=buyer, supplier=supplier3)
    publish(supplier, [("A-1", "Арматура 12 мм", "т", "100.00", 1)], currency="RUB")
    publish(supplier2, [("A-1", "Арматура 12 мм", "т", "5.00", 1)], currency="USD")
    publish(supplier3, [("A-1", "Арматура 12 мм", "т", "90.00", 1)], currency="RUB")
    item = product(buyer, sku="A-1")
    _suppliers, rows = selectors.price_comparison(buyer=buyer, products=[item])
    assert rows[0]["best"] == [(Decimal("90"), "RUB", "Cheap Cement"), (Decimal("5"), "USD", "Bolt House")]
    assert (rows[0]["best_currency"], rows[0]["best_price"]) == ("RUB", Decimal("90"))
    assert rows[0][f"s{supplier2.pk}"] == [(Decimal("5"), "USD")]


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
