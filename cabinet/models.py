"""Requests for quotation, quotes, proposals, orders and their history, documents, comments and
complaints.

The rules of who moves an order where live in ``cabinet/transitions.py`` (data, not code paths).
Ratings read these tables directly: orders carry a timestamp per milestone, totals are Decimal with
their currency, complaints name both organizations.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.actors import recorded_name
from marketplace.models import Organization, Partnership, TwoSidedQuerySet
from marketplace.money import money, validate_currency

QUANTITY = {"max_digits": 14, "decimal_places": 3}
MONEY = {"max_digits": 16, "decimal_places": 2}
UNIT_PRICE = {"max_digits": 18, "decimal_places": 4}  # as price lists quote them (bolts at 0.0450)
POSITIVE = [MinValueValidator(Decimal("0.001"), message=_("The quantity must be greater than zero."))]
MAX_LEAD_TIME_DAYS = 3650  # ten years: anything longer is a typo
NON_NEGATIVE = [MinValueValidator(Decimal("0"), message=_("A price cannot be negative."))]


def currency_field() -> models.CharField:
    """An ISO 4217 code (``marketplace.money.validate_currency``)."""
    return models.CharField(_("currency"), max_length=3, default="RUB", validators=[validate_currency])


def api_key_field() -> models.ForeignKey:
    """The API key that acted, when a key did (its name is shown where a person's would be)."""
    return models.ForeignKey("marketplace.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")


class OrderChannel(models.TextChoices):
    WEB = "web", _("Web")
    AUCTION = "auction", _("Auction")
    RFQ = "rfq", _("Request for quotation")
    PRICE_LIST = "price_list", _("Price list")
    API = "api", _("API")


CHANNEL_PREFIX: dict[str, str] = {
    OrderChannel.WEB: "W",
    OrderChannel.AUCTION: "A",
    OrderChannel.RFQ: "Q",
    OrderChannel.PRICE_LIST: "P",
    OrderChannel.API: "I",
}


class OrderState(models.TextChoices):
    PLACED = "placed", _("Placed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    IN_PROGRESS = "in_progress", _("In progress")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    DISPUTED = "disputed", _("Disputed")
    CANCELLED = "cancelled", _("Cancelled")


class OrderNumberCounter(models.Model):
    """The last number handed out per (buyer, year); its row is locked while a number is taken."""

    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["buyer", "year"], name="unique_order_counter")]

    def __str__(self) -> str:
        return f"{self.buyer_id}/{self.year}: {self.last}"


# -- Requests for quotation ------------------------------------------------------------------------


class RfqState(models.TextChoices):
    OPEN = "open", _("Open")
    AWARDED = "awarded", _("Awarded")
    CANCELLED = "cancelled", _("Cancelled")


class RfqQuerySet(TwoSidedQuerySet):
    supplier_field = "suppliers"  # a request goes to several suppliers

    def visible_to(self, organization: Organization | None):
        """A buyer sees its own requests. A supplier sees those sent to it by buyers it actively
        works with, and those it answered (its quote stays readable after the partnership ends)."""
        if organization is None or organization.pk is None:
            return self.none()
        if organization.is_buyer:
            return self.filter(buyer=organization)
        active = Partnership.objects.active().filter(buyer=OuterRef("buyer_id"), supplier=organization)
        answered = Quote.objects.filter(rfq=OuterRef("pk"), supplier=organization)
        return self.filter(Exists(active) | Exists(answered), suppliers=organization)


