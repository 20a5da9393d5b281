import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from cabinet import services
from cabinet.models import (
    Comment,
    Document,
    Order,
    OrderNumberCounter,
    Proposal,
    ProposalState,
    Quote,
    RequestForQuotation,
)
from cabinet.services import TransitionNotAllowed
from marketplace.models import Notification, Partnership
from tests.cabinet import factories as f
from tests.concurrency import race
from tests.factories import acting


def test_it_numbers_orders_by_channel_year_and_sequence_per_buyer(buyer, supplier, outsider_buyer, outsider_supplier):
    year = timezone.localdate().year
    first = f.order(buyer, supplier, channel="web")
    second = f.order(buyer, supplier, channel="api")
    third = f.order(buyer, supplier, channel="auction")
    other = f.order(outsider_buyer, outsider_supplier, channel="web")
    assert [first.number, second.number, third.number] == [
        f"W-{year}-000001",
        f"I-{year}-000002",
        f"A-{year}-000003",
    ]
    assert other.number == f"W-{year}-000001"
    assert OrderNumberCounter.objects.get(buyer=buyer, year=year).last == 3


def test_it_computes_totals_as_decimals(buyer, supplier):
    order = services.order_create(
        buyer=buyer,
        supplier=supplier,
        channel="web",
        lines=[{"sku": "A", "quantity": "2.5", "price": "10.10"}, {"sku": "B", "quantity": 3, "price": "0.333"}],
        actor=acting(buyer),
    )
    assert order.total == Decimal("26.25")  # 25.25 + 3 × 0.333 (unit prices keep 4 places, amounts 2)
    assert [line.amount for line in order.lines.all()] == [Decimal("25.25"), Decimal("1.00")]


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", None])
def test_it_refuses_a_zero_negative_or_missing_quantity(buyer, supplier, quantity):
    with pytest.raises(ValidationError) as refused:
        services.order_create(
            buyer=buyer,
            supplier=supplier,
            channel="web",
            lines=[{"sku": "A", "quantity": "1", "price": "1"}, {"sku": "B", "quantity": quantity, "price": "1"}],
            actor=acting(buyer),
        )
    assert "Line 2" in " ".join(refused.value.messages)
    assert not Order.objects.exists()
    assert not OrderNumberCounter.objects.filter(last__gt=0).exists()


def test_it_refuses_a_negative_price(buyer, supplier):
    with pytest.raises(ValidationError, match="negative"):
        services.order_create(
            buyer=buyer,
            supplier=supplier,
            channel="web",
            lines=[{"sku": "A", "quantity": 1, "price": "-5"}],
            actor=acting(buyer),
        )


def test_it_refuses_an_order_with_a_supplier_that_is_not_active(buyer, supplier, outsider_supplier):
    Partnership.objects.filter(buyer=buyer, supplier=supplier).update(status="business_review")
    for who in (supplier, outsider_supplier):
        with pytest.raises(ValidationError, match="not an active supplier"):
            services.order_create(buyer=buyer, supplier=who, channel="web", lines=f.lines(), actor=acting(buyer))
    assert not Order.objects.exists()


def test_it_refuses_an_unpriced_line_that_the_price_list_does_not_price(buyer, supplier):
    with pytest.raises(ValidationError, match="not in Steel Works's active price list"):
        services.order_create(
            buyer=buyer,
            supplier=supplier,
            channel="price_list",
            lines=[{"sku": "NOPE-1", "quantity": 1}],
            actor=acting(buyer),
        )
    assert not Order.objects.exists()


