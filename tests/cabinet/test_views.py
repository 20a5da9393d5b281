import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cabinet import selectors, services
from cabinet.models import (
    Comment,
    Complaint,
    Document,
    Order,
    Proposal,
    Quote,
    QuoteState,
    RequestForQuotation,
)
from marketplace.models import Notification
from tests.cabinet import factories as f
from tests.factories import acting


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# -- orders ----------------------------------------------------------------------------------------


def test_it_places_an_order_from_the_web_form(login, alice, supplier, sam):
    client = login(alice)
    assert client.get(reverse("cabinet:order_create")).status_code == 200
    data = {
        "supplier": supplier.pk,
        "currency": "rub",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-sku": "RB-12",
        "lines-0-name": "Rebar 12mm",
        "lines-0-unit": "t",
        "lines-0-quantity": "2.5",
        "lines-0-price": "41000",
        "files": [f.pdf()],
    }
    response = client.post(reverse("cabinet:order_create"), data)
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cabinet:order_detail", args=[order.pk])
    assert order.number.startswith("W-") and order.currency == "RUB" and order.total == Decimal("102500.00")
    assert order.documents.count() == 1
    assert Notification.objects.filter(user=sam, kind="order_placed").exists()


def test_it_refuses_a_zero_quantity_in_the_web_form_and_keeps_nothing(login, alice, supplier):
    response = login(alice).post(
        reverse("cabinet:order_create"),
        {
            "supplier": supplier.pk,
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-sku": "A",
            "lines-0-quantity": "0",
            "lines-0-price": "1",
        },
    )
    assert response.status_code == 200
    assert "greater than zero" in response.content.decode()
    assert not Order.objects.exists()


def test_it_refuses_an_executable_renamed_pdf_on_the_order_form(login, alice, supplier):
    response = login(alice).post(
        reverse("cabinet:order_create"),
        {
            "supplier": supplier.pk,
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-sku": "A",
            "lines-0-quantity": "1",
            "lines-0-price": "1",
            "files": [f.exe()],
        },
    )
    assert response.status_code == 200
    assert "not a document we accept" in response.content.decode()
    assert not Order.objects.exists() and not Document.objects.exists()


def test_it_shows_the_order_with_the_buttons_of_the_side_that_may_move_it(login, buyer, supplier, alice, sam):
    order = f.order(buyer, supplier)
    page = login(sam).get(reverse("cabinet:order_detail", args=[order.pk])).content.decode()
    assert 'data-move="confirmed"' in page and 'data-move="rejected"' in page
    assert 'data-move="cancelled"' not in page
    page = login(alice).get(reverse("cabinet:order_detail", args=[order.pk])).content.decode()
    assert 'data-move="cancelled"' in page and 'data-move="confirmed"' not in page
    assert order.number in page


def test_it_moves_an_order_and_refuses_a_move_out_of_turn_with_the_allowed_moves(login, buyer, supplier, sam):
    order = f.order(buyer, supplier)
    client = login(sam)
    url = reverse("cabinet:order_transition", args=[order.pk])
    response = client.post(url, {"to": "shipped", "comment": "now"}, follow=True)
    assert "Allowed now: confirmed (Confirmed), rejected (Rejected)." in _messages(response)
    order.refresh_from_db()
    assert order.state == "placed"
    response = client.post(url, {"to": "confirmed"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == "confirmed"
    assert order.events.last().actor == sam


def test_it_requires_a_reason_to_reject(login, buyer, supplier, sam):
    order = f.order(buyer, supplier)
    response = login(sam).post(reverse("cabinet:order_transition", args=[order.pk]), {"to": "rejected"}, follow=True)
    assert "needs a reason" in _messages(response)
    order.refresh_from_db()
    assert order.state == "placed"


@pytest.mark.parametrize("who", ["rita", "mary"])
def test_it_requires_the_procure_permission_to_move_an_order(request, login, buyer, supplier, who):
    order = f.order(buyer, supplier)
    response = login(request.getfixturevalue(who)).post(
        reverse("cabinet:order_transition", args=[order.pk]), {"to": "cancelled", "comment": "x"}
    )
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.state == "placed"


def test_it_checks_ownership_of_orders(login, buyer, supplier, supplier2, sue, oscar):
    order = f.order(buyer, supplier)
    for person in (sue, oscar):
        client = login(person)
        assert client.get(reverse("cabinet:order_detail", args=[order.pk])).status_code == 404
        assert client.post(reverse("cabinet:order_transition", args=[order.pk]), {"to": "confirmed"}).status_code == 404
    order.refresh_from_db()
    assert order.state == "placed"


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("cabinet:order_transition", "get"),
        ("cabinet:order_comment", "get"),
        ("cabinet:order_documents", "get"),
        ("cabinet:order_detail", "post"),
    ],
)
def test_it_answers_405_to_the_wrong_method(login, buyer, supplier, alice, name, method):
    order = f.order(buyer, supplier)
    assert getattr(login(alice), method)(reverse(name, args=[order.pk])).status_code == 405


