"""Regressions for defects a review found: each test failed before its fix."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cabinet import selectors, services
from cabinet.forms import is_id
from cabinet.models import Comment, Complaint, Order, ProposalState, Quote, QuoteState, RequestForQuotation
from cabinet.money import currency_code, money, unit_price
from marketplace.models import Partnership, PartnershipStatus
from tests.cabinet import factories as f

BIG = "99999999999999999999"  # 10**20 - 1: past any integer column, SQLite cannot even compare it


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def _end_partnership(buyer, supplier) -> None:
    Partnership.objects.filter(buyer=buyer, supplier=supplier).update(status=PartnershipStatus.REJECTED)


# -- 1. rfq comment with a supplier that is not an id ----------------------------------------------


@pytest.mark.parametrize("value", ["abc", BIG, "-1", "1.5", ""])
def test_it_answers_a_clear_message_when_the_comment_names_no_real_supplier(login, alice, buyer, supplier, value):
    rfq = f.rfq(buyer, [supplier])
    response = login(alice).post(
        reverse("cabinet:rfq_comment", args=[rfq.pk]), {"body": "hello", "supplier": value}, follow=True
    )
    assert response.status_code == 200
    assert "Choose which supplier's conversation to write in." in _messages(response)
    assert not Comment.objects.exists()


def test_it_still_writes_in_the_chosen_suppliers_conversation(login, alice, buyer, supplier):
    rfq = f.rfq(buyer, [supplier])
    response = login(alice).post(
        reverse("cabinet:rfq_comment", args=[rfq.pk]), {"body": "hello", "supplier": f" {supplier.pk} "}
    )
    assert response.status_code == 302
    assert Comment.objects.get().supplier == supplier


# -- 2. a supplier past its partnership neither quotes, declines nor comments -------------------------


def test_it_refuses_quotes_declines_and_comments_of_a_supplier_no_longer_active(buyer, supplier, sam):
    rfq = f.rfq(buyer, [supplier])
    _end_partnership(buyer, supplier)
    prices = {line.pk: Decimal("10") for line in rfq.lines.all()}
    with pytest.raises(ValidationError, match="partnership with Acme Buying is not active"):
        services.quote_submit(rfq=rfq, supplier=supplier, actor=sam, prices=prices)
    with pytest.raises(ValidationError, match="partnership with Acme Buying is not active"):
        services.quote_decline(rfq=rfq, supplier=supplier, actor=sam, reason="busy")
    with pytest.raises(ValidationError, match="partnership with Acme Buying is not active"):
        services.comment_add(body="still here", author=sam, organization=supplier, rfq=rfq)
    assert not Quote.objects.exists() and not Comment.objects.exists()


def test_it_closes_the_buyers_conversation_with_a_supplier_no_longer_active(buyer, alice, supplier):
    rfq = f.rfq(buyer, [supplier])
    _end_partnership(buyer, supplier)
    with pytest.raises(ValidationError, match="Steel Works is no longer an active supplier"):
        services.comment_add(body="hello?", author=alice, organization=buyer, rfq=rfq, supplier=supplier)
    assert not Comment.objects.exists()


def test_it_refuses_a_quote_posted_on_the_page_after_the_partnership_ended(login, buyer, supplier, sam):
    rfq = f.rfq(buyer, [supplier])
    f.quote(rfq, supplier, price="50")
    _end_partnership(buyer, supplier)
    client = login(sam)
    data = {f"price_{line.pk}": "10" for line in rfq.lines.all()}
    response = client.post(reverse("cabinet:rfq_quote", args=[rfq.pk]), data, follow=True)
    assert "is not active" in _messages(response)
    assert Quote.objects.get().total == Decimal("50.00") * sum(line.quantity for line in rfq.lines.all())
    response = client.post(reverse("cabinet:rfq_comment", args=[rfq.pk]), {"body": "still here"}, follow=True)
    assert "is not active" in _messages(response)
    assert not Comment.objects.exists()


def test_it_lets_a_former_partner_read_what_it_answered_but_hides_the_rest(login, buyer, supplier, sam):
    answered = f.rfq(buyer, [supplier])
    f.quote(answered, supplier)
    unanswered = f.rfq(buyer, [supplier])
    _end_partnership(buyer, supplier)
    assert list(selectors.rfq_list(organization=supplier)) == [answered]
    assert list(selectors.waiting_for(organization=supplier)["rfqs_to_answer"]) == []
    client = login(sam)
    page = client.get(reverse("cabinet:rfq_detail", args=[answered.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'id="partner-inactive"' in html
    assert 'id="quote-form"' not in html and "comment-form" not in html
    assert client.get(reverse("cabinet:rfq_detail", args=[unanswered.pk])).status_code == 404
    assert client.post(reverse("cabinet:rfq_quote", args=[unanswered.pk]), {}).status_code == 404


def test_it_shows_the_buyer_a_closed_conversation_with_a_former_partner(login, alice, buyer, supplier, supplier2):
    rfq = f.rfq(buyer, [supplier, supplier2])
    _end_partnership(buyer, supplier)
    client = login(alice)
    html = client.get(reverse("cabinet:rfq_detail", args=[rfq.pk]) + f"?supplier={supplier.pk}").content.decode()
    assert "the conversation is closed" in html and "comment-form" not in html
    html = client.get(reverse("cabinet:rfq_detail", args=[rfq.pk]) + f"?supplier={supplier2.pk}").content.decode()
    assert "the conversation is closed" not in html and "comment-form" in html


def test_it_keeps_showing_an_active_partner_its_unanswered_requests(buyer, supplier):
    rfq = f.rfq(buyer, [supplier])
    assert list(selectors.rfq_list(organization=supplier)) == [rfq]
    assert list(selectors.waiting_for(organization=supplier)["rfqs_to_answer"]) == [rfq]


# -- 3. accepting a proposal needs an active partnership ------------------------------------------


def test_it_refuses_to_accept_a_proposal_of_a_supplier_no_longer_active(buyer, alice, supplier, sam):
    proposal = services.proposal_create(supplier=supplier, buyer=buyer, actor=sam, sku="N-1", name="New", price="5")
    _end_partnership(buyer, supplier)
    with pytest.raises(ValidationError, match="not an active supplier"):
        services.proposal_decide(proposal=proposal, accept=True, actor=alice, organization=buyer)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.OPEN and proposal.catalog_product is None
    declined = services.proposal_decide(
        proposal=proposal, accept=False, actor=alice, organization=buyer, comment="We no longer work together."
    )
    assert declined.state == ProposalState.DECLINED


# -- 4. a supplier does not see how many rivals were asked or quoted --------------------------------


def test_it_shows_a_supplier_only_its_own_answer_in_the_request_list(login, buyer, supplier, supplier2, sam):
    rfq = f.rfq(buyer, [supplier, supplier2])
    f.quote(rfq, supplier2)
    f.rfq(buyer, [supplier, supplier2])
    client = login(sam)
    response = client.get(reverse("cabinet:rfq_list"))
    table = response.context["table"]
    shown = [column.name for column in table.columns]
    assert "answers_count" not in shown and "suppliers_count" not in shown and "own_answer" in shown
    assert [row.get_cell("own_answer") for row in table.rows] == ["Not answered", "Not answered"]
    f.quote(rfq, supplier)
    rows = client.get(reverse("cabinet:rfq_list")).context["table"].rows
    assert sorted(str(row.get_cell("own_answer")) for row in rows) == ["Not answered", str(QuoteState.SUBMITTED.label)]
    exported = client.get(reverse("cabinet:rfq_list") + "?_export=csv").content.decode()
    header = next(csv.reader(io.StringIO(exported)))
    assert "Quotes" not in header and "Suppliers" not in header and "Your answer" in header
    for sort in ("answers_count", "-suppliers_count", "own_answer"):
        assert client.get(reverse("cabinet:rfq_list") + f"?sort={sort}").status_code == 200


def test_it_still_shows_the_buyer_how_many_suppliers_quoted(login, alice, buyer, supplier, supplier2):
    rfq = f.rfq(buyer, [supplier, supplier2])
    f.quote(rfq, supplier2)
    client = login(alice)
    table = client.get(reverse("cabinet:rfq_list")).context["table"]
    row = next(iter(table.rows))
    assert (row.get_cell("suppliers_count"), row.get_cell("answers_count")) == (2, 1)
    assert "own_answer" not in [column.name for column in table.columns]
    assert client.get(reverse("cabinet:rfq_list") + "?sort=own_answer").status_code == 200


# -- 5. placing an order through the API names no other tenant's supplier ----------------------------


def test_it_answers_the_same_for_another_tenants_supplier_and_an_unknown_slug(api, buyer, outsider_supplier):
    client = api(buyer)
    body = {"lines": [{"sku": "x", "quantity": "1", "price": "1"}]}
    foreign = client.post("/api/v1/orders/", {**body, "supplier": "far-away"}, format="json")
    unknown = client.post("/api/v1/orders/", {**body, "supplier": "nobody-here"}, format="json")
    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json() == {"supplier": ["No active supplier “far-away”."]}
    assert unknown.json() == {"supplier": ["No active supplier “nobody-here”."]}
    assert "Far Away" not in foreign.content.decode()
    assert not Order.objects.exists()


def test_it_answers_the_same_for_a_former_partner_through_the_api(api, buyer, supplier):
    _end_partnership(buyer, supplier)
    response = api(buyer).post(
        "/api/v1/orders/",
        {"supplier": "steel-works", "lines": [{"sku": "x", "quantity": "1", "price": "1"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"supplier": ["No active supplier “steel-works”."]}


def test_it_offers_and_accepts_only_active_suppliers_on_the_order_form(login, alice, supplier, outsider_supplier):
    response = login(alice).post(
        reverse("cabinet:order_create"),
        {
            "supplier": outsider_supplier.pk,
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-sku": "A",
            "lines-0-quantity": "1",
            "lines-0-price": "1",
        },
    )
    assert response.status_code == 200
    assert "Far Away" not in response.content.decode()
    assert response.context["form"].errors["supplier"]
    assert not Order.objects.exists()


# -- 6. integers too large for the database --------------------------------------------------------


def test_it_refuses_a_complaint_line_too_large_through_the_api(api, buyer, supplier):
    order = f.order(buyer, supplier, state="delivered")
    client = api(buyer)
    for lines in ([10**20], [2**31], [0]):
        response = client.post(f"/api/v1/orders/{order.pk}/complaints/", {"reason": "x", "lines": lines}, format="json")
        assert response.status_code == 400, lines
        assert "lines" in response.json()
    assert not Complaint.objects.exists()


def test_it_refuses_a_complaint_line_too_large_on_the_form(login, alice, buyer, supplier):
    order = f.order(buyer, supplier, state="delivered")
    client = login(alice)
    for value in (BIG, "abc", "-3"):
        response = client.post(reverse("cabinet:complaint_create", args=[order.pk]), {"reason": "x", "lines": [value]})
        assert response.status_code == 200, value
        assert response.context["form"].errors["lines"], value
    assert not Complaint.objects.exists()


def test_it_refuses_a_supplier_id_too_large_on_the_request_form(login, alice, supplier):
    data = {
        "title": "t",
        "suppliers": [BIG],
        "deadline": "2099-01-01T10:00",
        "currency": "RUB",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-name": "x",
        "lines-0-quantity": "1",
    }
    response = login(alice).post(reverse("cabinet:rfq_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["suppliers"]
    assert not RequestForQuotation.objects.exists()


def test_it_refuses_too_large_ids_on_the_order_and_proposal_forms(login, alice, sam, supplier):
    response = login(alice).post(
        reverse("cabinet:order_create"),
        {"supplier": BIG, "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-sku": "A"},
    )
    assert response.status_code == 200 and response.context["form"].errors["supplier"]
    response = login(sam).post(
        reverse("cabinet:proposal_create"),
        {"buyer": BIG, "kind": "new_product", "sku": "a", "name": "b", "unit": "u", "price": "1", "currency": "RUB"},
        follow=True,
    )
    assert "Buyer:" in _messages(response)


def test_it_refuses_a_lead_time_too_large(login, buyer, supplier, sam):
    rfq = f.rfq(buyer, [supplier])
    data = {f"price_{line.pk}": "1" for line in rfq.lines.all()} | {"lead_time_days": BIG}
    response = login(sam).post(reverse("cabinet:rfq_quote", args=[rfq.pk]), data, follow=True)
    assert "Lead time, days:" in _messages(response)
    prices = {line.pk: Decimal("1") for line in rfq.lines.all()}
    with pytest.raises(ValidationError, match="0 to 3650 days"):
        services.quote_submit(rfq=rfq, supplier=supplier, actor=sam, prices=prices, lead_time_days=10**20)
    assert not Quote.objects.exists()


def test_it_answers_ids_too_large_in_addresses_and_filters_without_a_server_error(login, api, alice, buyer, supplier):
    client = login(alice)
    for url in (
        f"/cabinet/orders/{BIG}/",
        f"/cabinet/requests/{BIG}/",
        f"/cabinet/complaints/{BIG}/",
        f"/cabinet/documents/{BIG}/",
    ):
        assert client.get(url).status_code == 404, url
    for url in ("/cabinet/orders/", "/cabinet/requests/", "/cabinet/complaints/"):
        assert client.get(f"{url}?partner={BIG}").status_code == 200, url
    assert api(buyer).get(f"/api/v1/orders/{BIG}/").status_code == 404


def test_it_tells_ids_from_what_cannot_be_one():
    assert is_id(1) and is_id("42") and is_id(" 7 ") and is_id(2**63 - 1)
    assert not any(is_id(v) for v in (0, -1, 2**63, BIG, "abc", "1.5", "", None, True, "٣", 1.0))


# -- 7. currency codes -----------------------------------------------------------------------------


@pytest.mark.parametrize("currency", ["$$$", "R1B", "РУБ", "US"])
def test_it_refuses_a_currency_that_is_not_three_letters_through_the_api(api, buyer, supplier, currency):
    response = api(buyer).post(
        "/api/v1/orders/",
        {"supplier": "steel-works", "currency": currency, "lines": [{"sku": "a", "quantity": "1", "price": "1"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "currency" in response.json()
    assert not Order.objects.exists()


def test_it_upper_cases_a_currency_given_through_the_api(api, buyer, supplier):
    response = api(buyer).post(
        "/api/v1/orders/",
        {"supplier": "steel-works", "currency": "usd", "lines": [{"sku": "a", "quantity": "1", "price": "1"}]},
        format="json",
    )
    assert response.status_code == 201 and response.json()["currency"] == "USD"


def test_it_refuses_a_currency_that_is_not_three_letters_on_the_order_form(login, alice, supplier):
    response = login(alice).post(
        reverse("cabinet:order_create"),
        {
            "supplier": supplier.pk,
            "currency": "$$$",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-sku": "A",
            "lines-0-quantity": "1",
            "lines-0-price": "1",
        },
    )
    assert response.status_code == 200
    assert "three letters" in str(response.context["form"].errors["currency"])
    assert not Order.objects.exists()


def test_it_refuses_a_bad_currency_in_the_services(buyer, supplier, sam):
    with pytest.raises(ValidationError, match="not a currency code"):
        services.order_create(
            buyer=buyer, supplier=supplier, channel="web", lines=f.lines(1), currency="$$$", actor=None
        )
    with pytest.raises(ValidationError, match="not a currency code"):
        services.proposal_create(
            supplier=supplier, buyer=buyer, actor=sam, sku="a", name="b", price="1", currency="1AB"
        )
    assert currency_code(" eur ") == "EUR" and currency_code("ЕВР") is None


# -- 8. money rounds half up -----------------------------------------------------------------------


def test_it_rounds_money_half_up():
    assert money(Decimal("1.005")) == Decimal("1.01") and money(Decimal("1.015")) == Decimal("1.02")
    assert money(Decimal("2.5")) == Decimal("2.50") and unit_price(Decimal("0.00005")) == Decimal("0.0001")


def test_it_rounds_order_lines_half_up(buyer, supplier):
    order = services.order_create(
        buyer=buyer,
        supplier=supplier,
        channel="web",
        lines=[
            {"sku": "a", "quantity": Decimal("1"), "price": Decimal("1.0050")},
            {"sku": "b", "quantity": Decimal("1"), "price": Decimal("1.0250")},
        ],
    )
    assert [line.amount for line in order.lines.order_by("position")] == [Decimal("1.01"), Decimal("1.03")]
    assert order.total == Decimal("2.04")


def test_it_rounds_quote_totals_and_compensations_half_up(buyer, alice, supplier, sam):
    rfq = services.rfq_create(
        buyer=buyer,
        actor=alice,
        title="Bolts",
        deadline=timezone.now() + dt.timedelta(days=1),
        suppliers=[supplier],
        lines=[{"name": "Bolt", "quantity": Decimal("1")}],
    )
    line = rfq.lines.get()
    quote = services.quote_submit(rfq=rfq, supplier=supplier, actor=sam, prices={line.pk: Decimal("0.0450")})
    assert quote.total == Decimal("0.05")  # banker's rounding gave 0.04
    assert quote.lines.get().amount == Decimal("0.05")
    order = f.order(buyer, supplier, state="delivered")
    complaint = services.complaint_open(order=order, reason="broken", actor=alice, organization=buyer)
    complaint = services.complaint_resolve(
        complaint=complaint, resolution="compensated", compensation="0.125", actor=alice, organization=buyer
    )
    assert complaint.compensation == Decimal("0.13")
