"""Wherever a supplier is picked, its score and band with the buyer show beside it: the offers
(price lists), a product's offers, the category comparison, the quotes side by side, the order,
request and auction forms, the auction's invited suppliers. Read from the partnership (one query)."""

import pytest
from django.urls import reverse

from marketplace.models import Partnership, RatingBand
from tests import factories as core
from tests.cabinet import factories as f
from tests.pricing.factories import product, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(buyer, supplier, supplier2):
    Partnership.objects.filter(buyer=buyer, supplier=supplier).update(
        rating_band=RatingBand.GOOD, rating_score="72.5", rating_is_new=False
    )
    Partnership.objects.filter(buyer=buyer, supplier=supplier2).update(
        rating_band=RatingBand.CAUTION, rating_score="41.0", rating_is_new=False
    )


def test_the_offers_show_each_suppliers_band_and_score_in_a_constant_number_of_queries(
    login, alice, buyer, supplier, supplier2, rated, django_assert_max_num_queries
):
    publish(supplier, [("A-1", "Арматура 12 мм", "т", "120.00", 1)])
    publish(supplier2, [("ARM12", "Арматура 12 мм", "т", "99.00", 1)])
    client = login(alice)
    page = client.get(reverse("pricing:offers")).content.decode()
    assert '<span class="band band-good">Good</span> 72.5' in page
    assert '<span class="band band-caution">Caution</span> 41.0' in page
    export = client.get(reverse("pricing:offers") + "?_export=csv").content.decode()
    assert "Good 72.5" in export and "Caution 41.0" in export

    with django_assert_max_num_queries(40) as few:
        client.get(reverse("pricing:offers"))
    for i in range(10):
        other = core.SupplierFactory(slug=f"mill-{i}")
        core.PartnershipFactory(buyer=buyer, supplier=other, rating_band=RatingBand.CAUTION, rating_score="40.0")
        publish(other, [(f"M-{i}", "Арматура 12 мм", "т", "100.00", 1)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("pricing:offers")).content.decode()
    assert page.count("band-caution") == 11


def test_a_products_offers_and_the_comparison_show_the_ratings(login, paul, buyer, supplier, supplier2, rated):
    category = core.CategoryFactory(buyer=buyer, name="Steel")
    publish(supplier, [("A-1", "Арматура 12 мм", "т", "120.00", 1)])
    publish(supplier2, [("A-1", "Арматура 12 мм", "т", "99.00", 1)])
    item = product(buyer, sku="A-1", name="Арматура 12 мм", category=category)
    client = login(paul)
    page = client.get(reverse("pricing:product_detail", args=[item.pk])).content.decode()
    assert "band-good" in page and "band-caution" in page and 'id="product-top"' in page
    page = client.get(reverse("pricing:compare") + f"?category={category.pk}").content.decode()
    assert "Steel Works · Good 72.5" in page and "Bolt House · Caution 41.0" in page


def test_the_quotes_side_by_side_show_the_ratings(login, alice, buyer, supplier, supplier2, rated):
    rfq = f.rfq(buyer, [supplier, supplier2])
    f.quote(rfq, supplier, price="90.00")
    f.quote(rfq, supplier2, price="120.00")
    html = login(alice).get(reverse("cabinet:rfq_detail", args=[rfq.pk])).content.decode()
    comparison = html[html.index('id="comparison"') :]
    assert '<span class="band band-good">Good</span> 72.5' in comparison
    assert '<span class="band band-caution">Caution</span> 41.0' in comparison


def test_the_order_request_and_auction_forms_show_the_ratings(login, paul, buyer, supplier, supplier2, rated):
    client = login(paul)
    for url in (reverse("cabinet:order_create"), reverse("cabinet:rfq_create"), reverse("auctions:create")):
        page = client.get(url).content.decode()
        assert "Steel Works · Good 72.5" in page and "Bolt House · Caution 41.0" in page, url


def test_a_supplier_sees_no_rating_on_the_offers_of_nobody(login, sam, supplier):
    """The offers page is the buyer's; a supplier is refused, learning no rating."""
    assert login(sam).get(reverse("pricing:offers")).status_code in (403, 404)


def test_a_quote_from_a_supplier_blocked_since_it_was_asked_is_accepted_only_with_a_reason(
    login, alice, buyer, supplier, supplier2
):
    from cabinet.models import Order
    from marketplace.models import OverridePurpose, PartnerOverride

    rfq = f.rfq(buyer, [supplier, supplier2])
    quote = f.quote(rfq, supplier, price="90.00")
    Partnership.objects.filter(buyer=buyer, supplier=supplier).update(rating_band=RatingBand.BLOCKED, rating_score=18)
    client = login(alice)
    html = client.get(reverse("cabinet:rfq_detail", args=[rfq.pk])).content.decode()
    assert f'id="override-{quote.pk}"' in html and "band-blocked" in html
    response = client.post(reverse("cabinet:quote_accept", args=[quote.pk]), follow=True)
    assert "blocked by its rating" in response.content.decode() and not Order.objects.exists()
    response = client.post(reverse("cabinet:quote_accept", args=[quote.pk]), {"override_reason": "Cheapest by far"})
    assert response.status_code == 302 and Order.objects.get().supplier == supplier
    override = PartnerOverride.objects.get()
    assert override.purpose == OverridePurpose.ORDER and override.reason == "Cheapest by far"
