"""Ratings ← auctions: the unit price of each supplier's best bid in the buyer's finished auctions
of a catalog product joins the price criterion (``auctions.selectors.bid_prices_for_rating``)."""

import datetime as dt
from decimal import Decimal

import pytest

from auctions import selectors as auction_selectors
from auctions import services as auctions
from cabinet import services as cabinet
from marketplace.actors import Actor
from pricing.models import Product
from ratings import compute
from ratings.models import SupplierScore
from tests import factories
from tests.auctions import factories as af

pytestmark = pytest.mark.django_db


def test_a_suppliers_auction_bids_move_its_price_criterion(buyer, paul, supplier, sam, supplier2, sue):
    third = factories.SupplierFactory(slug="third")
    factories.PartnershipFactory(buyer=buyer, supplier=third)
    product = Product.objects.create(buyer=buyer, sku="P-1", name="Rebar")
    for org in (supplier, supplier2, third):
        line = {"sku": "P-1", "name": "Rebar", "quantity": 1, "price": "100", "product_id": product.pk}
        cabinet.order_create(buyer=buyer, supplier=org, channel="web", lines=[line], actor=Actor.system(buyer))
    compute.scores_recompute(buyer=buyer)
    assert SupplierScore.objects.get(supplier=supplier).price_value == pytest.approx(1.0)

    auction = af.auction(buyer, paul, [supplier, supplier2], state="live", product=product, quantity=Decimal("10000"))
    assert af.bid(auction, supplier2, "950000").ok and af.bid(auction, supplier, "800000").ok
    assert auction_selectors.bid_prices_for_rating(buyer=buyer).count() == 0  # still live: not yet
    auctions.auction_close_expired(now=auction.ends_at + dt.timedelta(minutes=1))

    rows = sorted(auction_selectors.bid_prices_for_rating(buyer=buyer), key=lambda r: r["supplier_id"])
    assert [(r["supplier_id"], r["product_id"], r["currency"]) for r in rows] == [
        (supplier.pk, product.pk, "RUB"),
        (supplier2.pk, product.pk, "RUB"),
    ]
    assert [Decimal(r["price"]) for r in rows] == [Decimal("80"), Decimal("95")]

    compute.scores_recompute(buyer=buyer)
    cheap = SupplierScore.objects.get(supplier=supplier)
    # its price is the mean of the order (100) and its best bid's unit price (80); the others' 97.5 and 100
    assert cheap.price_value == pytest.approx(90 / 98.75)
    assert cheap.price_score > SupplierScore.objects.get(supplier=third).price_score


def test_other_buyers_and_lots_without_a_product_are_left_out(buyer, paul, supplier, sam, outsider_buyer):
    auction = af.auction(buyer, paul, [supplier], state="live")
    assert af.bid(auction, supplier, "900000").ok
    auctions.auction_close_expired(now=auction.ends_at + dt.timedelta(minutes=1))
    assert list(auction_selectors.bid_prices_for_rating(buyer=buyer)) == []
    assert list(auction_selectors.bid_prices_for_rating(buyer=outsider_buyer)) == []


def _price_sources_world(buyer, paul, supplier, supplier2):
    """Orders in two currencies, price lists mapped to the catalog and a finished auction's bids."""
    from pricing.models import MappingSource, SkuMapping
    from tests.pricing import factories as pf

    third = factories.SupplierFactory(slug="third")
    factories.PartnershipFactory(buyer=buyer, supplier=third)
    rebar = Product.objects.create(buyer=buyer, sku="P-1", name="Rebar")
    bolt = Product.objects.create(buyer=buyer, sku="P-2", name="Bolt")
    for org, price, currency in (
        (supplier, "100", "RUB"),
        (supplier2, "97.5", "RUB"),
        (third, "103", "RUB"),
        (third, "1.5", "USD"),
        (supplier, "1.25", "USD"),
    ):
        line = {"sku": "P-1", "name": "Rebar", "quantity": 3, "price": price, "product_id": rebar.pk}
        cabinet.order_create(
            buyer=buyer, supplier=org, channel="web", lines=[line], currency=currency, actor=Actor.system(buyer)
        )
    for org, price in ((supplier, "0.51"), (supplier2, "0.47"), (third, "0.55")):
        pf.publish(org, [("B-8", "Bolt M8", "pcs", price, 1), ("B-9", "Bolt M8 zinc", "pcs", "0.6", 1)])
        for sku in ("B-8", "B-9"):
            SkuMapping.objects.create(
                buyer=buyer, supplier=org, supplier_sku=sku, product=bolt, source=MappingSource.MANUAL
            )
    auction = af.auction(buyer, paul, [supplier, supplier2], state="live", product=rebar, quantity=Decimal("10000"))
    assert af.bid(auction, supplier2, "950000").ok and af.bid(auction, supplier, "930000").ok
    auctions.auction_close_expired(now=auction.ends_at + dt.timedelta(minutes=1))
    return third


