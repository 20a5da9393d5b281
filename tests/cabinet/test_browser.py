"""One order from placed to completed, the buyer and the supplier each in their own browser."""

import pytest

from cabinet.models import Order
from tests.cabinet import factories as f
from tests.factories import PASSWORD


def _log_in(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_selector("#dashboard")


def _move(page, order, to, comment=None):
    page.goto(f"/cabinet/orders/{order.pk}/")
    if comment is not None:
        page.fill(f"#comment-{to}", comment)
    page.click(f"button[data-move={to}]")
    page.wait_for_selector(f"#order-state[data-state={to}]")


@pytest.mark.browser
def test_it_carries_an_order_from_placed_to_completed_in_two_browsers(new_page, buyer, alice, supplier, sam):
    order = f.order(buyer, supplier)
    buyer_page, supplier_page = new_page(), new_page()
    _log_in(buyer_page, alice.email)
    _log_in(supplier_page, sam.email)

    # The supplier sees the new order waiting on its home page and in its inbox badge.
    assert order.number in supplier_page.inner_text("#cabinet-dashboard")
    assert supplier_page.inner_text("#inbox-unread") == "1"
    supplier_page.click(f"#cabinet-dashboard >> text={order.number}")
    supplier_page.wait_for_selector("button[data-move=confirmed]")
    # The buyer has no supplier's buttons.
    buyer_page.goto(f"/cabinet/orders/{order.pk}/")
    assert buyer_page.locator("button[data-move=confirmed]").count() == 0

    _move(supplier_page, order, "confirmed")
    _move(supplier_page, order, "in_progress")
    _move(supplier_page, order, "shipped", comment="Truck A 123 BC, arrives Tuesday")
    _move(buyer_page, order, "delivered")

    # A complaint: the order is disputed until the buyer resolves it.
    buyer_page.click("a[data-move=disputed]")
    buyer_page.fill("textarea[name=reason]", "Two bars are bent")
    buyer_page.click("#complaint-form button[type=submit]")
    buyer_page.wait_for_selector("#complaint-state")
    complaint_url = buyer_page.url
    supplier_page.goto(complaint_url)
    supplier_page.fill("textarea[name=answer]", "We credit 5%")
    supplier_page.click("#answer-form button[type=submit]")
    supplier_page.wait_for_selector("text=We credit 5%")
    buyer_page.goto(complaint_url)
    buyer_page.select_option("select[name=resolution]", "compensated")
    buyer_page.fill("input[name=compensation]", "12.50")
    buyer_page.click("#resolve-form button[type=submit]")
    # The last complaint resolved, the buyer lands on the order, told that it may complete it now.
    buyer_page.wait_for_selector("#disputes-settled")
    buyer_page.goto(complaint_url)
    assert buyer_page.inner_text("#complaint-state") == "Resolved"

    _move(buyer_page, order, "completed")
    history = buyer_page.inner_text("#order-history")
    assert "Truck A 123 BC" in history and "Two bars are bent" in history
    order.refresh_from_db()
    assert order.state == "completed"
    assert list(order.events.values_list("to_state", flat=True)) == [
        "placed",
        "confirmed",
        "in_progress",
        "shipped",
        "delivered",
        "disputed",
        "completed",
    ]
    assert set(order.events.exclude(to_state="placed").values_list("actor__email", flat=True)) == {
        "alice@acme.test",
        "sam@steel.test",
    }
    assert Order.objects.count() == 1
