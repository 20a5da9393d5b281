"""A supplier uploads the cp1251 sample, checks the preview, publishes; the buyer sees the prices."""

import re

import pytest

from pricing.models import PriceList
from tests.factories import PASSWORD
from tests.pricing.factories import publish
from tests.pricing.samples import SAMPLES

pytestmark = pytest.mark.browser


def _login(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))


def test_it_uploads_previews_publishes_and_the_buyer_sees_the_prices(new_page, buyer, alice, supplier, sam):
    publish(supplier, [("АРМ-12-А500", "Арматура А500С д.12 мм", "т", "58000.00", 1)])
    supplier_page, buyer_page = new_page(), new_page()
    _login(buyer_page, alice.email)
    buyer_page.goto("/pricing/offers/?q=АРМ-12")
    assert "RUB\u00a058,000.00" in buyer_page.locator("table").inner_text()

    _login(supplier_page, sam.email)
    supplier_page.goto("/pricing/")
    supplier_page.get_by_role("link", name="Upload a price list").first.click()
    supplier_page.set_input_files("input[name=file]", str(SAMPLES / "pricelist_ru_cp1251.csv"))
    supplier_page.get_by_role("button", name="Check the file").click()
    supplier_page.wait_for_url(re.compile(r"/pricing/uploads/\d+/$"))
    assert supplier_page.locator("[data-count=rows]").inner_text() == "8"
    assert supplier_page.locator("[data-count=errors]").inner_text() == "0"
    preview = supplier_page.locator("#preview").inner_text()
    assert "АРМ-12-А500" in preview and "61,250.00" in preview and "Цемент М400" in preview
    # Defect 4 of issue 12: the preview's box clipped its last row («ЭЛ-ВВГ-3х2,5» read «ЭЛ-»).
    last = supplier_page.locator("#preview tbody tr").last
    assert "ЭЛ-ВВГ-3х2,5" in last.inner_text()
    clipped = last.evaluate(
        "row => { const box = row.closest('.table-scroll, .pricing-scroll');"
        " return row.getBoundingClientRect().bottom > box.getBoundingClientRect().bottom + 1; }"
    )
    assert not clipped
    assert "1 prices up" in supplier_page.locator("main").inner_text()

    supplier_page.locator("#publish").click()
    supplier_page.wait_for_url(re.compile(r"/pricing/lists/\d+/$"))
    assert "v2" in supplier_page.locator("h1").inner_text()
    assert PriceList.objects.get(status="active").rows == 8

    buyer_page.reload()
    offers = buyer_page.locator("table").inner_text()
    assert "RUB\u00a061,250.00" in offers and "RUB\u00a058,000.00" not in offers
    buyer_page.goto("/pricing/offers/?q=Цемент")
    assert "RUB\u00a0412.50" in buyer_page.locator("table").inner_text()
