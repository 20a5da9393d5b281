"""Reads of the cabinet; each takes the organization whose view it is and returns only what that
organization may see, through the models' ``visible_to`` (the same rule ``tenancy.fetch`` and the
API use; anything else is a 404 upstream)."""

from __future__ import annotations

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from marketplace.models import Organization

from .models import (
    PRICED_QUOTE_STATES,
    Comment,
    Complaint,
    ComplaintState,
    Order,
    OrderState,
    Proposal,
    ProposalState,
    Quote,
    QuoteState,
    RequestForQuotation,
    RfqState,
)


def _apply(queryset: QuerySet, filterset_class, filters, request=None) -> QuerySet:
    if filterset_class is None or filters is None:
        return queryset
    return filterset_class(filters, queryset=queryset, request=request).qs


def order_list(*, organization: Organization, filters=None) -> QuerySet[Order]:
    queryset = (
        Order.objects.visible_to(organization)
        .select_related("buyer", "supplier")
        .annotate(lines_count=Count("lines", distinct=True))
        .order_by("-created_at", "-id")
    )
    if filters is not None:
        from .filters import OrderFilter

        queryset = _apply(queryset, OrderFilter, filters)
    return queryset


def order_detail_queryset(*, organization: Organization) -> QuerySet[Order]:
    """Orders with everything an order page or the API shows, in a fixed number of queries."""
    return Order.objects.visible_to(organization).with_details().order_by("-created_at", "-id")


def rfq_list(*, organization: Organization, filters=None) -> QuerySet[RequestForQuotation]:
    """A buyer's requests with how many suppliers were asked and how many quoted; a supplier's with
    only its own answer (``own_answer``: its quote's state, or None) — never its rivals' numbers."""
    queryset = RequestForQuotation.objects.visible_to(organization)
    if organization.is_buyer:
        queryset = queryset.annotate(
            answers_count=Count("quotes", distinct=True, filter=Q(quotes__state__in=PRICED_QUOTE_STATES)),
            suppliers_count=Count("suppliers", distinct=True),
        )
    else:
        own = Quote.objects.filter(rfq=OuterRef("pk"), supplier=organization).values("state")[:1]
        queryset = queryset.annotate(own_answer=Subquery(own))
    queryset = (
        queryset.select_related("buyer")
        .annotate(lines_count=Count("lines", distinct=True))
        .order_by("-created_at", "-id")
    )
    if filters is not None:
        from .filters import RfqFilter

        queryset = _apply(queryset, RfqFilter, filters)
    return queryset


def rfq_get(*, organization: Organization, pk) -> RequestForQuotation | None:
    """A request this organization may see (the buyer's own, or one sent to the supplier), or None."""
    return RequestForQuotation.objects.visible_to(organization).select_related("buyer").filter(pk=pk).first()


def quote_list_for_rfq(*, rfq: RequestForQuotation, organization: Organization) -> QuerySet[Quote]:
    """The buyer sees every answer; a supplier only its own."""
    return rfq.quotes.visible_to(organization).select_related("supplier").prefetch_related("lines", "documents")


def proposal_list(*, organization: Organization) -> QuerySet[Proposal]:
    return Proposal.objects.visible_to(organization).select_related("buyer", "supplier", "decided_by")


def complaint_list(*, organization: Organization, filters=None) -> QuerySet[Complaint]:
    queryset = Complaint.objects.visible_to(organization).select_related("order", "buyer", "supplier")
    if filters is not None:
        from .filters import ComplaintFilter

        queryset = _apply(queryset, ComplaintFilter, filters)
    return queryset


def comment_list(*, order: Order | None = None, rfq: RequestForQuotation | None = None, organization, supplier=None):
    """An order's thread, or a request's conversations: all of them (or ``supplier``'s) for the
    buyer, its own for a supplier."""
    related = ("author", "organization", "api_key")
    if order is not None:
        return Comment.objects.filter(order=order).select_related(*related)
    queryset = Comment.objects.filter(rfq=rfq).select_related(*related, "supplier")
    if organization.pk != rfq.buyer_id:
        queryset = queryset.filter(supplier=organization)
    elif supplier is not None:
        queryset = queryset.filter(supplier=supplier)
    return queryset


