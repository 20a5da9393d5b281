"""The web forms with lines take any number of rows up to MAX_LINES: rows added in the browser arrive
as more formset forms; blank rows are skipped; more than the limit is refused and nothing is made."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cabinet.forms import MAX_LINES
from cabinet.models import Order, RequestForQuotation
from tests.factories import PASSWORD


def _order_data(supplier, n: int, *, blank: int = 0) -> dict:
    data = {"supplier": supplier.pk, "currency": "RUB", "lines-TOTAL_FORMS": str(n + blank), "lines-INITIAL_FORMS": "0"}
    for i in range(n):
        data |= {
            f"lines-{i}-sku": f"SKU-{i + 1}",
            f"lines-{i}-name": f"Item {i + 1}",
            f"lines-{i}-unit": "pcs",
            f"lines-{i}-quantity": str(i + 1),
            f"lines-{i}-price": "10",
        }
    return data


def _rfq_data(supplier, n: int, *, blank: int = 0) -> dict:
    deadline = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "title": "Many lines",
        "suppliers": [supplier.pk],
        "deadline": deadline,
        "currency": "RUB",
        "lines-TOTAL_FORMS": str(n + blank),
        "lines-INITIAL_FORMS": "0",
    }
    for i in range(n):
        data |= {f"lines-{i}-name": f"Item {i + 1}", f"lines-{i}-quantity": "1", f"lines-{i}-unit": "t"}
    return data


def test_it_offers_three_blank_rows_and_the_add_a_line_template(login, alice, supplier):
    page = login(alice).get(reverse("cabinet:order_create")).content.decode()
    assert 'name="lines-TOTAL_FORMS" value="3"' in page
    assert f'name="lines-MAX_NUM_FORMS" value="{MAX_LINES}"' in page
    assert 'name="lines-2-sku"' in page and 'name="lines-3-sku"' not in page
    assert 'name="lines-__prefix__-sku"' in page and "<template data-empty-line>" in page
    assert "Add a line" in page and "js/cabinet.js" in page


def test_it_places_an_order_of_twelve_lines_and_skips_blank_rows(login, alice, supplier):
    response = login(alice).post(reverse("cabinet:order_create"), _order_data(supplier, 12, blank=2))
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cabinet:order_detail", args=[order.pk])
    lines = list(order.lines.order_by("position"))
    assert len(lines) == 12
    assert [line.name for line in lines] == [f"Item {i}" for i in range(1, 13)]
    assert order.total == Decimal(10 * sum(range(1, 13)))


def test_it_sends_a_request_of_twelve_lines(login, alice, supplier):
    response = login(alice).post(reverse("cabinet:rfq_create"), _rfq_data(supplier, 12, blank=1))
    rfq = RequestForQuotation.objects.get()
    assert response.status_code == 302
    assert rfq.lines.count() == 12


def test_it_takes_the_most_lines_a_form_allows_with_every_field_sent_and_blank_rows_left(login, alice, supplier):
    # A browser sends every field of every row, blank or not: it must stay under Django's field limit.
    data = _order_data(supplier, MAX_LINES)
    data |= {"from_price_list": "", "wanted_date": "", "note": "", "lines-MIN_NUM_FORMS": "0"}
    data |= {"lines-MAX_NUM_FORMS": str(MAX_LINES), "lines-TOTAL_FORMS": str(MAX_LINES + 3)}
    for i in range(MAX_LINES, MAX_LINES + 3):
        data |= {f"lines-{i}-{name}": "" for name in ("sku", "name", "unit", "quantity", "price")}
    response = login(alice).post(reverse("cabinet:order_create"), data)
    assert response.status_code == 302
    assert Order.objects.get().lines.count() == MAX_LINES


@pytest.mark.parametrize("url", ["cabinet:order_create", "cabinet:rfq_create"])
def test_it_refuses_more_lines_than_a_form_takes_and_makes_nothing(login, alice, supplier, url):
    build = _order_data if url == "cabinet:order_create" else _rfq_data
    response = login(alice).post(reverse(url), build(supplier, MAX_LINES + 1))
    assert response.status_code == 200
    assert f"A form takes at most {MAX_LINES} lines" in response.content.decode()
    assert not Order.objects.exists() and not RequestForQuotation.objects.exists()


def test_it_refuses_a_forged_total_past_the_hard_limit_without_a_500(login, alice, supplier):
    data = _order_data(supplier, 1) | {"lines-TOTAL_FORMS": "100000"}
    response = login(alice).post(reverse("cabinet:order_create"), data)
    assert response.status_code == 200
    assert f"A form takes at most {MAX_LINES} lines" in response.content.decode()
    assert not Order.objects.exists()


# -- in the browser --------------------------------------------------------------------------------


def _log_in(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_selector("#dashboard")


@pytest.mark.browser
def test_it_adds_and_removes_lines_in_the_browser_and_places_them_all(page, alice, supplier):
    _log_in(page, alice.email)
    page.goto(reverse("cabinet:order_create"))
    rows = page.locator("#order-form tr[data-line]")
    initial = rows.count()
    assert initial == 3
    for _ in range(10):
        page.click("#order-form [data-add-line]")
    assert rows.count() == initial + 10
    assert page.input_value("input[name=lines-TOTAL_FORMS]") == str(initial + 10)
    # Remove the 5th row: the rows after it are renumbered and nothing is lost.
    rows.nth(4).locator("[data-remove-line]").click()
    assert rows.count() == initial + 9
    assert page.input_value("input[name=lines-TOTAL_FORMS]") == str(initial + 9)
    page.select_option("select[name=supplier]", str(supplier.pk))
    for i in range(initial + 8):  # the last row stays blank and is skipped
        page.fill(f"input[name=lines-{i}-sku]", f"B-{i + 1}")
        page.fill(f"input[name=lines-{i}-name]", f"Browser item {i + 1}")
        page.fill(f"input[name=lines-{i}-quantity]", "2")
        page.fill(f"input[name=lines-{i}-price]", "5")
    page.click("#order-form button[type=submit]")
    page.wait_for_selector("#order-state")
    order = Order.objects.get()
    assert order.lines.count() == initial + 8
    body = page.inner_text("main")
    for i in range(initial + 8):
        assert f"Browser item {i + 1}" in body
    assert order.total == Decimal("110.00")


@pytest.mark.browser
def test_it_fits_the_lines_on_a_phone(new_page, alice, supplier):
    page = new_page(viewport={"width": 375, "height": 740})
    _log_in(page, alice.email)
    page.goto(reverse("cabinet:rfq_create"))
    page.click("#rfq-form [data-add-line]")
    assert page.locator("#rfq-form tr[data-line]").count() == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("#rfq-form [data-add-line]").is_visible()