def test_it_tells_the_supplier_of_a_new_order_in_the_inbox_and_by_email(
    buyer, supplier, sam, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = f.order(buyer, supplier)
    note = Notification.objects.get(user=sam)
    assert note.organization == supplier
    assert order.number in note.text and "Acme Buying" in note.text
    assert [m.to for m in mail.outbox] == [["sam@steel.test"]]
    assert order.number in mail.outbox[0].subject


def test_it_sends_no_email_for_a_change_that_was_rolled_back(buyer, supplier, sam, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.order_create(
            buyer=buyer,
            supplier=supplier,
            channel="web",
            lines=[{"sku": "A", "quantity": 0, "price": 1}],
            actor=acting(buyer),
        )
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_it_leaves_the_read_only_member_out_of_the_notifications(buyer, supplier, alice, rita, sam):
    order = f.order(buyer, supplier)
    services.order_transition(order=order, to="confirmed", actor=acting(sam))
    assert set(Notification.objects.filter(organization=buyer).values_list("user__email", flat=True)) == {
        "alice@acme.test"
    }


# -- requests and quotes ---------------------------------------------------------------------------


def test_it_carries_a_request_to_an_order_from_the_chosen_quote(buyer, supplier, supplier2, alice, sam, sue):
    rfq = f.rfq(buyer, [supplier, supplier2])
    assert Notification.objects.filter(user__in=[sam, sue], kind="rfq_received").count() == 2
    cheap = f.quote(rfq, supplier, price="90.00")
    dear = f.quote(rfq, supplier2, price="120.00")
    assert cheap.total == Decimal("1350.00")  # 5 t + 10 t at 90
    order = services.quote_accept(quote=cheap, actor=acting(alice))
    assert order.number.startswith("Q-")
    assert order.channel == "rfq" and order.supplier == supplier and order.quote == cheap
    assert [(line.name, line.quantity, line.price) for line in order.lines.all()] == [
        ("Rebar 0", Decimal("5.000"), Decimal("90.0000")),
        ("Rebar 1", Decimal("10.000"), Decimal("90.0000")),
    ]
    dear.refresh_from_db()
    rfq.refresh_from_db()
    assert (dear.state, rfq.state) == ("not_chosen", "awarded")
    with pytest.raises(ValidationError):
        services.quote_accept(quote=dear, actor=acting(alice))
    assert Order.objects.count() == 1


def test_it_refuses_a_quote_after_the_deadline(buyer, supplier):
    rfq = f.rfq(buyer, [supplier])
    RequestForQuotation.objects.filter(pk=rfq.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError, match=r"deadline .* passed"):
        f.quote(rfq, supplier)
    with pytest.raises(ValidationError, match="deadline"):
        services.quote_decline(rfq=rfq, supplier=supplier, actor=acting(supplier), reason="busy")
    assert not Quote.objects.exists()


def test_it_refuses_a_quote_from_a_supplier_the_request_was_not_sent_to(buyer, supplier, supplier2):
    rfq = f.rfq(buyer, [supplier])
    with pytest.raises(ValidationError, match="not sent to you"):
        f.quote(rfq, supplier2)


def test_it_refuses_a_quote_that_leaves_a_line_unpriced(buyer, supplier):
    rfq = f.rfq(buyer, [supplier])
    first = rfq.lines.first()
    with pytest.raises(ValidationError, match="every line"):
        services.quote_submit(rfq=rfq, supplier=supplier, actor=acting(supplier), prices={first.pk: "10"})
    assert not Quote.objects.exists()


def test_it_replaces_an_earlier_answer_and_records_a_decline_with_its_reason(buyer, supplier):
    rfq = f.rfq(buyer, [supplier])
    services.quote_decline(rfq=rfq, supplier=supplier, actor=acting(supplier), reason="no stock")
    assert Quote.objects.get().decline_reason == "no stock"
    quote = f.quote(rfq, supplier, price="5")
    assert (quote.state, quote.decline_reason, quote.lines.count()) == ("submitted", "", 2)
    with pytest.raises(ValidationError, match="Say why"):
        services.quote_decline(rfq=rfq, supplier=supplier, actor=acting(supplier), reason="  ")


def test_it_refuses_a_request_with_a_past_deadline_or_no_supplier(buyer, supplier):
    with pytest.raises(ValidationError, match="future"):
        f.rfq(buyer, [supplier], deadline=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(ValidationError, match="at least one supplier"):
        f.rfq(buyer, [])
    assert not RequestForQuotation.objects.exists()


def test_it_refuses_an_expired_quote(buyer, supplier):
    rfq = f.rfq(buyer, [supplier])
    quote = f.quote(rfq, supplier)
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    quote.refresh_from_db()
    with pytest.raises(ValidationError, match="expired"):
        services.quote_accept(quote=quote, actor=acting(buyer))


# -- proposals -------------------------------------------------------------------------------------


def test_it_accepts_and_declines_proposals(buyer, supplier, alice):
    proposal = services.proposal_create(
        supplier=supplier,
        buyer=buyer,
        actor=acting(supplier),
        sku="ST-9",
        name="Steel sheet 2mm",
        price="1200",
        unit="sheet",
    )
    with pytest.raises(ValidationError, match="why"):
        services.proposal_decide(proposal=proposal, accept=False, actor=acting(alice))
    with pytest.raises(ValidationError):
        services.proposal_decide(proposal=proposal, accept=True, actor=acting(supplier))
    proposal = services.proposal_decide(proposal=proposal, accept=True, actor=acting(alice))
    assert proposal.state == "accepted" and proposal.decided_by == alice
    assert (proposal.catalog_product.buyer, proposal.catalog_product.sku) == (buyer, "ST-9")
    assert proposal.catalog_product.name == "Steel sheet 2mm"
    with pytest.raises(ValidationError, match="already"):
        services.proposal_decide(proposal=proposal, accept=True, actor=acting(alice))
    assert Proposal.objects.count() == 1


# -- documents -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (f.exe, "not a document we accept"),
        (lambda: f.png("photo.pdf"), "named .pdf but its content is PNG"),
        (f.zip_without_content_types, "not a document we accept"),
        (lambda: f.pdf("empty.pdf", size=0).__class__("empty.pdf", b""), "empty"),
    ],
)
def test_it_refuses_files_by_their_content(buyer, supplier, upload, message):
    order = f.order(buyer, supplier)
    with pytest.raises(ValidationError, match=message):
        services.document_attach(upload=upload(), actor=acting(buyer), order=order)
    assert not Document.objects.exists()


def test_it_refuses_a_file_over_the_limit(buyer, supplier, settings):
    settings.DOCUMENT_MAX_BYTES = 1000
    order = f.order(buyer, supplier)
    with pytest.raises(ValidationError, match="the limit is 1000"):
        services.document_attach(upload=f.pdf(size=1001), actor=acting(buyer), order=order)
    assert not Document.objects.exists()
    services.document_attach(upload=f.pdf(size=1000), actor=acting(buyer), order=order)


def test_it_refuses_an_order_whose_files_are_bad_and_stores_nothing(buyer, supplier):
    with pytest.raises(ValidationError):
        services.order_create(
            buyer=buyer,
            supplier=supplier,
            channel="web",
            lines=f.lines(),
            actor=acting(buyer),
            files=[f.pdf(), f.exe()],
        )
    assert not Order.objects.exists() and not Document.objects.exists()


@pytest.mark.parametrize(
    ("upload", "content_type"),
    [
        (f.pdf, "application/pdf"),
        (f.png, "image/png"),
        (f.xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (lambda: f.SimpleUploadedFile("a.xml", b'\xef\xbb\xbf<?xml version="1.0"?><a/>'), "application/xml"),
        (
            lambda: f.SimpleUploadedFile("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 50),
            "application/msword",
        ),
        (lambda: f.SimpleUploadedFile("pic.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 50), "image/jpeg"),
    ],
)
def test_it_stores_accepted_files_under_a_name_nobody_can_guess(buyer, supplier, upload, content_type):
    order = f.order(buyer, supplier)
    document = services.document_attach(upload=upload(), actor=acting(supplier), order=order)
    assert document.content_type == content_type
    assert document.original_name not in document.file.name
    assert len(document.file.name.rsplit("/", 1)[-1]) >= 32


# -- concurrency (PostgreSQL) ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_hands_out_unique_numbers_under_concurrency(buyer, supplier):
    results = race(
        8,
        lambda i: (
            services.order_create(
                buyer=buyer, supplier=supplier, channel="api" if i % 2 else "web", lines=f.lines(1), actor=acting(buyer)
            ).number
        ),
    )
    assert [kind for kind, _ in results] == ["ok"] * 8
    numbers = [value for _, value in results]
    assert len(set(numbers)) == 8
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 9))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_racing_confirms_win(buyer, supplier):
    order = f.order(buyer, supplier)
    results = race(2, lambda i: services.order_transition(order=order, to="confirmed", actor=acting(supplier)).state)
    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, TransitionNotAllowed)
    assert order.events.filter(to_state="confirmed").count() == 1


def test_it_prices_lines_from_the_suppliers_active_price_list_with_quantity_breaks(buyer, supplier):
    from tests.pricing import factories as pricing

    pricing.publish(
        supplier,
        [
            ("A-1", "Арматура 12 мм", "т", "100.00", 1),
            ("A-1", "Арматура 12 мм", "т", "90.00", 10),
            ("B-2", "Bolt M8", "pcs", "0.0450", 1),
        ],
        currency="RUB",
    )
    order = services.order_create(
        buyer=buyer,
        supplier=supplier,
        channel="price_list",
        lines=[{"sku": "A-1", "quantity": 12}, {"sku": "B-2", "quantity": 1000}, {"sku": "A-1", "quantity": 2}],
        actor=acting(buyer),
    )
    assert order.number.startswith("P-") and order.currency == "RUB"
    assert [(line.name, line.unit, line.price, line.amount) for line in order.lines.all()] == [
        ("Арматура 12 мм", "т", Decimal("90.0000"), Decimal("1080.00")),
        ("Bolt M8", "pcs", Decimal("0.0450"), Decimal("45.00")),
        ("Арматура 12 мм", "т", Decimal("100.0000"), Decimal("200.00")),
    ]
    assert order.total == Decimal("1325.00")


# -- partnerships that ended, currency codes, rounding -----------------------------------------


def test_it_refuses_quotes_declines_and_comments_of_a_supplier_no_longer_active(buyer, supplier, sam):
    rfq = f.rfq(buyer, [supplier])
    f.end_partnership(buyer, supplier)
    prices = {line.pk: Decimal("10") for line in rfq.lines.all()}
    with pytest.raises(ValidationError, match="partnership with Acme Buying is not active"):
        services.quote_submit(rfq=rfq, supplier=supplier, actor=acting(sam), prices=prices)
    with pytest.raises(ValidationError, match="partnership with Acme Buying is not active"):
        services.quote_decline(rfq=rfq, supplier=supplier, actor=acting(sam), reason="busy")
    with pytest.raises(ValidationError, match="partnership with Acme Buying is not active"):
        services.comment_add(body="still here", actor=acting(sam), rfq=rfq)
    assert not Quote.objects.exists() and not Comment.objects.exists()


def test_it_closes_the_buyers_conversation_with_a_supplier_no_longer_active(buyer, alice, supplier):
    rfq = f.rfq(buyer, [supplier])
    f.end_partnership(buyer, supplier)
    with pytest.raises(ValidationError, match="Steel Works is no longer an active supplier"):
        services.comment_add(body="hello?", actor=acting(alice), rfq=rfq, supplier=supplier)
    assert not Comment.objects.exists()


def test_it_refuses_to_accept_a_proposal_of_a_supplier_no_longer_active(buyer, alice, supplier, sam):
    proposal = services.proposal_create(
        supplier=supplier, buyer=buyer, actor=acting(sam), sku="N-1", name="New", price="5"
    )
    f.end_partnership(buyer, supplier)
    with pytest.raises(ValidationError, match="not an active supplier"):
        services.proposal_decide(proposal=proposal, accept=True, actor=acting(alice))
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.OPEN and proposal.catalog_product is None
    declined = services.proposal_decide(
        proposal=proposal, accept=False, actor=acting(alice), comment="We no longer work together."
    )
    assert declined.state == ProposalState.DECLINED


def test_it_refuses_a_bad_currency_in_the_services(buyer, supplier, sam):
    with pytest.raises(ValidationError, match="not a currency code"):
        services.order_create(
            buyer=buyer, supplier=supplier, channel="web", lines=f.lines(1), currency="$$$", actor=acting(buyer)
        )
    with pytest.raises(ValidationError, match="not a currency code"):
        services.proposal_create(
            supplier=supplier, buyer=buyer, actor=acting(sam), sku="a", name="b", price="1", currency="1AB"
        )


def test_it_rounds_order_lines_half_up(buyer, supplier):
    order = services.order_create(
        buyer=buyer,
        supplier=supplier,
        channel="web",
        lines=[
            {"sku": "a", "quantity": Decimal("1"), "price": Decimal("1.0050")},
            {"sku": "b", "quantity": Decimal("1"), "price": Decimal("1.0250")},
        ],
        actor=acting(buyer),
    )
    assert [line.amount for line in order.lines.order_by("position")] == [Decimal("1.01"), Decimal("1.03")]
    assert order.total == Decimal("2.04")


def test_it_rounds_quote_totals_and_compensations_half_up(buyer, alice, supplier, sam):
    rfq = services.rfq_create(
        buyer=buyer,
        actor=acting(alice),
        title="Bolts",
        deadline=timezone.now() + dt.timedelta(days=1),
        suppliers=[supplier],
        lines=[{"name": "Bolt", "quantity": Decimal("1")}],
    )
    line = rfq.lines.get()
    quote = services.quote_submit(rfq=rfq, supplier=supplier, actor=acting(sam), prices={line.pk: Decimal("0.0450")})
    assert quote.total == Decimal("0.05")  # banker's rounding gave 0.04
    assert quote.lines.get().amount == Decimal("0.05")
    order = f.order(buyer, supplier, state="delivered")
    complaint = services.complaint_open(order=order, reason="broken", actor=acting(alice))
    complaint = services.complaint_resolve(
        complaint=complaint, resolution="compensated", compensation="0.125", actor=acting(alice)
    )
    assert complaint.compensation == Decimal("0.13")
