import re

import pytest
from django.core import mail

from marketplace import services
from marketplace.models import Partnership
from tests.factories import PASSWORD, acting

pytestmark = pytest.mark.browser


def test_it_signs_an_invited_supplier_up_and_back_out(page, buyer, alice):
    _invitation, token = services.invitation_create(
        buyer=buyer, email="owner@thep-viet.test", supplier_name="Thép Việt", actor=acting(alice)
    )

    page.goto(f"/invitations/{token}/")
    page.get_by_role("button", name="Create my account").click()
    assert page.locator("input[name=email]").input_value() == "owner@thep-viet.test"
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    # The invitation reached this address: no confirmation mail to wait for (issue 12, defect 7).
    page.wait_for_url(re.compile(r"/$"))
    assert not any("confirm-email" in message.body for message in mail.outbox)
    assert page.locator("h1").inner_text().startswith("Thép Việt")

    page.click("#account-button")  # the account menu holds the switchers and Log out
    with page.expect_navigation():
        page.locator("#logout-button").click()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "owner@thep-viet.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "Thép Việt" in page.locator("h1").inner_text()
    assert Partnership.objects.get(buyer=buyer, supplier__name="Thép Việt").status == "active"
    page.goto("/buyers/")
    assert "Acme Buying" in page.locator("table").inner_text()

    page.click("#account-button")
    with page.expect_navigation():
        page.select_option("#lang-select", "ru")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("#logout-button").text_content() == "Выйти"
    assert "Покупатели" in page.locator("nav").text_content()

    page.click("#account-button")
    with page.expect_navigation():
        page.select_option("#lang-select", "vi")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("#logout-button").text_content() == "Đăng xuất"

    page.click("#account-button")
    with page.expect_navigation():
        page.locator("#logout-button").click()
    assert page.locator("#logout-button").count() == 0
    page.goto("/buyers/")
    assert "/accounts/login/" in page.url


def test_it_fits_a_phone_screen(new_page, buyer, alice, supplier):
    phone = new_page(viewport={"width": 390, "height": 844})
    phone.goto("/accounts/login/")
    phone.fill("input[name=login]", "alice@acme.test")
    phone.fill("input[name=password]", PASSWORD)
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/$"))
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert not phone.locator("nav.nav").is_visible()  # folded behind the menu button
    phone.locator("label.nav-toggle-label").click()
    phone.get_by_role("link", name="Suppliers", exact=True).click()
    phone.wait_for_url(re.compile(r"/partners/"))
    assert "Steel Works" in phone.locator("table").inner_text()


def test_it_wraps_a_new_api_key_in_its_box_and_copies_it(new_page, buyer, alice):
    """Defect 8 of issue 12: the new key ran out of its box, and there was no Copy button."""
    phone = new_page(viewport={"width": 390, "height": 844})
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"])
    phone.goto("/accounts/login/")
    phone.fill("input[name=login]", "alice@acme.test")
    phone.fill("input[name=password]", PASSWORD)
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/$"))
    phone.goto("/organization/")
    phone.fill("#api-keys input[name=name]", "ERP sync")
    phone.get_by_role("button", name="Create a key").click()
    key = phone.locator("#api-key").inner_text().strip()
    assert key.startswith("mk_")
    overflow = phone.locator("#api-key").evaluate("box => box.scrollWidth - box.clientWidth")
    assert overflow <= 0 and phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator("#copy-api-key").click()
    assert phone.evaluate("navigator.clipboard.readText()") == key
    assert phone.locator("#copy-api-key").inner_text() == "Copied"