def test_it_keeps_a_comment_thread_on_an_order(login, buyer, supplier, alice, sam):
    order = f.order(buyer, supplier)
    login(alice).post(reverse("cabinet:order_comment", args=[order.pk]), {"body": "Can you ship Friday?"})
    login(sam).post(reverse("cabinet:order_comment", args=[order.pk]), {"body": "Yes."})
    assert list(Comment.objects.values_list("organization__slug", "body")) == [
        ("acme", "Can you ship Friday?"),
        ("steel-works", "Yes."),
    ]
    page = login(alice).get(reverse("cabinet:order_detail", args=[order.pk])).content.decode()
    assert "Can you ship Friday?" in page and "Yes." in page


# -- documents -------------------------------------------------------------------------------------


def test_it_lets_both_parties_download_and_nobody_else(login, buyer, supplier, supplier2, alice, sam, sue, oscar, olga):
    order = f.order(buyer, supplier)
    document = services.document_attach(upload=f.pdf("Счёт №5.pdf"), actor=acting(sam), order=order)
    url = reverse("cabinet:document_download", args=[document.pk])
    for person in (alice, sam):
        response = login(person).get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    for person in (sue, oscar, olga):
        assert login(person).get(url).status_code == 404


def test_it_shares_a_requests_files_with_the_suppliers_it_was_sent_to_only(
    login, buyer, supplier, supplier2, alice, sam, sue
):
    rfq = f.rfq(buyer, [supplier])
    document = services.document_attach(upload=f.pdf(), actor=acting(alice), rfq=rfq)
    url = reverse("cabinet:document_download", args=[document.pk])
    assert login(sam).get(url).status_code == 200
    assert login(sue).get(url).status_code == 404
    quote = f.quote(rfq, supplier)
    quote_doc = services.document_attach(upload=f.png(), actor=acting(sam), quote=quote)
    assert login(alice).get(reverse("cabinet:document_download", args=[quote_doc.pk])).status_code == 200


def test_it_refuses_an_upload_over_the_limit(login, buyer, supplier, sam, settings):
    settings.DOCUMENT_MAX_BYTES = 200
    order = f.order(buyer, supplier)
    response = login(sam).post(
        reverse("cabinet:order_documents", args=[order.pk]), {"files": [f.pdf(size=201)]}, follow=True
    )
    assert "the limit is 200" in _messages(response)
    assert not Document.objects.exists()


# -- requests for quotation ------------------------------------------------------------------------


def test_it_sends_a_request_and_takes_a_quote_through_the_pages(login, buyer, supplier, supplier2, alice, sam):
    deadline = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = login(alice).post(
        reverse("cabinet:rfq_create"),
        {
            "title": "Cement Q3",
            "suppliers": [supplier.pk, supplier2.pk],
            "deadline": deadline,
            "currency": "RUB",
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "0",
            "lines-0-name": "Cement M500",
            "lines-0-quantity": "20",
            "lines-0-unit": "t",
            "files": [f.pdf()],
        },
    )
    rfq = RequestForQuotation.objects.get()
    assert response.status_code == 302
    assert rfq.lines.count() == 1 and rfq.documents.count() == 1
    line = rfq.lines.get()
    client = login(sam)
    page = client.get(reverse("cabinet:rfq_detail", args=[rfq.pk])).content.decode()
    assert "quote-form" in page
    client.post(
        reverse("cabinet:rfq_quote", args=[rfq.pk]),
        {f"price_{line.pk}": "5100.00", "lead_time_days": "4", "comment": "from stock"},
    )
    quote = Quote.objects.get()
    assert quote.total == Decimal("102000.00")
    page = login(alice).get(reverse("cabinet:rfq_detail", args=[rfq.pk])).content.decode()
    assert "RUB\xa05,100.00" in page and "from stock" in page  # the price as the reader's language writes it
    response = login(alice).post(reverse("cabinet:quote_accept", args=[quote.pk]))
    order = Order.objects.get()
    assert response["Location"] == reverse("cabinet:order_detail", args=[order.pk])
    assert order.number.startswith("Q-")


