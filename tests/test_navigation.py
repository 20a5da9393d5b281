"""The top navigation and the pickers in a real browser (issue 12): one row at 1,280 px for every
demo role in each language (what does not fit goes under "More"), a readable organization and
language switcher in the phone menu, and suppliers picked by typing a few letters."""

import re

import pytest

from cabinet.models import RequestForQuotation
from tests.factories import PASSWORD
from tests.test_phone_widths import PHONE, ROLES, _login, demo_world  # noqa: F401

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


@pytest.mark.parametrize("language", ["en", "ru", "vi"])
def test_the_navigation_fits_one_row_at_1280(demo_world, new_page, live_server, language):  # noqa: F811
    page = new_page(viewport=DESKTOP, locale=language)
    for email in ROLES:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        _login(page, email)
        page.goto("/cabinet/orders/")
        tops = page.eval_on_selector_all(
            "header .brand, #nav-links > a:not([hidden]), #nav-more:not([hidden]) > button, #nav-inbox, #account-button",
            "els => els.filter(e => e.offsetParent).map(e => Math.round(e.getBoundingClientRect().top / 10))",
        )
        assert len(set(tops)) == 1, f"{email}: the navigation wraps"
        links = page.eval_on_selector_all("#nav-links a[data-nav]", "els => els.length")
        shown = page.eval_on_selector_all("#nav-links > a[data-nav]", "els => els.filter(e => e.offsetParent).length")
        in_more = page.eval_on_selector_all("#nav-more-panel > a[data-nav]", "els => els.length")
        assert shown + in_more == links and shown >= 4, email
        if in_more:
            page.click("#nav-more > button")
            assert page.locator("#nav-more-panel a").first.is_visible()
        with page.expect_navigation():
            page.click("#account-button")
            page.locator("#logout-button").click()


def test_the_phone_menu_shows_the_switchers_readably(demo_world, new_page):  # noqa: F811
    page = new_page(viewport=PHONE)
    _login(page, "buyer@uralstroy.demo")
    assert not page.locator("#org-select").is_visible()
    page.click("label.nav-toggle-label")
    for select in ("#org-select", "#lang-select"):
        box = page.locator(select).bounding_box()
        assert page.locator(select).is_visible() and box["width"] >= 300 and box["height"] >= 36, select
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_it_picks_suppliers_by_typing(new_page, buyer, alice, supplier, supplier2):
    page = new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", alice.email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/cabinet/requests/new/")
    assert "tomselected" in page.get_attribute("select[name=suppliers]", "class")  # Tom Select took its place
    picker = page.locator("#id_suppliers-ts-control")
    picker.fill(supplier2.name[:4])
    page.locator(".ts-dropdown .option", has_text=supplier2.name).click()
    picker.fill("zzzz-no-such")
    assert page.locator(".ts-dropdown .no-results").is_visible()
    picker.fill("")
    page.keyboard.press("Escape")
    page.fill("input[name=title]", "Cement for block E")
    page.fill("input[name=lines-0-name]", "Cement M500")
    page.fill("input[name=lines-0-quantity]", "5")
    page.click("#rfq-form > button[type=submit]")
    page.wait_for_url("**/cabinet/requests/*/")
    rfq = RequestForQuotation.objects.get(title="Cement for block E")
    assert list(rfq.suppliers.values_list("pk", flat=True)) == [supplier2.pk]
