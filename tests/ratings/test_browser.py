"""A manager tunes the weights and watches the board reorder; procurement goes from a category's
top five to a request for quotation to them, and from the same top five to a scheduled auction
with them invited."""

import pytest

from auctions.models import Auction
from cabinet.models import RequestForQuotation
from marketplace.models import Partnership
from tests import factories
from tests.cabinet import factories as f
from tests.factories import PASSWORD

CRITERIA = ("orders", "volume", "complaints", "delivery", "price", "tenure", "trust")


def _log_in(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_selector("#dashboard")


def _weigh_only(page, criterion):
    page.goto("/ratings/settings/")
    for name in CRITERIA:
        page.fill(f"input[name=weight_{name}]", "1" if name == criterion else "0")
    page.click("#save-weights")
    page.wait_for_selector("#leaderboard")


def _first_on_board(page) -> str:
    return page.get_attribute("#leaderboard tbody tr:first-child", "data-supplier")


@pytest.mark.browser
def test_weights_reorder_the_board_and_the_top_five_get_a_request_and_an_auction(
    page, buyer, alice, supplier, supplier2
):
    category = factories.CategoryFactory(buyer=buyer, name="Steel")
    for partnership in Partnership.objects.filter(buyer=buyer):
        partnership.categories.add(category)
    f.order(buyer, supplier, state="completed")  # steel-works has orders, bolt-house has years
    Partnership.objects.filter(supplier=supplier2).update(active_since="2021-01-01")
    _log_in(page, alice.email)

    _weigh_only(page, "orders")
    assert _first_on_board(page) == "steel-works"
    _weigh_only(page, "tenure")
    assert _first_on_board(page) == "bolt-house"

    _top_five(page, category)
    assert page.get_attribute("#top tbody tr:first-child", "data-supplier") == "bolt-house"
    page.click("#to-rfq")
    assert _chosen(page) >= {str(supplier.pk), str(supplier2.pk)}
    page.fill("input[name=title]", "Rebar for block D")
    page.fill("input[name=lines-0-name]", "Rebar 12 mm")
    page.fill("input[name=lines-0-quantity]", "5")
    page.click("#rfq-form > button[type=submit]")
    page.wait_for_url("**/cabinet/requests/*/")
    rfq = RequestForQuotation.objects.get(title="Rebar for block D")
    assert set(rfq.suppliers.values_list("slug", flat=True)) == {"steel-works", "bolt-house"}

    _top_five(page, category)
    page.click("#to-auction")
    page.wait_for_selector("#auction-form")
    assert _chosen(page) >= {str(supplier.pk), str(supplier2.pk)}
    terms = {"title": "Rebar auction, block D", "lot": "Rebar 12 mm, 5 t", "start_price": "500000", "min_step": "1000"}
    for name, value in terms.items():
        page.fill(f"input[name={name}]", value)
    page.click("#create-auction")
    page.wait_for_url("**/auctions/*/")
    auction = Auction.objects.get(title="Rebar auction, block D")
    assert auction.state == "scheduled"
    assert set(auction.invitations.values_list("supplier__slug", flat=True)) == {"steel-works", "bolt-house"}


def _top_five(page, category):
    page.goto("/ratings/top/")
    page.select_option("select[name=category]", str(category.pk))
    page.fill("input[name=n]", "5")
    page.click("#top-form button[type=submit]")
    page.wait_for_selector("#top tbody tr[data-supplier]")


def _chosen(page) -> set[str]:
    """The suppliers preselected in a form's supplier picker (a select)."""
    return set(page.eval_on_selector("select[name=suppliers]", "s => [...s.selectedOptions].map(o => o.value)"))