def test_it_refuses_a_quote_after_the_deadline_on_the_page(login, buyer, supplier, sam):
    rfq = f.rfq(buyer, [supplier])
    RequestForQuotation.objects.filter(pk=rfq.pk).update(deadline=timezone.now() - dt.timedelta(seconds=1))
    prices = {f"price_{line.pk}": "1" for line in rfq.lines.all()}
    response = login(sam).post(reverse("cabinet:rfq_quote", args=[rfq.pk]), prices, follow=True)
    assert "takes no more answers" in _messages(response)
    assert not Quote.objects.exists()


def test_it_keeps_suppliers_out_of_each_others_request_threads(login, buyer, supplier, supplier2, alice, sam, sue):
    rfq = f.rfq(buyer, [supplier, supplier2])
    login(sam).post(reverse("cabinet:rfq_comment", args=[rfq.pk]), {"body": "secret from Steel"})
    login(alice).post(reverse("cabinet:rfq_comment", args=[rfq.pk]), {"body": "to Bolt", "supplier": supplier2.pk})
    assert "secret from Steel" not in login(sue).get(reverse("cabinet:rfq_detail", args=[rfq.pk])).content.decode()
    assert "to Bolt" in login(sue).get(reverse("cabinet:rfq_detail", args=[rfq.pk])).content.decode()
    page = login(alice).get(reverse("cabinet:rfq_detail", args=[rfq.pk]) + f"?supplier={supplier.pk}").content.decode()
    assert "secret from Steel" in page


def test_it_hides_a_request_from_suppliers_it_was_not_sent_to(login, buyer, supplier, supplier2, sue):
    rfq = f.rfq(buyer, [supplier])
    assert login(sue).get(reverse("cabinet:rfq_detail", args=[rfq.pk])).status_code == 404


@pytest.mark.parametrize("who", ["rita", "sam"])
def test_it_requires_a_buyer_with_procure_to_send_requests(request, login, who):
    assert login(request.getfixturevalue(who)).get(reverse("cabinet:rfq_create")).status_code == 403


def test_it_requires_a_supplier_to_quote(login, buyer, supplier, alice):
    rfq = f.rfq(buyer, [supplier])
    assert login(alice).post(reverse("cabinet:rfq_quote", args=[rfq.pk]), {}).status_code == 403


# -- complaints ------------------------------------------------------------------------------------


def test_it_carries_a_complaint_from_opening_to_resolution(login, buyer, supplier, alice, sam):
    order = f.order(buyer, supplier, state="delivered")
    line = order.lines.first()
    response = login(alice).post(
        reverse("cabinet:complaint_create", args=[order.pk]),
        {"reason": "Two bars bent", "lines": [line.pk], "files": [f.png()]},
    )
    complaint = Complaint.objects.get()
    assert response["Location"] == reverse("cabinet:complaint_detail", args=[complaint.pk])
    assert list(complaint.lines.all()) == [line] and complaint.documents.count() == 1
    order.refresh_from_db()
    assert order.state == "disputed"
    login(sam).post(reverse("cabinet:complaint_answer", args=[complaint.pk]), {"answer": "We will replace them"})
    login(alice).post(
        reverse("cabinet:complaint_resolve", args=[complaint.pk]),
        {"resolution": "compensated", "compensation": "250.00", "comment": "credit note"},
    )
    complaint.refresh_from_db()
    assert (complaint.state, complaint.resolution, complaint.compensation) == (
        "resolved",
        "compensated",
        Decimal("250.00"),
    )
    login(alice).post(reverse("cabinet:order_transition", args=[order.pk]), {"to": "completed"})
    order.refresh_from_db()
    assert order.state == "completed"