def waiting_for(*, organization: Organization) -> dict:
    """What is waiting for this organization, for its cabinet home."""
    now = timezone.now()
    if organization.is_supplier:
        answered = Quote.objects.filter(rfq=OuterRef("pk"), supplier=organization)
        rfqs = (
            RequestForQuotation.objects.visible_to(organization)
            .filter(state=RfqState.OPEN, deadline__gt=now)
            .exclude(Exists(answered))
            .select_related("buyer")
            .order_by("deadline")
        )
        orders = Order.objects.filter(supplier=organization).select_related("buyer")
        return {
            "rfqs_to_answer": rfqs,
            "orders_to_confirm": orders.filter(state=OrderState.PLACED).order_by("placed_at"),
            "orders_to_ship": orders.filter(state__in=[OrderState.CONFIRMED, OrderState.IN_PROGRESS]).order_by(
                "confirmed_at"
            ),
            "complaints_to_answer": Complaint.objects.filter(supplier=organization, state=ComplaintState.OPEN)
            .select_related("order", "buyer")
            .order_by("created_at"),
        }
    quotes = (
        Quote.objects.filter(rfq__buyer=organization, rfq__state=RfqState.OPEN, state=QuoteState.SUBMITTED)
        .select_related("rfq", "supplier")
        .order_by("-updated_at")
    )
    orders = Order.objects.filter(buyer=organization).select_related("supplier")
    return {
        "quotes_received": quotes,
        "deliveries_to_accept": orders.filter(state=OrderState.SHIPPED).order_by("shipped_at"),
        "orders_to_complete": orders.filter(state=OrderState.DELIVERED).order_by("delivered_at"),
        "complaints_open": Complaint.objects.filter(buyer=organization)
        .exclude(state=ComplaintState.RESOLVED)
        .select_related("order", "supplier")
        .order_by("created_at"),
        "proposals_open": Proposal.objects.filter(buyer=organization, state=ProposalState.OPEN).select_related(
            "supplier"
        ),
    }


# -- for ratings, which reads the cabinet only through these -------------------------------------


def orders_delivered_for_rating(*, buyer: Organization) -> QuerySet[Order]:
    """The buyer's orders that were delivered (completed or disputed), each with ``wanted_on``: its
    own wanted date, else the earliest wanted date of the request it was quoted on."""
    from .models import RfqLine

    from_request = (
        RfqLine.objects.filter(rfq__quotes=OuterRef("quote_id"), wanted_date__isnull=False)
        .order_by("wanted_date")
        .values("wanted_date")[:1]
    )
    return (
        Order.objects.filter(
            buyer=buyer, delivered_at__isnull=False, state__in=[OrderState.COMPLETED, OrderState.DISPUTED]
        )
        # The request's date is looked up only for orders that came from a quote (a subquery per
        # order would dominate the rating's recompute).
        .annotate(
            wanted_on=Coalesce(
                "wanted_date", Case(When(quote_id__isnull=False, then=Subquery(from_request)), default=None)
            )
        )
        .order_by()
    )


def complaints_for_rating(*, buyer: Organization) -> QuerySet[Complaint]:
    return Complaint.objects.filter(buyer=buyer).order_by()


def order_line_prices_for_rating(*, buyer: Organization) -> QuerySet:
    """Unit prices the buyer agreed for catalog products, per supplier, product and currency:
    ``supplier_id``, ``product_id``, ``currency``, ``avg_price``, ``spend`` (sum of amounts)."""
    from django.db.models import Avg, Sum

    from .models import OrderLine

    return (
        OrderLine.objects.filter(order__buyer=buyer, product__isnull=False)
        .exclude(order__state__in=[OrderState.CANCELLED, OrderState.REJECTED])
        .values("product_id", supplier_id=F("order__supplier_id"), currency=F("order__currency"))
        .annotate(avg_price=Avg("price"), spend=Sum("amount"))
        .values("supplier_id", "product_id", "currency", "avg_price", "spend")
        .order_by()
    )