class RequestForQuotation(models.Model):
    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="rfqs_sent")
    suppliers = models.ManyToManyField(Organization, related_name="rfqs_received", verbose_name=_("suppliers"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    currency = currency_field()
    deadline = models.DateTimeField(_("answer by"))
    state = models.CharField(_("state"), max_length=12, choices=RfqState.choices, default=RfqState.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Moved on every change a side sees (sent, answered, awarded, cancelled): the API's change feed.
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, db_index=True)

    objects = RfqQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("request for quotation")
        verbose_name_plural = _("requests for quotation")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state == RfqState.OPEN and self.deadline > timezone.now()


class RfqLine(models.Model):
    rfq = models.ForeignKey(RequestForQuotation, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=1)
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    name = models.CharField(_("product"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    quantity = models.DecimalField(_("quantity"), **QUANTITY, validators=POSITIVE)
    wanted_date = models.DateField(_("wanted by"), null=True, blank=True)
    product = models.ForeignKey(
        "pricing.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("product")
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class QuoteState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    DECLINED = "declined", _("Declined")
    ACCEPTED = "accepted", _("Accepted")
    NOT_CHOSEN = "not_chosen", _("Not chosen")


# Quotes that carry prices: still open, or decided by an award. They stay on the record after the
# award, so the buyer keeps why it chose and the request keeps its count of answers.
PRICED_QUOTE_STATES = (QuoteState.SUBMITTED, QuoteState.ACCEPTED, QuoteState.NOT_CHOSEN)


class QuoteQuerySet(TwoSidedQuerySet):
    buyer_field = "rfq__buyer"  # the buyer sees every answer to its requests, a supplier its own


class Quote(models.Model):
    """A supplier's answer to a request: prices per line, or a refusal with its reason."""

    rfq = models.ForeignKey(RequestForQuotation, on_delete=models.CASCADE, related_name="quotes")
    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="quotes")
    state = models.CharField(_("state"), max_length=12, choices=QuoteState.choices, default=QuoteState.SUBMITTED)
    lead_time_days = models.PositiveIntegerField(_("lead time, days"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    decline_reason = models.TextField(_("reason"), blank=True)
    currency = currency_field()
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = QuoteQuerySet.as_manager()

    class Meta:
        ordering = ["total", "id"]
        constraints = [models.UniqueConstraint(fields=["rfq", "supplier"], name="one_quote_per_supplier")]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    def __str__(self) -> str:
        return f"{self.supplier} → {self.rfq}"

    @property
    def is_expired(self) -> bool:
        return self.valid_until is not None and self.valid_until < timezone.localdate()


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    rfq_line = models.ForeignKey(RfqLine, on_delete=models.CASCADE, related_name="quote_lines")
    price = models.DecimalField(_("price"), **UNIT_PRICE, validators=NON_NEGATIVE)

    class Meta:
        ordering = ["rfq_line__position", "id"]
        constraints = [models.UniqueConstraint(fields=["quote", "rfq_line"], name="one_price_per_line")]

    def __str__(self) -> str:
        return f"{self.rfq_line} @ {self.price}"

    @property
    def amount(self) -> Decimal:
        return money(self.price * self.rfq_line.quantity, self.quote.currency)


class ProposalKind(models.TextChoices):
    NEW_PRODUCT = "new_product", _("New product")
    BETTER_PRICE = "better_price", _("Better price")


class ProposalState(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Proposal(models.Model):
    """A supplier's own offer to a buyer: a product it does not buy yet, or a better price."""

    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="proposals_sent")
    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="proposals_received")
    kind = models.CharField(_("kind"), max_length=20, choices=ProposalKind.choices, default=ProposalKind.NEW_PRODUCT)
    sku = models.CharField(_("SKU"), max_length=100)
    name = models.CharField(_("product"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    price = models.DecimalField(_("price"), **UNIT_PRICE, validators=NON_NEGATIVE)
    currency = currency_field()
    comment = models.TextField(_("comment"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ProposalState.choices, default=ProposalState.OPEN)
    decision_comment = models.TextField(_("decision comment"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    catalog_product = models.ForeignKey(
        "pricing.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("catalog product"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = TwoSidedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        return f"{self.supplier}: {self.name}"


# -- Orders ----------------------------------------------------------------------------------------


class OrderQuerySet(TwoSidedQuerySet):
    def with_details(self):
        """With everything an order page or the API shows, in a fixed number of queries."""
        events = OrderEvent.objects.select_related("actor", "organization", "api_key").order_by("created_at", "id")
        return self.select_related("buyer", "supplier", "quote", "created_by").prefetch_related(
            "lines", Prefetch("events", queryset=events)
        )


class Order(models.Model):
    buyer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="orders_placed")
    supplier = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="orders_received")
    number = models.CharField(_("number"), max_length=20)
    channel = models.CharField(_("channel"), max_length=12, choices=OrderChannel.choices)
    state = models.CharField(_("state"), max_length=12, choices=OrderState.choices, default=OrderState.PLACED)
    currency = currency_field()
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0"))
    note = models.TextField(_("note"), blank=True)
    wanted_date = models.DateField(_("wanted by"), null=True, blank=True)
    shipment_note = models.TextField(_("shipment note"), blank=True)
    quote = models.OneToOneField(Quote, on_delete=models.SET_NULL, null=True, blank=True, related_name="order")
    source_ref = models.CharField(_("source"), max_length=100, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    # One timestamp per milestone, for ratings and dashboards (filled by the transition service).
    placed_at = models.DateTimeField(_("placed"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)
    in_progress_at = models.DateTimeField(_("in progress since"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    disputed_at = models.DateTimeField(_("disputed"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["buyer", "number"], name="unique_order_number_per_buyer")]
        indexes = [
            models.Index(fields=["buyer", "state"], name="order_buyer_state"),
            models.Index(fields=["supplier", "state"], name="order_supplier_state"),
        ]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return self.number

    def side_of(self, organization: Organization) -> str | None:
        """``"buyer"``, ``"supplier"`` or None for anyone else."""
        if organization.pk == self.buyer_id:
            return "buyer"
        if organization.pk == self.supplier_id:
            return "supplier"
        return None

    def partner_of(self, organization: Organization) -> Organization:
        return self.supplier if organization.pk == self.buyer_id else self.buyer


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=1)
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    supplier_sku = models.CharField(_("supplier's SKU"), max_length=100, blank=True)
    name = models.CharField(_("product"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    quantity = models.DecimalField(_("quantity"), **QUANTITY, validators=POSITIVE)
    price = models.DecimalField(_("price"), **UNIT_PRICE, validators=NON_NEGATIVE)
    amount = models.DecimalField(_("amount"), **MONEY, default=Decimal("0"))
    product = models.ForeignKey(
        "pricing.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("product")
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"


class OrderEvent(models.Model):
    """One move of an order: who (person and organization), when, from, to, and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=12, choices=OrderState.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=OrderState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    api_key = api_key_field()
    via_api = models.BooleanField(default=False)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or '—'} → {self.to_state}"

    @property
    def author_name(self) -> str:
        return recorded_name(self.actor, self.api_key, via_api=self.via_api)


# -- Complaints ------------------------------------------------------------------------------------


class ComplaintState(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    RESOLVED = "resolved", _("Resolved")


class ComplaintResolution(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    COMPENSATED = "compensated", _("Compensated")


class Complaint(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="complaints")
    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="complaints_opened")
    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="complaints_received")
    reason = models.TextField(_("reason"))
    lines = models.ManyToManyField(OrderLine, blank=True, related_name="complaints", verbose_name=_("affected lines"))
    state = models.CharField(_("state"), max_length=10, choices=ComplaintState.choices, default=ComplaintState.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(_("resolution"), max_length=12, choices=ComplaintResolution.choices, blank=True)
    resolution_comment = models.TextField(_("resolution comment"), blank=True)
    compensation = models.DecimalField(_("compensation"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_by_key = api_key_field()
    created_at = models.DateTimeField(_("opened"), default=timezone.now, db_index=True)

    objects = TwoSidedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return f"{self.order.number}: {self.reason[:40]}"

    @property
    def is_resolved(self) -> bool:
        return self.state == ComplaintState.RESOLVED

    @property
    def author_name(self) -> str:
        return recorded_name(self.opened_by, self.opened_by_key)


# -- Documents and comments ------------------------------------------------------------------------


def document_path(instance: Document, filename: str) -> str:
    """A name nobody can guess; the original name is kept only in the row."""
    now = timezone.now()
    return f"documents/{now:%Y/%m}/{secrets.token_urlsafe(24)}"


class DocumentQuerySet(TwoSidedQuerySet):
    def visible_to(self, organization: Organization | None):
        """Documents an organization may download: it is the buyer or the supplier involved, or a
        request's own file and the supplier may see that request (see ``RfqQuerySet``)."""
        if organization is None or organization.pk is None:
            return self.none()
        if organization.is_buyer:
            return self.filter(self.sides(organization))
        requests = RequestForQuotation.objects.visible_to(organization).values("pk")
        return self.filter(self.sides(organization) | Q(supplier__isnull=True, rfq__in=requests))

    def with_authors(self):
        """With who uploaded each (person or key), for the lists that name them."""
        return self.select_related("uploaded_by", "api_key")


class Document(models.Model):
    """A file attached to one request, quote, order or complaint. Served only through a view that
    checks the requester is one of the organizations involved."""

    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # None for a request's own files: every supplier the request went to may read them.
    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    rfq = models.ForeignKey(
        RequestForQuotation, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, null=True, blank=True, related_name="documents")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, blank=True, related_name="documents")
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, null=True, blank=True, related_name="documents")
    file = models.FileField(upload_to=document_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_key = api_key_field()
    organization = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.original_name

    @property
    def author_name(self) -> str:
        return recorded_name(self.uploaded_by, self.api_key)


class Comment(models.Model):
    """A message in the thread of an order, or of one supplier's conversation about a request."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, blank=True, related_name="comments")
    rfq = models.ForeignKey(
        RequestForQuotation, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    # For a request: whose conversation with the buyer this is (suppliers never see each other's).
    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_key = api_key_field()
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(order__isnull=False, rfq__isnull=True) | Q(order__isnull=True, rfq__isnull=False),
                name="comment_on_one_thing",
            )
        ]

    def __str__(self) -> str:
        return self.body[:40]

    @property
    def author_name(self) -> str:
        return recorded_name(self.author, self.api_key)


class OrderExchangeMark(models.Model):
    """How far a supplier's 1C has taken its orders (``cabinet.exchange_1c``): orders changed at
    or after ``mark`` were not yet acknowledged; ``queried_at`` (the last ``mode=query``) is what
    ``mode=success`` makes the mark."""

    supplier = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="order_exchange_mark")
    mark = models.DateTimeField(null=True, blank=True)
    queried_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.supplier}: {self.mark}"