def test_it_tells_the_buyer_it_may_complete_once_the_last_complaint_is_resolved(login, buyer, supplier, alice, sam):
    """Defect 11 of issue 12: the order stayed "Disputed" with nothing saying Complete was possible."""
    order = f.order(buyer, supplier, state="delivered")
    first = services.complaint_open(order=order, reason="Bent", actor=acting(buyer))
    second = services.complaint_open(order=order, reason="Short", actor=acting(buyer))
    client = login(alice)
    response = client.post(reverse("cabinet:complaint_resolve", args=[first.pk]), {"resolution": "rejected"})
    assert response["Location"] == reverse("cabinet:complaint_detail", args=[first.pk])
    assert 'id="disputes-settled"' not in client.get(reverse("cabinet:order_detail", args=[order.pk])).content.decode()
    response = client.post(reverse("cabinet:complaint_resolve", args=[second.pk]), {"resolution": "accepted"})
    assert response["Location"] == reverse("cabinet:order_detail", args=[order.pk])
    page = client.get(response["Location"]).content.decode()
    assert "you can complete the order now" in page and 'data-move="completed"' in page
    supplier_page = login(sam).get(reverse("cabinet:order_detail", args=[order.pk])).content.decode()
    assert "waiting for the buyer to complete the order" in supplier_page


def test_it_refuses_a_complaint_on_an_order_not_yet_delivered(login, buyer, supplier, alice):
    order = f.order(buyer, supplier, state="shipped")
    response = login(alice).post(reverse("cabinet:complaint_create", args=[order.pk]), {"reason": "late"})
    assert response.status_code == 200
    assert "Allowed now: delivered" in response.content.decode()
    assert not Complaint.objects.exists()


def test_it_lets_only_the_supplier_answer_and_only_the_buyer_resolve(login, buyer, supplier, alice, sam):
    order = f.order(buyer, supplier, state="disputed")
    complaint = order.complaints.get()
    assert (
        login(alice).post(reverse("cabinet:complaint_answer", args=[complaint.pk]), {"answer": "x"}).status_code == 403
    )
    assert (
        login(sam)
        .post(reverse("cabinet:complaint_resolve", args=[complaint.pk]), {"resolution": "accepted"})
        .status_code
        == 403
    )
    assert login(sam).get(reverse("cabinet:complaint_create", args=[order.pk])).status_code == 403


# -- proposals -----------------------------------------------------------------------------------


def test_it_takes_a_proposal_from_a_supplier_and_the_buyers_decision(login, buyer, supplier, alice, sam):
    login(sam).post(
        reverse("cabinet:proposal_create"),
        {
            "buyer": buyer.pk,
            "kind": "new_product",
            "sku": "GL-1",
            "name": "Gloves",
            "unit": "pair",
            "price": "3.50",
            "currency": "RUB",
        },
    )
    proposal = Proposal.objects.get()
    assert "Gloves" in login(alice).get(reverse("cabinet:proposal_list")).content.decode()
    login(alice).post(reverse("cabinet:proposal_decide", args=[proposal.pk]), {"decision": "accept"})
    proposal.refresh_from_db()
    assert proposal.state == "accepted"


def test_it_shows_what_is_waiting_on_the_home_page(login, buyer, supplier, alice, sam):
    placed = f.order(buyer, supplier)
    shipped = f.order(buyer, supplier, state="shipped")
    f.rfq(buyer, [supplier])
    page = login(sam).get("/").content.decode()
    assert "Orders to confirm" in page and placed.number in page and "Rebar for block C" in page
    page = login(alice).get("/").content.decode()
    assert "Deliveries to accept" in page and shipped.number in page


# -- lists -----------------------------------------------------------------------------------------


def _fill(buyer, supplier, n):
    for i in range(n):
        order = f.order(buyer, supplier, state="disputed" if i % 2 else "placed", n_lines=2)
    return order


