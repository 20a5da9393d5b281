"""Tables of the pricing pages: amounts as a reader expects them."""

import pytest
from django.urls import reverse

from tests.pricing.factories import publish

pytestmark = pytest.mark.django_db


def test_it_shows_the_from_price_of_a_supplier_sku_as_a_price(login, paul, supplier):
    """Defect 1 of issue 12: the mapping page showed ``0.0883000000000000``."""
    publish(supplier, [("B-1", "Bolt", "pcs", "0.0883", 1), ("N-1", "Nut", "pcs", "9.41", 1)])
    page = login(paul).get(reverse("pricing:mapping")).content.decode()
    assert "RUB\xa00.0883" in page and "RUB\xa09.41<" in page
    assert "0.08830" not in page and "9.410" not in page


def test_it_words_the_filters_choices(login, paul, supplier):
    """Issue 12: "Any" instead of ``---------``, "Any / Yes / No" instead of "Unknown"."""
    page = login(paul).get(reverse("pricing:mapping")).content.decode()
    assert "---------" not in page and "Unknown" not in page
    assert '<option value="" selected>Any</option>' in page and '<option value="true">Yes</option>' in page
    assert login(paul).get(reverse("pricing:mapping") + "?unmapped=true").status_code == 200