def test_the_sql_and_pandas_price_paths_agree_with_auction_bids(buyer, paul, supplier, sam, supplier2, sue):
    """PostgreSQL reads every source, auction bids too, in one statement; pandas (SQLite's path, or
    any explicit list of sources) must give the same figures."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ratings import prices

    third = _price_sources_world(buyer, paul, supplier, supplier2)
    with CaptureQueriesContext(connection) as queries:
        default = prices.price_ratios(buyer)
    if connection.vendor == "postgresql":
        assert len(queries) == 1  # the SQL path, not the pandas fallback
    in_pandas = prices.price_ratios(buyer, sources=prices.SOURCES)
    assert sorted(default.index) == sorted(in_pandas.index) == sorted([supplier.pk, supplier2.pk, third.pk])
    for pk in default.index:
        assert default.loc[pk, "price_products"] == in_pandas.loc[pk, "price_products"]
        assert default.loc[pk, "price_ratio"] == pytest.approx(in_pandas.loc[pk, "price_ratio"], rel=1e-12, abs=0)
    # By hand, for the first supplier: rebar in RUB is the mean of its order (100) and its best bid
    # (93), against the others' median (97.5 and 95 → 96.25... of supplier2's mean (97.5 + 95) / 2
    # and third's 103); in USD 1.25 against 1.5; the bolt 0.555 (mean of its two SKUs) against the
    # median of 0.535 and 0.575.
    rub = (100 + 93) / 2 / (((97.5 + 95) / 2 + 103) / 2)
    usd = 1.25 / 1.5
    bolt = ((0.51 + 0.6) / 2) / (((0.47 + 0.6) / 2 + (0.55 + 0.6) / 2) / 2)
    rub_spend, usd_spend = 3 * (100 + 97.5 + 103), 3 * (1.5 + 1.25)
    expected = (rub * rub_spend + usd * usd_spend + bolt * 1) / (rub_spend + usd_spend + 1)
    assert default.loc[supplier.pk, "price_ratio"] == pytest.approx(expected, rel=1e-12)
    assert default.loc[supplier.pk, "price_products"] == 3


def test_the_two_paths_agree_on_groups_of_every_size_and_on_ties(buyer, paul, supplier, sam, supplier2, sue):
    """Two to six suppliers per product (odd and even counts of the others), tied prices, and a
    product offered by one supplier only (nothing to compare it with)."""
    from pricing.models import MappingSource, SkuMapping
    from ratings import prices
    from tests.pricing import factories as pf

    orgs = [supplier, supplier2]
    for i in range(4):
        org = factories.SupplierFactory(slug=f"extra-{i}")
        factories.PartnershipFactory(buyer=buyer, supplier=org)
        orgs.append(org)
    products = [Product.objects.create(buyer=buyer, sku=f"P-{k}", name=f"Item {k}") for k in range(1, 7)]
    for i, org in enumerate(orgs):
        rows = [(f"S-{k}", f"Item {k}", "pcs", f"{10 + (i * 7 + k * 3) % 5}.{i}", 1) for k in range(i + 1, 7)]
        pf.publish(org, rows)
        for k in range(i + 1, 7):
            SkuMapping.objects.create(
                buyer=buyer, supplier=org, supplier_sku=f"S-{k}", product=products[k - 1], source=MappingSource.MANUAL
            )
    line = {"sku": "P-6", "name": "Item 6", "quantity": 2, "price": "12.3", "product_id": products[5].pk}
    cabinet.order_create(buyer=buyer, supplier=orgs[0], channel="web", lines=[line], actor=Actor.system(buyer))
    default = prices.price_ratios(buyer)
    in_pandas = prices.price_ratios(buyer, sources=prices.SOURCES)
    assert sorted(default.index) == sorted(in_pandas.index) == sorted(o.pk for o in orgs)
    for pk in default.index:
        assert default.loc[pk, "price_products"] == in_pandas.loc[pk, "price_products"]
        assert default.loc[pk, "price_ratio"] == pytest.approx(in_pandas.loc[pk, "price_ratio"], rel=1e-12, abs=0)
    assert default.loc[orgs[0].pk, "price_products"] == 5  # its first product has no other offer