@pytest.mark.parametrize("name", ["cabinet:order_list", "cabinet:complaint_list", "cabinet:rfq_list"])
def test_it_keeps_list_queries_flat_as_rows_grow(
    login, buyer, supplier, alice, sam, name, django_assert_max_num_queries
):
    client = login(alice)
    _fill(buyer, supplier, 2)
    f.rfq(buyer, [supplier])
    with django_assert_max_num_queries(14) as few:
        assert client.get(reverse(name)).status_code == 200
    ceiling = len(few)
    _fill(buyer, supplier, 20)
    for _ in range(10):
        f.rfq(buyer, [supplier])
    with django_assert_max_num_queries(ceiling):
        assert client.get(reverse(name)).status_code == 200
    supplier_client = login(sam)
    supplier_client.get(reverse(name))  # the first request after login writes the session
    with django_assert_max_num_queries(ceiling):
        assert supplier_client.get(reverse(name)).status_code == 200


def test_it_filters_and_exports_orders(login, buyer, supplier, supplier2, alice):
    f.order(buyer, supplier, state="confirmed")
    f.order(buyer, supplier2, channel="api")
    client = login(alice)
    page = client.get(reverse("cabinet:order_list"), {"partner": supplier2.pk}).content.decode()
    assert "Bolt House" in page and "Steel Works" not in page.split("<table", 1)[1]
    page = client.get(reverse("cabinet:order_list"), {"state": "confirmed"}).content.decode()
    assert page.count('class="badge order-confirmed"') == 1
    csv = client.get(reverse("cabinet:order_list"), {"_export": "csv", "channel": "api"})
    body = csv.content.decode()
    assert csv["Content-Type"].startswith("text/csv")
    assert body.count("\n") == 2 and "Bolt House" in body
    xlsx = client.get(reverse("cabinet:order_list"), {"_export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


# -- partnerships that ended, rivals, ids and codes that cannot be stored ----------------------


@pytest.mark.parametrize("value", ["abc", f.BIG, "-1", "1.5", ""])
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


def test_it_refuses_a_quote_posted_on_the_page_after_the_partnership_ended(login, buyer, supplier, sam):
    rfq = f.rfq(buyer, [supplier])
    f.quote(rfq, supplier, price="50")
    f.end_partnership(buyer, supplier)
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
    f.end_partnership(buyer, supplier)
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
    f.end_partnership(buyer, supplier)
    client = login(alice)
    html = client.get(reverse("cabinet:rfq_detail", args=[rfq.pk]) + f"?supplier={supplier.pk}").content.decode()
    assert "the conversation is closed" in html and "comment-form" not in html
    html = client.get(reverse("cabinet:rfq_detail", args=[rfq.pk]) + f"?supplier={supplier2.pk}").content.decode()
    assert "the conversation is closed" not in html and "comment-form" in html


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


def test_it_counts_the_quotes_of_an_awarded_request(login, alice, buyer, supplier, supplier2):
    """Defect 2 of issue 12: an award turned every quote's count into 0."""
    rfq = f.rfq(buyer, [supplier, supplier2])
    chosen = f.quote(rfq, supplier, price="90.00")
    f.quote(rfq, supplier2, price="120.00")
    services.quote_accept(quote=chosen, actor=acting(buyer))
    row = next(iter(login(alice).get(reverse("cabinet:rfq_list")).context["table"].rows))
    assert row.get_cell("answers_count") == 2


def test_it_keeps_the_losing_quotes_side_by_side_after_an_award(login, alice, buyer, supplier, supplier2):
    """Defect 3 of issue 12: after the award only the accepted quote stayed in the comparison."""
    rfq = f.rfq(buyer, [supplier, supplier2])
    chosen = f.quote(rfq, supplier, price="90.00")
    f.quote(rfq, supplier2, price="120.00")
    services.quote_accept(quote=chosen, actor=acting(buyer))
    response = login(alice).get(reverse("cabinet:rfq_detail", args=[rfq.pk]))
    compared = {q.supplier: q.state for q in response.context["compared"]}
    assert compared == {supplier: QuoteState.ACCEPTED, supplier2: QuoteState.NOT_CHOSEN}
    html = response.content.decode()
    assert 'data-quote-state="not_chosen">Bolt House' in html and str(QuoteState.NOT_CHOSEN.label) in html
    assert "RUB\xa0120.00" in html and "Order from this quote" not in html


def _one_line_order(supplier, **fields) -> dict:
    """The order form's data for one line (SKU A, one piece at 1)."""
    lines = {"lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-sku": "A", "lines-0-quantity": "1"}
    return {"supplier": supplier.pk, **lines, "lines-0-price": "1", **fields}


def test_it_offers_and_accepts_only_active_suppliers_on_the_order_form(login, alice, supplier, outsider_supplier):
    response = login(alice).post(reverse("cabinet:order_create"), _one_line_order(outsider_supplier))
    assert response.status_code == 200
    assert "Far Away" not in response.content.decode()
    assert response.context["form"].errors["supplier"]
    assert not Order.objects.exists()


def test_it_refuses_a_complaint_line_too_large_on_the_form(login, alice, buyer, supplier):
    order = f.order(buyer, supplier, state="delivered")
    client = login(alice)
    for value in (f.BIG, "abc", "-3"):
        response = client.post(reverse("cabinet:complaint_create", args=[order.pk]), {"reason": "x", "lines": [value]})
        assert response.status_code == 200, value
        assert response.context["form"].errors["lines"], value
    assert not Complaint.objects.exists()


def test_it_refuses_a_supplier_id_too_large_on_the_request_form(login, alice, supplier):
    data = {
        "title": "t",
        "suppliers": [f.BIG],
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
        {"supplier": f.BIG, "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-sku": "A"},
    )
    assert response.status_code == 200 and response.context["form"].errors["supplier"]
    response = login(sam).post(
        reverse("cabinet:proposal_create"),
        {"buyer": f.BIG, "kind": "new_product", "sku": "a", "name": "b", "unit": "u", "price": "1", "currency": "RUB"},
        follow=True,
    )
    assert "Buyer:" in _messages(response)


def test_it_refuses_a_lead_time_too_large(login, buyer, supplier, sam):
    rfq = f.rfq(buyer, [supplier])
    data = {f"price_{line.pk}": "1" for line in rfq.lines.all()} | {"lead_time_days": f.BIG}
    response = login(sam).post(reverse("cabinet:rfq_quote", args=[rfq.pk]), data, follow=True)
    assert "Lead time, days:" in _messages(response)
    prices = {line.pk: Decimal("1") for line in rfq.lines.all()}
    with pytest.raises(ValidationError, match="0 to 3650 days"):
        services.quote_submit(rfq=rfq, supplier=supplier, actor=acting(sam), prices=prices, lead_time_days=10**20)
    assert not Quote.objects.exists()


def test_it_answers_ids_too_large_in_addresses_and_filters_without_a_server_error(login, api, alice, buyer, supplier):
    client = login(alice)
    for url in (
        f"/cabinet/orders/{f.BIG}/",
        f"/cabinet/requests/{f.BIG}/",
        f"/cabinet/complaints/{f.BIG}/",
        f"/cabinet/documents/{f.BIG}/",
    ):
        assert client.get(url).status_code == 404, url
    for url in ("/cabinet/orders/", "/cabinet/requests/", "/cabinet/complaints/"):
        assert client.get(f"{url}?partner={f.BIG}").status_code == 200, url
    assert api(buyer).get(f"/api/v1/orders/{f.BIG}/").status_code == 404


def test_it_refuses_a_currency_that_is_not_an_iso_code_on_the_order_form(login, alice, supplier):
    response = login(alice).post(reverse("cabinet:order_create"), _one_line_order(supplier, currency="$$$"))
    assert response.status_code == 200
    assert "not a currency code" in str(response.context["form"].errors["currency"])
    assert not Order.objects.exists()


def test_it_filters_each_list_by_the_partner_whichever_side_looks(login, buyer, supplier, supplier2, alice, sam):
    mine = f.order(buyer, supplier)
    f.order(buyer, supplier2)
    shared = f.rfq(buyer, [supplier, supplier2])
    f.rfq(buyer, [supplier2])
    buyer_client = login(alice)
    orders = buyer_client.get(reverse("cabinet:order_list") + f"?partner={supplier.pk}").context["table"]
    assert [row.record for row in orders.rows] == [mine]
    requests = buyer_client.get(reverse("cabinet:rfq_list") + f"?partner={supplier.pk}").context["table"]
    assert [row.record for row in requests.rows] == [shared]
    requests = login(sam).get(reverse("cabinet:rfq_list") + f"?partner={buyer.pk}").context["table"]
    assert [row.record for row in requests.rows] == [shared]
