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
