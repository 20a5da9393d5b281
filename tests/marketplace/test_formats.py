"""How pages read (issue 12): one date format per language, sortable headers that say so, currencies
picked from a list, search-as-you-type pickers that work without JavaScript, breadcrumbs."""

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from marketplace.forms import CurrencyField
from tests.cabinet import factories as f
from tests.pricing.factories import publish

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 11, 26, 12, 18, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [
        ("en", "26 Nov 2026", "26 Nov 2026, 12:18"),
        ("ru", "26.11.2026", "26.11.2026 12:18"),
        ("vi", "26/11/2026", "26/11/2026 12:18"),
    ],
)
def test_it_has_one_date_format_per_language(language, day, moment):
    with translation.override(language):
        assert date_format(MOMENT.date()) == date_format(MOMENT.date(), "SHORT_DATE_FORMAT") == day
        assert date_format(MOMENT, "DATETIME_FORMAT") == date_format(MOMENT, "SHORT_DATETIME_FORMAT") == moment


def test_templates_and_tables_write_dates_the_same_way(login, alice, buyer, supplier):
    order = f.order(buyer, supplier)
    client = login(alice)
    today = date_format(order.created_at, "SHORT_DATE_FORMAT")
    with translation.override("ru"):
        today_ru = date_format(order.created_at, "SHORT_DATE_FORMAT")
    for url in (reverse("cabinet:order_list"), reverse("cabinet:order_detail", args=[order.pk])):
        page = client.get(url).content.decode()
        assert today in page and not re.search(r"\b20\d\d-\d\d-\d\d\b", page), url
        assert today_ru in client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()


def test_sortable_headers_show_that_they_sort_and_which_way(login, alice, buyer, supplier):
    f.order(buyer, supplier)
    client = login(alice)
    page = client.get(reverse("cabinet:order_list")).content.decode()
    assert re.search(r'<th class="orderable"[^>]*aria-sort="none"', page)
    assert 'class="sort-arrow"' in page
    page = client.get(reverse("cabinet:order_list") + "?sort=-total").content.decode()
    assert '<th class="desc number orderable" aria-sort="descending">' in page
    page = client.get(reverse("cabinet:order_list") + "?sort=total").content.decode()
    assert re.search(r'aria-sort="ascending"', page)


def test_a_currency_is_chosen_from_the_iso_codes_in_the_readers_language():
    field = CurrencyField(required=False)
    with translation.override("ru"):
        html = Template("{{ field }}").render(Context({"field": field.widget.render("currency", "VND")}))
    assert '<option value="VND" selected>VND · вьетнамский донг</option>' in html
    assert '<option value="">—</option>' in html and 'value="JPY"' in html and 'data-picker="one"' in html
    assert field.clean(" eur ") == "EUR"
    with pytest.raises(Exception, match="not a currency code"):
        field.clean("РУБ")


def test_supplier_pickers_are_plain_selects_marked_for_the_search(login, alice, buyer, supplier, supplier2):
    page = login(alice).get(reverse("cabinet:rfq_create")).content.decode()
    select = re.search(r'<select name="suppliers"[^>]*>', page).group()
    assert "multiple" in select and 'data-picker="many"' in select
    assert 'name="currency"' in page and re.search(r'<select name="currency"[^>]*data-picker="one"', page)
    assert "vendor/tom-select/tom-select.popular.min.js" in page and "js/pickers.js" in page


def test_detail_pages_have_breadcrumbs(login, alice, sam, buyer, supplier):
    price_list = publish(supplier)
    client = login(sam)
    page = client.get(reverse("pricing:list_changes", args=[price_list.pk])).content.decode()
    crumbs = page.split('class="breadcrumbs"')[1].split("</nav>")[0]
    assert reverse("pricing:index") in crumbs and reverse("pricing:list_detail", args=[price_list.pk]) in crumbs
    assert 'aria-current="page">What changed' in crumbs
